//! Who may have a file: attach it to a message or download it. An upload is its uploader's
//! until it is sent; from then on it goes with the messages that carry it, to whoever may see
//! one of their contacts now. Everyone else is told the file does not exist, exactly as for an
//! unknown id, so an answer never says "it exists, but not for you".

use messenger_protocol::FileId;

use super::{Ctx, visibility};
use crate::error::{AppError, AppResult};
use crate::store::{FileRecord, ReadTx};

/// The file, when the signed-in user may attach or download it; else 404.
pub fn accessible(tx: &mut dyn ReadTx, ctx: &Ctx, id: &FileId) -> AppResult<FileRecord> {
    let not_found = || AppError::not_found(&format!("File {id}"));
    let file = tx.file(id)?.ok_or_else(not_found)?;
    let contacts = tx.contacts_with_file(id)?;
    if contacts.is_empty() {
        // Unsent: the uploader's alone, whatever their role. Fetched files are always sent.
        return match &file.uploaded_by {
            Some(uploader) if uploader == &ctx.me.id => Ok(file),
            _ => Err(not_found()),
        };
    }
    let scope = ctx.scope();
    for contact_id in contacts {
        if let Some(contact) = tx.contact(&contact_id)?
            && visibility::can_see(&scope, contact.assignee_id.as_ref())
        {
            return Ok(file);
        }
    }
    Err(not_found())
}
