//! Custom contact fields: owners and managers define them; any edit of a contact may set their
//! values, each checked against its field's type and kept in one form per type (so that
//! filters and snippets compare like with like).

use std::collections::BTreeMap;

use messenger_protocol::{
    Contact, CustomField, CustomFieldId, CustomFieldType, EventPayload, NewCustomField,
};

use super::Ctx;
use crate::channel::url_guard::is_web_url;
use crate::error::{AppError, AppResult};
use crate::store::{ReadTx, WriteTx};

const MAX_NAME_CHARS: usize = 50;
const MAX_SLUG_CHARS: usize = 50;
const MAX_DESCRIPTION_CHARS: usize = 255;
const MAX_FIELDS: usize = 200;
const MAX_CHOICES: usize = 100;
const MAX_VALUE_CHARS: usize = 1000;
/// The contact's own fields (as snippets and v2 filters name them, without `_`), which a
/// custom field may not shadow.
const RESERVED_SLUGS: &[&str] = &[
    "id",
    "name",
    "firstname",
    "lastname",
    "email",
    "phone",
    "language",
    "countrycode",
    "timezone",
    "tags",
    "status",
    "assignee",
    "assigneeuserid",
    "profilepic",
    "lifecycle",
];

/// A slug made of the name: lower case letters, digits and `_`.
fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('_') && !slug.is_empty() {
            slug.push('_');
        }
    }
    slug.trim_end_matches('_')
        .chars()
        .take(MAX_SLUG_CHARS)
        .collect()
}

pub fn create(tx: &mut dyn WriteTx, ctx: &Ctx, input: NewCustomField) -> AppResult<CustomField> {
    if !ctx.me.role.administers() {
        return Err(AppError::forbidden(
            "Only owners and managers can define custom fields.",
        ));
    }
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid(format!(
            "A custom field's name has 1 to {MAX_NAME_CHARS} characters."
        )));
    }
    let slug = match input
        .slug
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => {
            let ok = s.len() <= MAX_SLUG_CHARS
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(AppError::invalid(format!(
                    "A slug has 1 to {MAX_SLUG_CHARS} letters, digits or _."
                )));
            }
            s.to_ascii_lowercase()
        }
        None => slug_of(&name),
    };
    if slug.is_empty() {
        return Err(AppError::invalid(
            "The name has no letters or digits to make a slug of; give a slug.",
        ));
    }
    // Snippets and filters name the contact's own fields the same way.
    if RESERVED_SLUGS.contains(&slug.replace('_', "").as_str()) {
        return Err(AppError::invalid(format!(
            "{slug} names a field every contact has; choose another slug."
        )));
    }
    if let Some(same) = tx
        .custom_fields()?
        .into_iter()
        .find(|f| f.name.eq_ignore_ascii_case(&name))
    {
        return Err(AppError::conflict(format!(
            "The custom field {} (slug {}) has this name already.",
            same.name, same.slug
        )));
    }
    let description = input.description.unwrap_or_default().trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(AppError::invalid(format!(
            "A description has at most {MAX_DESCRIPTION_CHARS} characters."
        )));
    }
    let mut choices: Vec<String> = Vec::new();
    for v in input.allowed_values {
        let v = v.trim().to_owned();
        if !v.is_empty() && !choices.contains(&v) {
            choices.push(v);
        }
    }
    match input.data_type {
        CustomFieldType::List if choices.is_empty() || choices.len() > MAX_CHOICES => {
            return Err(AppError::invalid(format!(
                "A list field needs 1 to {MAX_CHOICES} allowed values."
            )));
        }
        CustomFieldType::List => {}
        // Other types take no choices (the n8n node sends an empty list).
        _ => choices.clear(),
    }
    if tx.custom_fields()?.len() >= MAX_FIELDS {
        return Err(AppError::invalid(format!(
            "The workspace has {MAX_FIELDS} custom fields already."
        )));
    }
    let field = tx.insert_custom_field(&CustomField {
        id: CustomFieldId(String::new()),
        name,
        slug,
        description,
        data_type: input.data_type,
        allowed_values: choices,
        created_at: ctx.now,
    })?;
    tx.append_event(
        &EventPayload::CustomFieldUpserted(field.clone()),
        ctx.now,
        None,
    )?;
    Ok(field)
}

/// The field a client names: by slug, by name (any case) or by id.
pub fn find<'a>(fields: &'a [CustomField], name: &str) -> Option<&'a CustomField> {
    let name = name.trim();
    fields
        .iter()
        .find(|f| f.slug == name)
        .or_else(|| fields.iter().find(|f| f.name.eq_ignore_ascii_case(name)))
        .or_else(|| fields.iter().find(|f| f.id.as_str() == name))
}

fn invalid(field: &CustomField, value: &str, want: &str) -> AppError {
    AppError::invalid(format!(
        "{:?} is not a valid value for {} ({want}).",
        value.chars().take(80).collect::<String>(),
        field.name
    ))
}

