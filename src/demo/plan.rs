//! Plans: how many conferences each app gets, when each one happens and who is in it.

use rand::Rng;

use super::SeedOptions;
use super::catalog::MAX_CONFERENCE_SIZE;
use super::rng::{DemoRng, log_normal};
use super::units::{DAY, HOUR, MINUTE, SECOND};

/// How far back the generated history reaches.
pub(super) const HISTORY: i64 = 30 * DAY;
/// Share of each app's conferences still running at `now`.
const ONGOING_SHARE: f64 = 0.005;
/// Ended prod conferences that get full stats series (besides every ongoing one):
/// enough for graphs and summaries without multiplying the sample tables by a month.
pub(super) const DETAILED_RECENT_CONFERENCES: usize = 200;

pub(super) struct AppSpec {
    pub(super) name: &'static str,
    /// Conferences over the history at scale 1.
    conferences: u32,
}

pub(super) const PROD: &str = "prod";
pub(super) const APP_SPECS: [AppSpec; 3] = [
    AppSpec {
        name: "dev",
        conferences: 300,
    },
    AppSpec {
        name: "staging",
        conferences: 1_500,
    },
    AppSpec {
        name: PROD,
        conferences: 42_000,
    },
];

impl SeedOptions {
    pub(super) fn conference_count(&self, spec: &AppSpec) -> u32 {
        match self.conferences_override {
            Some(prod) if spec.name == PROD => prod,
            Some(prod) => prod / 10,
            None => spec.conferences.saturating_mul(self.scale.max(1)),
        }
    }
}

/// Relative call volume per UTC hour (100 = peak): the European afternoon overlapping
/// the American morning is the busiest time, nights are quiet.
const HOURLY_VOLUME: [u32; 24] = [
    18, 14, 11, 10, 10, 13, 20, 32, 48, 62, 72, 77, 82, 88, 95, 100, 94, 84, 68, 52, 42, 35, 28, 22,
];
const WEEKEND_VOLUME: f64 = 0.35;

/// How long a call lasts: a sixth are dropped or abandoned within a minute, the rest
/// log-normal around 14 minutes (overall median ≈ 12 min, ~4% over an hour).
fn call_length(rng: &mut DemoRng) -> i64 {
    let seconds = if rng.gen_bool(0.15) {
        // log-uniform between 20 s and a minute
        20.0 * 3f64.powf(rng.r#gen::<f64>())
    } else {
        log_normal(rng, 840.0, 0.85).clamp(20.0, 4.0 * 3600.0)
    };
    (seconds * SECOND as f64) as i64
}

/// A random instant in `[from, to)` following the daily and weekly volume pattern.
fn busy_instant(rng: &mut DemoRng, from: i64, to: i64) -> i64 {
    loop {
        let at = rng.gen_range(from..to);
        // 1970-01-01 was a Thursday; 0 = Sunday.
        let weekday = (at.div_euclid(DAY) + 4).rem_euclid(7);
        let hour = (at.rem_euclid(DAY) / HOUR) as usize;
        let mut volume = f64::from(HOURLY_VOLUME[hour]) / 100.0;
        if weekday == 0 || weekday == 6 {
            volume *= WEEKEND_VOLUME;
        }
        if rng.r#gen::<f64>() < volume {
            return at;
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// The first participant's /initialize.
    pub(super) created_at: i64,
    /// From `created_at` to the last participant leaving; for an ongoing conference,
    /// to `now`.
    pub(super) length: i64,
    pub(super) ongoing: bool,
    /// Whether its connections get stats and track samples.
    pub(super) detailed: bool,
    /// Pool indexes of its participants, the first `size` of them used.
    pub(super) members: [u32; MAX_CONFERENCE_SIZE],
    pub(super) size: usize,
}

/// An app's conferences in chronological order; the most recent ended ones of prod
/// and all ongoing ones are detailed.
pub(super) fn plan_conferences(
    rng: &mut DemoRng,
    count: u32,
    now: i64,
    detailed_recent: usize,
) -> Vec<Plan> {
    let ongoing = (f64::from(count) * ONGOING_SHARE).round() as u32;
    let mut plans = Vec::with_capacity(count as usize);
    for _ in 0..ongoing {
        let length = call_length(rng).clamp(30 * SECOND, HOUR);
        plans.push(Plan {
            created_at: now - length,
            length,
            ongoing: true,
            detailed: true,
            members: [0; MAX_CONFERENCE_SIZE],
            size: 0,
        });
    }
    let latest_end = now - MINUTE;
    for _ in ongoing..count {
        let length = call_length(rng);
        let created_at = loop {
            let at = busy_instant(rng, now - HISTORY, latest_end);
            if at + length <= latest_end {
                break at;
            }
        };
        plans.push(Plan {
            created_at,
            length,
            ongoing: false,
            detailed: false,
            members: [0; MAX_CONFERENCE_SIZE],
            size: 0,
        });
    }
    plans.sort_by_key(|plan| plan.created_at);
    for plan in plans
        .iter_mut()
        .rev()
        .filter(|plan| !plan.ongoing)
        .take(detailed_recent)
    {
        plan.detailed = true;
    }
    plans
}

/// Fills `members` with distinct pool indexes, skewed towards the start of the pool:
/// a few people call far more often than most.
pub(super) fn draw_members(rng: &mut DemoRng, pool: usize, members: &mut [u32]) {
    for slot in 0..members.len() {
        members[slot] = loop {
            let index =
                ((rng.r#gen::<f64>().powf(1.3) * pool as f64) as usize).min(pool - 1) as u32;
            if !members[..slot].contains(&index) {
                break index;
            }
        };
    }
}
