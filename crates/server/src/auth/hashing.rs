//! A bound on argon2 work. Each hash takes ~19 MiB and a core for tens of milliseconds, so
//! requests that hash (sign-in, user creation, password change, the current-password check)
//! take one of a few slots; when none frees up within a short wait the request is answered
//! 503 with `Retry-After` instead of queueing memory without limit. Hashing runs on the
//! blocking pool, never on the async workers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::password::{self, HashMemory};
use crate::error::{AppError, AppResult};

/// What a busy server tells the client to wait before trying again.
const BUSY_RETRY_AFTER_SECS: u64 = 2;

#[derive(Clone, Debug)]
pub struct PasswordHashing {
    slots: Arc<Semaphore>,
    /// One working memory per slot at most, reused from hash to hash.
    memories: Arc<Mutex<Vec<HashMemory>>>,
    wait: Duration,
}

/// The right to run one hash, with its memory; taken before the work so a request can be
/// refused cheaply.
#[derive(Debug)]
pub struct HashingSlot {
    permit: Option<OwnedSemaphorePermit>,
    memory: Option<HashMemory>,
    memories: Arc<Mutex<Vec<HashMemory>>>,
}

impl Drop for HashingSlot {
    /// A slot given up unused (the request was refused after all) keeps its memory pooled.
    fn drop(&mut self) {
        if let Some(memory) = self.memory.take() {
            lock(&self.memories).push(memory);
        }
    }
}

/// Slots by default: one per core. More would not hash faster, only hold more memory.
pub fn default_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

impl PasswordHashing {
    pub fn new(slots: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            memories: Arc::default(),
            wait,
        }
    }

    /// Waits up to the configured time for a slot; 503 after that.
    pub async fn slot(&self) -> AppResult<HashingSlot> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(HashingSlot {
                permit: Some(permit),
                memory: Some(lock(&self.memories).pop().unwrap_or_default()),
                memories: self.memories.clone(),
            }),
            Ok(Err(_)) | Err(_) => Err(AppError::busy(
                "The server is busy checking passwords; try again in a moment.",
                BUSY_RETRY_AFTER_SECS,
            )),
        }
    }

    /// Checks and hashes a new password (user creation, password change).
    pub async fn hash_new(&self, new_password: &str) -> AppResult<String> {
        password::check_strength(new_password).map_err(AppError::invalid)?;
        let new_password = new_password.to_owned();
        self.slot()
            .await?
            .run(move |memory| password::hash_in(&new_password, memory))
            .await?
            .map_err(|e| AppError::internal("hashing the password", e))
    }
}

impl HashingSlot {
    /// Runs `work` on the blocking pool. The slot travels with the work, so a client that
    /// hangs up mid-hash does not free it before the hash is done.
    pub async fn run<T: Send + 'static>(
        mut self,
        work: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> AppResult<T> {
        let permit = self.permit.take();
        let mut memory = self.memory.take().unwrap_or_default();
        let memories = self.memories.clone();
        tokio::task::spawn_blocking(move || {
            let result = work(&mut memory);
            // The memory goes back before the slot frees, so the next holder finds it.
            lock(&memories).push(memory);
            drop(permit);
            result
        })
        .await
        .map_err(|e| AppError::internal("checking the password", e))
    }

    /// Whether `given` matches `stored`; with no stored hash (unknown email) the same work is
    /// spent against a dummy and the answer is no.
    pub async fn verify(self, given: String, stored: Option<String>) -> AppResult<bool> {
        self.run(move |memory| match stored {
            Some(stored) => password::verify_in(&given, &stored, memory),
            None => {
                password::verify_against_nothing(&given, memory);
                false
            }
        })
        .await
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_bound_refuses_with_503_after_its_wait() {
        let hashing = PasswordHashing::new(1, Duration::from_millis(20));
        let held = hashing.slot().await.unwrap();
        let refused = hashing.slot().await.unwrap_err();
        assert_eq!(refused.status(), 503);
        assert_eq!(refused.retry_after, Some(BUSY_RETRY_AFTER_SECS));
        drop(held);
        assert!(hashing.slot().await.is_ok());
    }

    #[tokio::test]
    async fn verify_matches_and_unknown_accounts_never_match() {
        let hashing = PasswordHashing::new(2, Duration::from_secs(5));
        let stored = hashing.hash_new("the right password").await.unwrap();
        let ok = hashing.slot().await.unwrap();
        assert!(
            ok.verify("the right password".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        let wrong = hashing.slot().await.unwrap();
        assert!(
            !wrong
                .verify("wrong password".into(), Some(stored))
                .await
                .unwrap()
        );
        let nobody = hashing.slot().await.unwrap();
        assert!(
            !nobody
                .verify("the right password".into(), None)
                .await
                .unwrap()
        );
        assert_eq!(
            hashing.hash_new("short").await.unwrap_err().code,
            messenger_protocol::ErrorCode::InvalidField
        );
    }
}
