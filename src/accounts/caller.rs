//! Who is asking, and what they may see and change. Every dashboard route resolves a
//! [`Caller`] first; its [`Visibility`] restricts every query, and [`Caller::require`]
//! guards every object and every change.

use uuid::Uuid;

use crate::domain::access::{Role, Visibility};
use crate::store::accounts::Membership;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A dashboard session cookie (its token's hash).
    Session { token_hash: String },
    /// A personal API token.
    PersonalToken { token_id: Uuid },
    /// `CALLVITALS_ADMIN_TOKEN`: the operator, owner of everything.
    Operator,
}

#[derive(Debug, Clone)]
pub struct UserIdentity {
    pub id: Uuid,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct Caller {
    /// None for the operator.
    pub user: Option<UserIdentity>,
    pub memberships: Vec<Membership>,
    pub credential: Credential,
}

/// Why an organization's object is out of reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Not a member: answered exactly like an id that does not exist.
    Invisible,
    /// A member without the role the change needs.
    NeedsRole(Role),
}

impl Caller {
    pub fn operator() -> Caller {
        Caller {
            user: None,
            memberships: Vec::new(),
            credential: Credential::Operator,
        }
    }

    pub fn visibility(&self) -> Visibility {
        match self.credential {
            Credential::Operator => Visibility::Everything,
            _ => Visibility::Organizations(
                self.memberships
                    .iter()
                    .map(|membership| membership.organization_id)
                    .collect(),
            ),
        }
    }

    pub fn role_in(&self, organization_id: Uuid) -> Option<Role> {
        match self.credential {
            Credential::Operator => Some(Role::Owner),
            _ => self
                .memberships
                .iter()
                .find(|membership| membership.organization_id == organization_id)
                .map(|membership| membership.role),
        }
    }

    /// At least `role` in the organization.
    pub fn require(&self, organization_id: Uuid, role: Role) -> Result<Role, Denied> {
        match self.role_in(organization_id) {
            None => Err(Denied::Invisible),
            Some(held) if held < role => Err(Denied::NeedsRole(role)),
            Some(held) => Ok(held),
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.user.as_ref().map(|user| user.id)
    }

    /// How the audit trail names the caller.
    pub fn actor(&self) -> String {
        match &self.user {
            Some(user) => user.email.clone(),
            None => "admin token".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member_of(organization_id: Uuid, role: Role) -> Caller {
        Caller {
            user: Some(UserIdentity {
                id: Uuid::new_v4(),
                email: "a@example.com".into(),
            }),
            memberships: vec![Membership {
                organization_id,
                organization_name: "acme".into(),
                role,
            }],
            credential: Credential::PersonalToken {
                token_id: Uuid::new_v4(),
            },
        }
    }

    #[test]
    fn members_read_owners_change_strangers_see_nothing() {
        let org = Uuid::new_v4();
        let member = member_of(org, Role::Member);
        assert_eq!(member.require(org, Role::Member), Ok(Role::Member));
        assert_eq!(
            member.require(org, Role::Owner),
            Err(Denied::NeedsRole(Role::Owner))
        );
        assert_eq!(
            member.require(Uuid::new_v4(), Role::Member),
            Err(Denied::Invisible)
        );
        let owner = member_of(org, Role::Owner);
        assert_eq!(owner.require(org, Role::Owner), Ok(Role::Owner));
        assert_eq!(owner.visibility(), Visibility::Organizations(vec![org]));
    }

    #[test]
    fn the_operator_owns_everything() {
        let operator = Caller::operator();
        assert_eq!(
            operator.require(Uuid::new_v4(), Role::Owner),
            Ok(Role::Owner)
        );
        assert_eq!(operator.visibility(), Visibility::Everything);
        assert_eq!(operator.actor(), "admin token");
    }
}
