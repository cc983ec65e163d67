//! Closing-note categories (owners and managers keep the list).

use messenger_protocol::{CategoryId, CategoryInput, ClosingNoteCategory, EventPayload, Removed};

use super::Ctx;
use crate::error::{AppError, AppResult};
use crate::store::WriteTx;

fn require_admin(ctx: &Ctx) -> AppResult<()> {
    if ctx.me.role.administers() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only owners and managers can change closing-note categories.",
        ))
    }
}

fn clean(name: &str, description: &str) -> AppResult<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid(
            "A category's name has 1 to 80 characters.",
        ));
    }
    let description = description.trim();
    if description.chars().count() > 500 {
        return Err(AppError::invalid(
            "A category's description has at most 500 characters.",
        ));
    }
    Ok((name.to_owned(), description.to_owned()))
}

pub fn create(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    input: CategoryInput,
) -> AppResult<ClosingNoteCategory> {
    require_admin(ctx)?;
    let name = input
        .name
        .ok_or_else(|| AppError::invalid("A category needs a name."))?;
    let (name, description) = clean(&name, input.description.as_deref().unwrap_or_default())?;
    let category = tx.insert_category(&name, &description)?;
    tx.append_event(
        &EventPayload::CategoryUpserted(category.clone()),
        ctx.now,
        None,
    )?;
    Ok(category)
}

pub fn update(
    tx: &mut dyn WriteTx,
    ctx: &Ctx,
    id: &CategoryId,
    input: CategoryInput,
) -> AppResult<ClosingNoteCategory> {
    require_admin(ctx)?;
    let mut category = tx
        .category(id)?
        .ok_or_else(|| AppError::not_found(&format!("Category {id}")))?;
    let (name, description) = clean(
        input.name.as_deref().unwrap_or(&category.name),
        input
            .description
            .as_deref()
            .unwrap_or(&category.description),
    )?;
    category.name = name;
    category.description = description;
    tx.update_category(&category)?;
    tx.append_event(
        &EventPayload::CategoryUpserted(category.clone()),
        ctx.now,
        None,
    )?;
    Ok(category)
}

/// Removing a category keeps it on the conversations that were closed with it.
pub fn delete(tx: &mut dyn WriteTx, ctx: &Ctx, id: &CategoryId) -> AppResult<()> {
    require_admin(ctx)?;
    if !tx.delete_category(id)? {
        return Err(AppError::not_found(&format!("Category {id}")));
    }
    tx.append_event(
        &EventPayload::CategoryRemoved(Removed { id: id.clone() }),
        ctx.now,
        None,
    )?;
    Ok(())
}
