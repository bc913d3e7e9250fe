//! Storage behaviour both engines must share, tested through the `Store` interface.

use callvitals::domain::time::now_micros;
use callvitals::store::{ConferenceCounts, ConnectionScope, ParticipantUpsert, SessionRow};

use crate::engine_tests;
use crate::helpers::{Engine, TestStore};

engine_tests!(
    migrations_and_secrets_are_idempotent,
    upserts_return_the_existing_rows,
    a_rolled_back_transaction_leaves_nothing
);

async fn migrations_and_secrets_are_idempotent(engine: Engine) {
    let test = TestStore::new(engine).await;
    test.store
        .migrate()
        .await
        .expect("second migrate is a no-op");
    let first = test.store.shared_secret("k", "one").await.unwrap();
    let second = test.store.shared_secret("k", "two").await.unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("one", "one"));
    test.store.health().await.unwrap();
    test.cleanup().await;
}

async fn upserts_return_the_existing_rows(engine: Engine) {
    let test = TestStore::new(engine).await;
    let app = callvitals::cli::create_app(&test.store, "Org", "app", None)
        .await
        .unwrap();
    let now = now_micros();
    let mut tx = test.store.begin().await.unwrap();
    let conference = tx
        .upsert_conference(app.id, "c1", Some("First"), now)
        .await
        .unwrap();
    assert_eq!(
        tx.upsert_conference(app.id, "c1", None, now).await.unwrap(),
        conference
    );
    let upsert = |name: Option<&'static str>, is_sfu| ParticipantUpsert {
        app_id: app.id,
        participant_id: "p1",
        name,
        is_sfu,
        now,
    };
    let participant = tx
        .upsert_participant(&upsert(Some("Pat"), false))
        .await
        .unwrap();
    assert_eq!(
        tx.upsert_participant(&upsert(None, true)).await.unwrap(),
        participant
    );
    assert!(
        tx.participant_is_sfu(participant).await.unwrap(),
        "an SFU stays an SFU"
    );
    tx.link_participant(conference, participant, now)
        .await
        .unwrap();
    tx.link_participant(conference, participant, now)
        .await
        .unwrap();
    assert_eq!(
        tx.participant_in_conference(conference, "p1")
            .await
            .unwrap(),
        Some(participant)
    );
    assert_eq!(
        tx.participant_in_conference(conference, &participant.to_string())
            .await
            .unwrap(),
        Some(participant)
    );
    tx.add_conference_counts(
        conference,
        ConferenceCounts {
            errors: 2,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        tx.open_connections(ConnectionScope::Conference(conference))
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();

    let stored = test
        .store
        .get(callvitals::store::Resource::Conferences, conference)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored["conference_name"], "First",
        "a missing name keeps the old one"
    );
    assert_eq!(stored["has_errors"], true);
    test.cleanup().await;
}

async fn a_rolled_back_transaction_leaves_nothing(engine: Engine) {
    let test = TestStore::new(engine).await;
    let app = callvitals::cli::create_app(&test.store, "Org", "app", None)
        .await
        .unwrap();
    let before = test.store.table_counts().await.unwrap();
    let mut tx = test.store.begin().await.unwrap();
    let conference = tx.upsert_conference(app.id, "c1", None, 1).await.unwrap();
    let participant = tx
        .upsert_participant(&ParticipantUpsert {
            app_id: app.id,
            participant_id: "p",
            name: None,
            is_sfu: false,
            now: 1,
        })
        .await
        .unwrap();
    tx.insert_session(&SessionRow {
        id: uuid::Uuid::new_v4(),
        app_id: app.id,
        conference_id: conference,
        participant_id: participant,
        created_at: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(test.store.table_counts().await.unwrap(), before);
    test.cleanup().await;
}
