//! `GET /me`.

use messenger_protocol::User;

use super::json::ApiJson;
use crate::auth::CurrentUser;

pub async fn get_me(me: CurrentUser) -> ApiJson<User> {
    ApiJson(me.user.to_api())
}