/// A value as the field keeps it, or a clear error.
pub fn normalize(field: &CustomField, value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.chars().count() > MAX_VALUE_CHARS {
        return Err(AppError::invalid(format!(
            "A custom field value has at most {MAX_VALUE_CHARS} characters."
        )));
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    Ok(match field.data_type {
        CustomFieldType::Text => v.to_owned(),
        CustomFieldType::List => field
            .allowed_values
            .iter()
            .find(|c| c.eq_ignore_ascii_case(v))
            .cloned()
            .ok_or_else(|| {
                invalid(
                    field,
                    v,
                    &format!("one of {}", field.allowed_values.join(", ")),
                )
            })?,
        CustomFieldType::Checkbox => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => "true".into(),
            "false" | "0" | "no" => "false".into(),
            _ => return Err(invalid(field, v, "true or false")),
        },
        CustomFieldType::Email if v.contains('@') && !v.contains(' ') => v.to_owned(),
        CustomFieldType::Email => return Err(invalid(field, v, "an email address")),
        CustomFieldType::Number => match v.parse::<f64>() {
            Ok(n) if n.is_finite() => v.to_owned(),
            _ => return Err(invalid(field, v, "a number")),
        },
        CustomFieldType::Url if is_web_url(v) => v.to_owned(),
        CustomFieldType::Url => return Err(invalid(field, v, "an http:// or https:// URL")),
        CustomFieldType::Date => {
            let parts: Vec<&str> = v.split('-').collect();
            let ok = matches!(parts.as_slice(), [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2))
                && time::Date::parse(
                    v,
                    &time::macros::format_description!("[year]-[month]-[day]"),
                )
                .is_ok();
            if !ok {
                return Err(invalid(field, v, "a date, YYYY-MM-DD"));
            }
            v.to_owned()
        }
        CustomFieldType::Time => {
            let ok = matches!(v.split_once(':'), Some((h, m)) if digits(h, 2) && digits(m, 2)
                && h.parse::<u8>().is_ok_and(|h| h < 24) && m.parse::<u8>().is_ok_and(|m| m < 60));
            if !ok {
                return Err(invalid(field, v, "a time, HH:MM"));
            }
            v.to_owned()
        }
    })
}

/// Applies values (by slug, name or id; `None` or empty clears) to a contact.
pub fn set_values(
    tx: &mut dyn ReadTx,
    contact: &mut Contact,
    values: BTreeMap<String, Option<String>>,
) -> AppResult<()> {
    if values.is_empty() {
        return Ok(());
    }
    let fields = tx.custom_fields()?;
    for (name, value) in values {
        let field = find(&fields, &name).ok_or_else(|| {
            AppError::invalid(format!("The workspace has no custom field {name:?}."))
        })?;
        match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => {
                contact.custom_fields.remove(&field.slug);
            }
            Some(v) => {
                let kept = normalize(field, v)?;
                contact.custom_fields.insert(field.slug.clone(), kept);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use messenger_protocol::Timestamp;

    use super::*;

    fn field(data_type: CustomFieldType, choices: &[&str]) -> CustomField {
        CustomField {
            id: CustomFieldId("1".into()),
            name: "Plan".into(),
            slug: "plan".into(),
            description: String::new(),
            data_type,
            allowed_values: choices.iter().map(|c| (*c).to_owned()).collect(),
            created_at: Timestamp::EPOCH,
        }
    }

    #[test]
    fn values_are_checked_and_kept_in_one_form_per_type() {
        use CustomFieldType::*;
        let list = field(List, &["Gold", "Silver"]);
        assert_eq!(normalize(&list, " gold ").unwrap(), "Gold");
        assert!(normalize(&list, "Bronze").is_err());
        assert_eq!(normalize(&field(Checkbox, &[]), "YES").unwrap(), "true");
        assert!(normalize(&field(Checkbox, &[]), "maybe").is_err());
        assert_eq!(normalize(&field(Number, &[]), "12.5").unwrap(), "12.5");
        assert!(normalize(&field(Number, &[]), "NaN").is_err());
        assert_eq!(
            normalize(&field(Date, &[]), "2026-02-28").unwrap(),
            "2026-02-28"
        );
        assert!(normalize(&field(Date, &[]), "2026-02-30").is_err());
        assert!(normalize(&field(Date, &[]), "28/02/2026").is_err());
        assert_eq!(normalize(&field(Time, &[]), "09:30").unwrap(), "09:30");
        assert!(normalize(&field(Time, &[]), "24:00").is_err());
        assert!(normalize(&field(Url, &[]), "javascript:alert(1)").is_err());
        assert!(normalize(&field(Email, &[]), "nobody").is_err());
    }

    #[test]
    fn slugs_are_made_of_names() {
        assert_eq!(slug_of("Order ID"), "order_id");
        assert_eq!(slug_of("  Plan / tier!  "), "plan_tier");
        assert_eq!(slug_of("¿?"), "");
    }
}
