//! A map that can forget one command's changes. The writer runs each command of a
//! batch under a savepoint; when a command rolls back in the database, its changes
//! to the writer's in-memory state must roll back with it, or the state would
//! describe rows that were never written.

use std::collections::HashMap;
use std::hash::Hash;

pub struct Journaled<K, V> {
    map: HashMap<K, V>,
    /// Previous values of the keys the current command changed, oldest first.
    undo: Vec<(K, Option<V>)>,
}

impl<K, V> Default for Journaled<K, V> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            undo: Vec::new(),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Journaled<K, V> {
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(key)
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let value = self.map.get_mut(key)?;
        self.undo.push((key.clone(), Some(value.clone())));
        Some(value)
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let previous = self.map.insert(key.clone(), value);
        self.undo.push((key, previous.clone()));
        previous
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let previous = self.map.remove(key);
        if previous.is_some() {
            self.undo.push((key.clone(), previous.clone()));
        }
        previous
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The current command succeeded: keep its changes.
    pub fn keep_command(&mut self) {
        self.undo.clear();
    }

    /// The current command rolled back: restore every key it changed.
    pub fn undo_command(&mut self) {
        while let Some((key, previous)) = self.undo.pop() {
            match previous {
                Some(value) => self.map.insert(key, value),
                None => self.map.remove(&key),
            };
        }
    }

    /// Forgets everything (a failed transaction, or a cache over its size).
    pub fn clear(&mut self) {
        self.map.clear();
        self.undo.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_restores_changed_inserted_and_removed_keys() {
        let mut map = Journaled::<&str, i32>::default();
        map.insert("kept", 1);
        map.insert("removed", 2);
        map.keep_command();

        *map.get_mut(&"kept").unwrap() += 10;
        *map.get_mut(&"kept").unwrap() += 10;
        map.insert("new", 3);
        map.remove(&"removed");
        map.undo_command();

        assert_eq!(map.get("kept"), Some(&1));
        assert_eq!(map.get("removed"), Some(&2));
        assert_eq!(map.get("new"), None);
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn kept_changes_survive_a_later_undo() {
        let mut map = Journaled::<u8, i32>::default();
        map.insert(1, 1);
        map.keep_command();
        map.insert(2, 2);
        map.undo_command();
        assert_eq!(map.get(&1), Some(&1));
        assert_eq!(map.get(&2), None);
    }
}
