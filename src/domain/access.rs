//! Who may see and change what: organization roles, and the set of organizations a
//! caller can see, which every dashboard query is restricted to.

use uuid::Uuid;

/// A member's role in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads everything of the organization; changes only their own password.
    Member,
    /// Also manages members, roles, apps and keys.
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "member" => Some(Role::Member),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

/// The organizations whose data a query may return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// The operator token: every organization.
    Everything,
    /// A user: the organizations they belong to (possibly none).
    Organizations(Vec<Uuid>),
}

impl Visibility {
    pub fn includes(&self, organization_id: Uuid) -> bool {
        match self {
            Visibility::Everything => true,
            Visibility::Organizations(ids) => ids.contains(&organization_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_owners_outrank_members() {
        for role in [Role::Member, Role::Owner] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
        assert!(Role::Owner > Role::Member);
    }

    #[test]
    fn a_user_sees_only_their_organizations() {
        let mine = Uuid::new_v4();
        let visibility = Visibility::Organizations(vec![mine]);
        assert!(visibility.includes(mine));
        assert!(!visibility.includes(Uuid::new_v4()));
        assert!(Visibility::Everything.includes(Uuid::new_v4()));
        assert!(!Visibility::Organizations(Vec::new()).includes(mine));
    }
}
