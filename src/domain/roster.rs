//! Who took part in a conference, once each. `addConnection` creates a participant for
//! the peer id it is given; when an app's peer ids are not its user ids, that stub
//! stands for someone who also opened a session under their own id. PeerMetrics'
//! recent fixes hide such stubs in the browser by name; here the server merges them,
//! so every page and connection names the same person the same way.

use std::collections::HashMap;

use uuid::Uuid;

/// What the merge needs to know about a participant.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterEntry {
    pub id: Uuid,
    pub customer_id: String,
    pub name: Option<String>,
    pub is_sfu: bool,
    pub has_sessions: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Roster {
    /// The participants shown, in the order given, each with the stubs merged in.
    pub kept: Vec<(Uuid, Vec<Uuid>)>,
    /// Every participant id of the conference to the id shown for it.
    pub shown_as: HashMap<Uuid, Uuid>,
}

impl Roster {
    pub fn shown(&self, id: Uuid) -> Uuid {
        self.shown_as.get(&id).copied().unwrap_or(id)
    }
}

/// Merges each stub (no session, not an SFU) into the one participant with sessions
/// whose name or customer id equals the stub's name or customer id. A stub that
/// matches nobody, or more than one, stays as it is: a wrong merge would put one
/// person's connections on another's card.
pub fn merge(entries: &[RosterEntry]) -> Roster {
    let with_sessions: Vec<&RosterEntry> = entries.iter().filter(|e| e.has_sessions).collect();
    let mut target_of: HashMap<Uuid, Uuid> = HashMap::new();
    for stub in entries.iter().filter(|e| !e.has_sessions && !e.is_sfu) {
        let stub_names: Vec<&str> = [Some(stub.customer_id.as_str()), stub.name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|name| !name.is_empty())
            .collect();
        let mut matches = with_sessions.iter().filter(|candidate| {
            [
                Some(candidate.customer_id.as_str()),
                candidate.name.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|name| stub_names.contains(&name))
        });
        if let (Some(target), None) = (matches.next(), matches.next()) {
            target_of.insert(stub.id, target.id);
        }
    }
    let mut roster = Roster::default();
    for entry in entries {
        match target_of.get(&entry.id) {
            Some(target) => {
                roster.shown_as.insert(entry.id, *target);
            }
            None => {
                roster.shown_as.insert(entry.id, entry.id);
                let aliases = entries
                    .iter()
                    .filter(|stub| target_of.get(&stub.id) == Some(&entry.id))
                    .map(|stub| stub.id)
                    .collect();
                roster.kept.push((entry.id, aliases));
            }
        }
    }
    roster
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(customer_id: &str, name: Option<&str>, has_sessions: bool) -> RosterEntry {
        RosterEntry {
            id: Uuid::new_v4(),
            customer_id: customer_id.to_owned(),
            name: name.map(str::to_owned),
            is_sfu: false,
            has_sessions,
        }
    }

    #[test]
    fn stubs_merge_into_the_participant_they_name() {
        let alice = entry("user-1", Some("Alice"), true);
        let bob = entry("user-2", Some("Bob"), true);
        // Peer ids are socket ids here; the stubs carry the peer's name.
        let alice_stub = entry("socket-a", Some("Alice"), false);
        let by_id = entry("user-2", None, false);
        let stranger = entry("socket-z", Some("Zed"), false);
        let mut sfu = entry("sfu-1", Some("Alice"), false);
        sfu.is_sfu = true;
        let entries = [
            alice.clone(),
            bob.clone(),
            alice_stub.clone(),
            by_id.clone(),
            stranger.clone(),
            sfu.clone(),
        ];
        let roster = merge(&entries);
        let kept: Vec<Uuid> = roster.kept.iter().map(|(id, _)| *id).collect();
        assert_eq!(kept, [alice.id, bob.id, stranger.id, sfu.id]);
        assert_eq!(roster.kept[0].1, [alice_stub.id]);
        assert_eq!(roster.kept[1].1, [by_id.id]);
        assert_eq!(roster.shown(alice_stub.id), alice.id);
        assert_eq!(roster.shown(stranger.id), stranger.id);
    }

    #[test]
    fn an_ambiguous_stub_is_not_merged() {
        let one = entry("a", Some("Sam"), true);
        let two = entry("b", Some("Sam"), true);
        let stub = entry("socket", Some("Sam"), false);
        let roster = merge(&[one, two, stub.clone()]);
        assert_eq!(roster.kept.len(), 3);
        assert_eq!(roster.shown(stub.id), stub.id);
    }
}
