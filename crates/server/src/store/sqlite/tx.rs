//! [`SqliteTx`]: the store primitives over one open SQLite transaction.

use messenger_protocol::{Timestamp, UserId};
use rusqlite::Connection;

use super::users;
use crate::store::{NewUser, ReadTx, SessionRecord, StoreError, UserRecord, WriteTx};

/// Borrowed for the length of one job; the caller owns the transaction and decides whether it
/// commits.
pub struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        Self { conn }
    }
}

impl ReadTx for SqliteTx<'_> {
    fn user(&mut self, id: &UserId) -> Result<Option<UserRecord>, StoreError> {
        users::by_id(self.conn, id)
    }

    fn user_by_email(&mut self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        users::by_email(self.conn, email)
    }

    fn count_users(&mut self) -> Result<u64, StoreError> {
        users::count(self.conn)
    }

    fn session(&mut self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        users::session(self.conn, token_hash)
    }
}

impl WriteTx for SqliteTx<'_> {
    fn insert_user(&mut self, user: &NewUser) -> Result<UserRecord, StoreError> {
        users::insert(self.conn, user)
    }

    fn insert_session(&mut self, session: &SessionRecord) -> Result<(), StoreError> {
        users::insert_session(self.conn, session)
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<bool, StoreError> {
        users::delete_session(self.conn, token_hash)
    }

    fn touch_session(&mut self, token_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        users::touch_session(self.conn, token_hash, at)
    }
}
