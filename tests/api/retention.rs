//! Retention: raw samples and events older than an app's period go, in batches;
//! everything else stays, and so do the summaries.

use callvitals::domain::access::Visibility;
use callvitals::store::{ListFilter, PageRequest, Record, Resource};
use serde_json::json;
use uuid::Uuid;

use crate::engine_tests;
use callvitals::domain::access::Role;

use crate::helpers::{Auth, Engine, TestApp};

engine_tests!(raw_rows_past_retention_go_and_everything_else_stays);

const DAY: i64 = 86_400_000_000;

/// Every event and sample time of an app's conferences.
async fn raw_times(app: &TestApp, app_id: Uuid) -> (Vec<i64>, Vec<i64>) {
    let mut events = Vec::new();
    let mut samples = Vec::new();
    let conferences = app
        .store
        .list(
            &Visibility::Everything,
            Resource::Conferences,
            &ListFilter {
                app_id: Some(app_id),
                ..Default::default()
            },
            &PageRequest {
                limit: 200,
                after: None,
                oldest_first: false,
                with_count: true,
            },
        )
        .await
        .unwrap();
    assert!(conferences.next.is_none(), "the test app fits in one page");
    for record in conferences.records {
        let Record::Conference(conference) = record else {
            unreachable!()
        };
        events.extend(
            app.maintenance
                .events(conference.id)
                .await
                .unwrap()
                .iter()
                .map(|e| e.created_at),
        );
        let connections = app
            .store
            .list(
                &Visibility::Everything,
                Resource::Connections,
                &ListFilter {
                    conference_id: Some(conference.id),
                    ..Default::default()
                },
                &PageRequest {
                    limit: 200,
                    after: None,
                    oldest_first: false,
                    with_count: true,
                },
            )
            .await
            .unwrap();
        for record in connections.records {
            let Record::Connection(connection) = record else {
                unreachable!()
            };
            samples.extend(
                app.maintenance
                    .stats_samples(connection.id)
                    .await
                    .unwrap()
                    .iter()
                    .map(|s| s.created_at),
            );
        }
    }
    (events, samples)
}

async fn raw_rows_past_retention_go_and_everything_else_stays(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let now = callvitals::domain::time::now_micros();
    let options = callvitals::demo::SeedOptions {
        scale: 1,
        now,
        rng_seed: 11,
        conferences_override: Some(150),
        summary_rows_only: false,
    };
    let report = callvitals::demo::seed_demo(
        app.store.as_ref(),
        app.maintenance.as_ref(),
        &options,
        false,
    )
    .await
    .unwrap();
    let prod = report
        .apps
        .iter()
        .find(|(name, _, _)| name == "prod")
        .unwrap()
        .2;
    let dev = report
        .apps
        .iter()
        .find(|(name, _, _)| name == "dev")
        .unwrap()
        .2;

    // prod keeps 3 days, dev the default 30 (all of the demo's history).
    let changed = app
        .store
        .accounts()
        .update_app(
            prod,
            &callvitals::store::accounts::AppChanges {
                retention_days: Some(3),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(changed.retention_days, 3);
    let cutoff = now - 3 * DAY;
    let (prod_events, prod_samples) = raw_times(&app, prod).await;
    let old = prod_events.iter().filter(|at| **at < cutoff).count();
    assert!(
        old > 0 && old < prod_events.len(),
        "the demo spans the cutoff"
    );
    assert!(
        prod_samples.iter().any(|at| *at < cutoff),
        "samples span the cutoff"
    );
    assert!(prod_samples.iter().any(|at| *at >= cutoff));
    let dev_before = raw_times(&app, dev).await;
    let before = app.counts().await;
    let summary_path =
        format!("/v1/dashboard?appId={prod}&created_at_gte=2000-01-01&created_at_lte=2100-01-01");
    let summary_before = app.admin_get(&summary_path).await.json();

    let mut cursor = callvitals::retention::RetentionCursor::default();
    let deleted =
        callvitals::retention::prune_once(&app.store, &mut cursor, now, std::time::Duration::ZERO)
            .await
            .unwrap();

    let (events, samples) = raw_times(&app, prod).await;
    let expected_events: Vec<i64> = prod_events
        .iter()
        .copied()
        .filter(|at| *at >= cutoff)
        .collect();
    let expected_samples: Vec<i64> = prod_samples
        .iter()
        .copied()
        .filter(|at| *at >= cutoff)
        .collect();
    let sorted = |mut v: Vec<i64>| {
        v.sort_unstable();
        v
    };
    assert_eq!(sorted(events), sorted(expected_events));
    assert_eq!(sorted(samples), sorted(expected_samples.clone()));
    assert_eq!(raw_times(&app, dev).await, dev_before, "dev keeps 30 days");

    let after = app.counts().await;
    let removed = (before.events - after.events)
        + (before.stats_samples - after.stats_samples)
        + (before.track_samples - after.track_samples);
    assert_eq!(removed as u64, deleted);
    assert_eq!(before.events - after.events, old as i64);
    for (name, kept_before, kept_after) in [
        ("conferences", before.conferences, after.conferences),
        ("sessions", before.sessions, after.sessions),
        ("connections", before.connections, after.connections),
        ("issues", before.issues, after.issues),
        ("tracks", before.tracks, after.tracks),
    ] {
        assert_eq!(kept_before, kept_after, "{name} are kept");
    }
    assert_eq!(app.admin_get(&summary_path).await.json(), summary_before);

    // A second pass finds nothing left to delete.
    let again =
        callvitals::retention::prune_once(&app.store, &mut cursor, now, std::time::Duration::ZERO)
            .await
            .unwrap();
    assert_eq!(again, 0);

    // Owners set it over HTTP; out-of-range periods are refused and change nothing.
    let owner = app.user_in(app.app.organization_id, Role::Owner).await;
    let owner = Auth::Cookie(app.login(&owner).await);
    let path = format!("/api/apps/{}", app.app.id);
    let set = app
        .call("PATCH", &path, &owner, Some(&json!({"retention_days": 90})))
        .await;
    assert_eq!(set.status, 200, "{}", set.text());
    assert_eq!(set.json()["retention_days"], 90);
    for days in [0, 3651] {
        let refused = app
            .call(
                "PATCH",
                &path,
                &owner,
                Some(&json!({"retention_days": days})),
            )
            .await;
        assert_eq!(refused.status, 400);
        assert_eq!(refused.json()["error_code"], "invalid_parameters");
    }
    let periods = app.store.retention_periods().await.unwrap();
    assert!(periods.contains(&(app.app.id, 90)));
    app.stop().await;
}
