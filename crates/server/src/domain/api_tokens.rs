//! Workspace access tokens for the Developer API: owners and managers create, list and revoke
//! them. A token acts with the rights of its creator for as long as the creator is an active
//! owner or manager (see `auth::api_token`), and what it does shows as done by the token.

use messenger_protocol::{ApiToken, ApiTokenId, CreatedApiToken, NewApiToken};

use super::Ctx;
use crate::auth::token;
use crate::error::{AppError, AppResult};
use crate::store::{ApiTokenRecord, ReadTx, WriteTx};

/// Tokens start with this, so that secret scanners and people can tell what one is.
pub const TOKEN_PREFIX: &str = "ism_";
const MAX_NAME_CHARS: usize = 100;
/// A workspace keeps at most this many tokens at once.
const MAX_TOKENS: usize = 100;

fn require_admin(ctx: &Ctx) -> AppResult<()> {
    if super::capabilities::of(ctx.me.role).manage_api_tokens && !ctx.is_api() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Only owners and managers can manage API tokens.",
        ))
    }
}

pub fn to_wire(t: &ApiTokenRecord) -> ApiToken {
    ApiToken {
        id: ApiTokenId(t.id.clone()),
        name: t.name.clone(),
        hint: t.hint.clone(),
        created_by: t.created_by.clone(),
        created_at: t.created_at,
        last_used_at: t.last_used_at,
    }
}

pub fn list(tx: &mut dyn ReadTx, ctx: &Ctx) -> AppResult<Vec<ApiToken>> {
    require_admin(ctx)?;
    Ok(tx.api_tokens()?.iter().map(to_wire).collect())
}

pub fn create(tx: &mut dyn WriteTx, ctx: &Ctx, input: NewApiToken) -> AppResult<CreatedApiToken> {
    require_admin(ctx)?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid(format!(
            "A token's name has 1 to {MAX_NAME_CHARS} characters."
        )));
    }
    if tx.api_tokens()?.len() >= MAX_TOKENS {
        return Err(AppError::invalid(format!(
            "The workspace has {MAX_TOKENS} tokens already; revoke one first."
        )));
    }
    let secret = format!("{TOKEN_PREFIX}{}", token::generate());
    // The token is ASCII (the prefix and URL-safe base64).
    let hint = secret[secret.len() - 4..].to_owned();
    let stored = tx.insert_api_token(&ApiTokenRecord {
        id: String::new(),
        name,
        digest: token::hash(&secret),
        hint,
        created_by: ctx.me.id.clone(),
        created_at: ctx.now,
        last_used_at: None,
    })?;
    Ok(CreatedApiToken {
        api_token: to_wire(&stored),
        token: secret,
    })
}

pub fn revoke(tx: &mut dyn WriteTx, ctx: &Ctx, id: &ApiTokenId) -> AppResult<()> {
    require_admin(ctx)?;
    if tx.revoke_api_token(id.as_str(), ctx.now)? {
        Ok(())
    } else {
        Err(AppError::not_found(&format!("API token {id}")))
    }
}
