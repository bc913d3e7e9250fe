//! The one owner of conference facts during a batch. Each touched conference is
//! loaded (and row-locked) once, changed in memory through [`ConferenceFacts`]'s
//! rules, and written once when the batch ends, in id order. Stats, which only move
//! a conference's coarse last activity, never load it: their activity is written
//! with a blind `greatest()` update instead.
//!
//! The ledger also keeps the rollups exact: the first time a batch touches a
//! conference (before it changes any of its rows), the ledger reads what the
//! conference's charts are computed from; when the batch ends it reads it again and
//! writes the difference to the rollup cells, in the same transaction. A batch that
//! fails or re-runs therefore moves no cell, and one that commits moves each cell
//! exactly once.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use crate::domain::conference::ConferenceFacts;
use crate::domain::rollup::{ConferenceInputs, rollup_counts};
use crate::store::rollups::{CellCounts, cells_of, into_cells};
use crate::store::{StoreResult, StoreTx};

use super::journal::Journaled;

/// The coarse `last_activity_at` of a conference is written at most this often.
pub const ACTIVITY_GRANULARITY_MICROS: i64 = 5_000_000;

#[derive(Clone)]
struct Entry {
    /// As it was before the batch; `None` when the batch created the conference.
    original: Option<ConferenceFacts>,
    /// What the database row holds now.
    written: ConferenceFacts,
    current: ConferenceFacts,
}

#[derive(Default)]
pub struct ConferenceLedger {
    entries: Journaled<Uuid, Entry>,
    /// Latest activity of conferences that were not loaded.
    activity: Journaled<Uuid, i64>,
    /// What each touched conference's charts were computed from before the batch
    /// (`None`: it did not exist). Not journaled: an undone command leaves the rows
    /// as they were, which is what this holds.
    rollup_before: HashMap<Uuid, Option<ConferenceInputs>>,
}

impl ConferenceLedger {
    /// The facts of a conference, loaded and locked on first use in the batch.
    pub async fn facts(
        &mut self,
        tx: &mut dyn StoreTx,
        conference_id: Uuid,
    ) -> StoreResult<Option<&mut ConferenceFacts>> {
        if self.entries.get(&conference_id).is_none() {
            let Some(row) = tx.load_conference(conference_id).await? else {
                return Ok(None);
            };
            let facts = row.facts();
            // The row is locked now, so no other writer changes it until we commit.
            // Its facts are at hand; only its rows are read.
            if let std::collections::hash_map::Entry::Vacant(entry) =
                self.rollup_before.entry(conference_id)
            {
                let mut before = [ConferenceInputs::of_facts(&facts)];
                tx.conference_rows(&mut before).await?;
                let [before] = before;
                entry.insert(Some(before));
            }
            self.entries.insert(
                conference_id,
                Entry {
                    original: Some(facts.clone()),
                    written: facts.clone(),
                    current: facts,
                },
            );
        }
        Ok(self
            .entries
            .get_mut(&conference_id)
            .map(|entry| &mut entry.current))
    }

    /// A conference this batch inserted, with the facts its row was inserted with.
    pub fn created(&mut self, facts: ConferenceFacts) -> &mut ConferenceFacts {
        let id = facts.id;
        self.rollup_before.entry(id).or_insert(None);
        self.entries.insert(
            id,
            Entry {
                original: None,
                written: facts.clone(),
                current: facts,
            },
        );
        &mut self
            .entries
            .get_mut(&id)
            .expect("inserted just above")
            .current
    }

    /// Activity that needs no other change to the conference.
    pub fn saw_activity(&mut self, conference_id: Uuid, at: i64) {
        if let Some(entry) = self.entries.get_mut(&conference_id) {
            entry.current.saw_activity(at);
            return;
        }
        let latest = self.activity.get(&conference_id).copied().unwrap_or(at);
        self.activity.insert(conference_id, latest.max(at));
    }

    pub fn keep_command(&mut self) {
        self.entries.keep_command();
        self.activity.keep_command();
    }

    pub fn undo_command(&mut self) {
        self.entries.undo_command();
        self.activity.undo_command();
    }

    /// Facts before and after this batch, for every conference it changed.
    pub fn changes(&self) -> impl Iterator<Item = (Option<&ConferenceFacts>, &ConferenceFacts)> {
        self.entries
            .iter()
            .filter(|(_, entry)| entry.original.as_ref() != Some(&entry.current))
            .map(|(_, entry)| (entry.original.as_ref(), &entry.current))
    }

    /// Writes every changed conference once, in id order (so two instances lock rows
    /// in the same order), and the activity of the others that moved by at least
    /// the granularity since `written_activity` last saw it. Returns the activity
    /// times written, to remember once the batch commits.
    pub async fn flush(
        &mut self,
        tx: &mut dyn StoreTx,
        written_activity: &HashMap<Uuid, i64>,
    ) -> StoreResult<Vec<(Uuid, i64)>> {
        let mut changed: Vec<&Entry> = self
            .entries
            .iter()
            .map(|(_, entry)| entry)
            .filter(|entry| entry.current != entry.written)
            .collect();
        changed.sort_unstable_by_key(|entry| entry.current.id);
        for entry in &changed {
            tx.save_conference(&entry.current).await?;
        }
        let mut touched: Vec<(Uuid, i64)> = self
            .activity
            .iter()
            .filter(|(id, at)| {
                written_activity
                    .get(*id)
                    .is_none_or(|written| **at - written >= ACTIVITY_GRANULARITY_MICROS)
            })
            .map(|(id, at)| (*id, *at))
            .collect();
        touched.sort_unstable();
        tx.touch_conferences(&touched).await?;
        let mut remembered = touched;
        remembered.extend(
            changed
                .iter()
                .map(|entry| (entry.current.id, entry.current.last_activity_at)),
        );
        self.flush_rollups(tx).await?;
        Ok(remembered)
    }

    /// Writes "after minus before" of every touched conference to the rollup cells.
    async fn flush_rollups(&mut self, tx: &mut dyn StoreTx) -> StoreResult<()> {
        if self.rollup_before.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<Uuid> = self.rollup_before.keys().copied().collect();
        ids.sort_unstable();
        let after = tx.conference_inputs(&ids).await?;
        let mut per_app: BTreeMap<Uuid, CellCounts> = BTreeMap::new();
        let mut earlier: HashMap<Uuid, &ConferenceInputs> = self
            .rollup_before
            .iter()
            .filter_map(|(id, before)| Some((*id, before.as_ref()?)))
            .collect();
        for conference in &after {
            let before = earlier.remove(&conference.id);
            // Most batches change nothing a chart counts (a state change, activity).
            if before == Some(conference) {
                continue;
            }
            let cells = per_app.entry(conference.app_id).or_default();
            if let Some(before) = before {
                cells_of(before, &rollup_counts(before), -1, cells);
            }
            cells_of(conference, &rollup_counts(conference), 1, cells);
        }
        // Conferences that no longer exist (never, today: nothing deletes one).
        for before in earlier.into_values() {
            let cells = per_app.entry(before.app_id).or_default();
            cells_of(before, &rollup_counts(before), -1, cells);
        }
        for (app_id, cells) in per_app {
            let cells = into_cells(cells);
            if !cells.is_empty() {
                tx.add_rollup_cells(app_id, &cells).await?;
            }
        }
        Ok(())
    }
}
