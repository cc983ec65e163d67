//! What a user may do, decided here once from their role: the checks of the domain read it,
//! and every `User` the API sends carries it, so apps show and hide by it and never work it
//! out themselves.

use messenger_protocol::{Capabilities, Role};

pub fn of(role: Role) -> Capabilities {
    let admin = role.administers();
    Capabilities {
        administer: admin,
        merge_contacts: admin,
        manage_api_tokens: admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_and_managers_may_everything_agents_nothing_of_it() {
        for role in [Role::Owner, Role::Manager] {
            let c = of(role);
            assert!(
                c.administer && c.merge_contacts && c.manage_api_tokens,
                "{role:?}"
            );
        }
        assert_eq!(of(Role::Agent), Capabilities::default());
    }
}
