//! Failed sign-ins are counted per account and per client address; too many lock that
//! account or address out for a while (429 with `Retry-After`). Unknown emails are counted
//! like known ones, so the limit tells nothing about which accounts exist. Only failures
//! count: a success resets the account, and successes never add to an address.

use std::sync::Mutex;

use messenger_protocol::Timestamp;
use sha2::{Digest, Sha256};

use super::client_address::ClientAddress;
use super::failure_counter::{FailureCounter, LockedOut};
use crate::config::ServerConfig;
use crate::error::AppError;

/// An account as a fixed-size key: the SHA-256 of its normalized email, so long emails sent
/// by an attacker cost no more memory than short ones.
type AccountKey = [u8; 32];

#[derive(Debug)]
pub struct SignInLimits {
    accounts: Mutex<FailureCounter<AccountKey>>,
    addresses: Mutex<FailureCounter<ClientAddress>>,
}

fn account_key(email: &str) -> AccountKey {
    Sha256::digest(email.as_bytes()).into()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave a counter half-updated in a harmful way.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SignInLimits {
    pub fn new(config: &ServerConfig) -> Self {
        Self {
            accounts: Mutex::new(FailureCounter::new(config.sign_in_account_limit)),
            addresses: Mutex::new(FailureCounter::new(config.sign_in_address_limit)),
        }
    }

    /// 429 when the address or the account (normalized email) is locked out.
    pub fn check(
        &self,
        email: &str,
        address: ClientAddress,
        now: Timestamp,
    ) -> Result<(), AppError> {
        if let Err(locked) = lock(&self.addresses).check(&address, now) {
            return Err(refusal(
                "Too many failed sign-ins from your address",
                locked,
                now,
            ));
        }
        if let Err(locked) = lock(&self.accounts).check(&account_key(email), now) {
            return Err(refusal(
                "Too many failed sign-ins for this account",
                locked,
                now,
            ));
        }
        Ok(())
    }

    /// 429 when the account is locked out (a signed-in user confirming their password).
    pub fn check_account(&self, email: &str, now: Timestamp) -> Result<(), AppError> {
        lock(&self.accounts)
            .check(&account_key(email), now)
            .map_err(|locked| refusal("Too many wrong passwords for this account", locked, now))
    }

    pub fn failed(&self, email: &str, address: Option<ClientAddress>, now: Timestamp) {
        if let Some(address) = address
            && lock(&self.addresses).fail(&address, now).is_some()
        {
            tracing::warn!(address = %address.0, "sign-ins from this address locked out");
        }
        if lock(&self.accounts)
            .fail(&account_key(email), now)
            .is_some()
        {
            tracing::warn!(%email, "sign-ins to this account locked out");
        }
    }

    pub fn succeeded(&self, email: &str) {
        lock(&self.accounts).forgive(&account_key(email));
    }
}

fn refusal(what: &str, locked: LockedOut, now: Timestamp) -> AppError {
    let secs = locked.retry_after_secs(now);
    let wait = if secs >= 120 {
        format!("{} minutes", secs.div_ceil(60))
    } else {
        format!("{secs} seconds")
    };
    AppError::rate_limited(format!("{what}; try again in {wait}."), secs)
}
