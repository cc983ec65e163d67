//! A contact as the Developer API names it in a path: `id:123`, `email:ana@example.com` or
//! `phone:+60123456789`. Clients send `+` and `@` raw (the n8n node, the SDK) or
//! percent-encoded (scripts, `encodeURIComponent`): the router decodes the segment, and a `+`
//! in a path is a plus, never a space.

use messenger_protocol::{Contact, ContactId};

use crate::api::extract::is_decimal_id;
use crate::domain::{Ctx, visibility};
use crate::error::{AppError, AppResult};
use crate::store::{ContactAddress, ReadTx};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactRef {
    Id(ContactId),
    Address(ContactAddress),
}

impl ContactRef {
    pub fn parse(text: &str) -> AppResult<Self> {
        let invalid = || {
            AppError::malformed(format!(
                "{:?} is not a contact identifier: write id:123, email:name@example.com or \
                 phone:+15550001.",
                text.chars().take(80).collect::<String>()
            ))
        };
        let (kind, value) = text.split_once(':').ok_or_else(invalid)?;
        let value = value.trim();
        match kind.trim().to_ascii_lowercase().as_str() {
            "id" if is_decimal_id(value) => Ok(Self::Id(ContactId(value.to_owned()))),
            "email" if value.contains('@') && value.len() <= 254 => {
                Ok(Self::Address(ContactAddress::Email(value.to_owned())))
            }
            "phone" => {
                let key = ContactAddress::phone_key(value);
                if key.len() < 3 || value.len() > 40 {
                    return Err(invalid());
                }
                Ok(Self::Address(ContactAddress::Phone(value.to_owned())))
            }
            _ => Err(invalid()),
        }
    }

    /// The email or phone it names, to fill in a new contact.
    pub fn address(&self) -> Option<&ContactAddress> {
        match self {
            Self::Address(a) => Some(a),
            Self::Id(_) => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Id(id) => format!("id:{id}"),
            Self::Address(ContactAddress::Email(e)) => format!("email:{e}"),
            Self::Address(ContactAddress::Phone(p)) => format!("phone:{p}"),
        }
    }

    /// The contact, if it exists and the caller may see it; else `None`.
    pub fn find(&self, tx: &mut dyn ReadTx, ctx: &Ctx) -> AppResult<Option<Contact>> {
        let found = match self {
            Self::Id(id) => tx.contact(id)?,
            Self::Address(a) => tx.contact_by_address(a)?,
        };
        Ok(found.filter(|c| visibility::can_see(&ctx.scope(), c.assignee_id.as_ref())))
    }

    /// The contact, or 404 (a contact the caller may not see is not acknowledged).
    pub fn resolve(&self, tx: &mut dyn ReadTx, ctx: &Ctx) -> AppResult<Contact> {
        self.find(tx, ctx)?
            .ok_or_else(|| AppError::not_found(&format!("Contact {}", self.describe())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_parse_and_anything_else_is_refused() {
        assert_eq!(
            ContactRef::parse("id:123").unwrap(),
            ContactRef::Id(ContactId("123".into()))
        );
        assert_eq!(
            ContactRef::parse("email:ana@example.com").unwrap(),
            ContactRef::Address(ContactAddress::Email("ana@example.com".into()))
        );
        assert_eq!(
            ContactRef::parse("PHONE:+60 12-345 6789").unwrap(),
            ContactRef::Address(ContactAddress::Phone("+60 12-345 6789".into()))
        );
        for bad in [
            "123",
            "id:abc",
            "id:0",
            "email:nobody",
            "phone:+1",
            "fax:1234",
            "id:",
            "",
        ] {
            assert!(ContactRef::parse(bad).is_err(), "{bad}");
        }
    }
}
