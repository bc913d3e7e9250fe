//! Storage behaviour both engines must share, tested through the `Store` interface.

use callvitals::domain::access::Visibility;
use callvitals::domain::conference::ConferenceFacts;
use callvitals::domain::time::now_micros;
use callvitals::store::{
    ConferenceRow, ConnectionScope, ParticipantUpsert, SessionRow, StoreTx, TrackSampleRow,
};
use uuid::Uuid;

use crate::engine_tests;
use crate::helpers::{Engine, TestStore};

engine_tests!(
    migrations_and_secrets_are_idempotent,
    an_edited_migration_is_refused,
    conferences_and_participants_keep_their_owners_rules,
    a_command_undone_at_its_savepoint_leaves_the_rest,
    batch_ids_tell_whether_a_batch_committed,
    emos_tallies_are_recomputed_from_stored_samples,
    a_rolled_back_transaction_leaves_nothing
);

async fn new_conference(
    tx: &mut dyn StoreTx,
    app_id: Uuid,
    customer_id: &str,
    name: Option<&str>,
    at: i64,
) -> ConferenceFacts {
    let facts = ConferenceFacts::created(Uuid::new_v4(), app_id, at);
    tx.insert_conference(&ConferenceRow::new(customer_id, name, &facts))
        .await
        .unwrap();
    facts
}

fn participant(
    app_id: Uuid,
    id: &'static str,
    name: Option<&'static str>,
    is_sfu: bool,
) -> ParticipantUpsert<'static> {
    ParticipantUpsert {
        app_id,
        participant_id: id,
        name,
        is_sfu,
        now: now_micros(),
    }
}

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

async fn an_edited_migration_is_refused(engine: Engine) {
    let test = TestStore::new(engine).await;
    test.execute("update schema_migration set checksum = 'edited' where version = '0001_initial'")
        .await;
    let error = test.store.migrate().await.expect_err("an edited migration");
    assert!(
        error.to_string().contains("0001_initial was edited"),
        "{error}"
    );
    // A ledger from before checksums existed is trusted once and then checked.
    test.execute("update schema_migration set checksum = null")
        .await;
    test.store.migrate().await.expect("checksums filled in");
    test.store.migrate().await.expect("and now they match");
    test.cleanup().await;
}

async fn conferences_and_participants_keep_their_owners_rules(engine: Engine) {
    let test = TestStore::new(engine).await;
    let app = callvitals::cli::create_app(&test.store, "Org", "app", None)
        .await
        .unwrap()
        .0;
    let now = now_micros();
    let mut tx = test.store.begin().await.unwrap();
    let yesterday = new_conference(
        tx.as_mut(),
        app.id,
        "standup",
        Some("Standup"),
        now - 86_400_000_000,
    )
    .await;
    let today = new_conference(tx.as_mut(), app.id, "standup", None, now).await;
    let latest = tx
        .latest_conference(app.id, "standup")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, today.id, "a room's newest conference");
    tx.rename_conference(today.id, "Daily").await.unwrap();

    let mut facts = tx
        .load_conference(yesterday.id)
        .await
        .unwrap()
        .unwrap()
        .facts();
    assert_eq!(facts, yesterday);
    facts.connection_opened(now - 86_000_000_000);
    facts.issue_recorded(callvitals::domain::issue::Severity::Error);
    tx.save_conference(&facts).await.unwrap();
    tx.touch_conferences(&[(facts.id, now - 85_000_000_000)])
        .await
        .unwrap();
    tx.touch_conferences(&[(facts.id, now - 86_300_000_000)])
        .await
        .unwrap();
    let stored = tx.load_conference(yesterday.id).await.unwrap().unwrap();
    assert_eq!(stored.error_count, 1);
    assert!(stored.ongoing);
    assert_eq!(
        stored.last_activity_at,
        now - 85_000_000_000,
        "activity never moves back"
    );

    // A participant names itself; a peer reference creates it once and never changes it.
    let pat = tx
        .upsert_own_participant(&participant(app.id, "pat", Some("Pat"), false))
        .await
        .unwrap();
    let sfu = tx
        .ensure_peer_participant(&participant(app.id, "sfu-1", Some("SFU"), true))
        .await
        .unwrap();
    assert!(tx.participant_is_sfu(sfu).await.unwrap());
    assert_eq!(
        tx.ensure_peer_participant(&participant(app.id, "pat", Some("Mallory"), true))
            .await
            .unwrap(),
        pat
    );
    assert!(
        !tx.participant_is_sfu(pat).await.unwrap(),
        "a peer cannot make pat an SFU"
    );
    assert_eq!(
        tx.upsert_own_participant(&participant(app.id, "pat", None, false))
            .await
            .unwrap(),
        pat
    );
    tx.link_participant(today.id, pat, now).await.unwrap();
    tx.link_participant(today.id, pat, now).await.unwrap();
    assert_eq!(
        tx.participant_in_conference(today.id, "pat").await.unwrap(),
        Some(pat)
    );
    assert_eq!(
        tx.participant_in_conference(today.id, &pat.to_string())
            .await
            .unwrap(),
        Some(pat)
    );
    assert!(
        tx.open_connections(ConnectionScope::Conference(today.id))
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();

    let participants = test
        .store
        .list(
            &Visibility::Everything,
            callvitals::store::Resource::Participants,
            &callvitals::store::ListFilter {
                conference_id: Some(today.id),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(participants.count, Some(1));
    let stored = test
        .store
        .get(
            &Visibility::Everything,
            callvitals::store::Resource::Conferences,
            today.id,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.conference().unwrap().conference_name.as_deref(),
        Some("Daily")
    );
    test.cleanup().await;
}

async fn a_command_undone_at_its_savepoint_leaves_the_rest(engine: Engine) {
    let test = TestStore::new(engine).await;
    let app = callvitals::cli::create_app(&test.store, "Org", "app", None)
        .await
        .unwrap()
        .0;
    let before = test.maintenance.table_counts().await.unwrap();
    let mut tx = test.store.begin().await.unwrap();
    tx.begin_command();
    new_conference(tx.as_mut(), app.id, "kept", None, 1).await;
    tx.begin_command();
    new_conference(tx.as_mut(), app.id, "undone", None, 1).await;
    // A statement that fails for real (a session of an unknown conference) first, so
    // PostgreSQL's aborted-transaction state is what the savepoint recovers from.
    let failed = tx
        .insert_session(&SessionRow {
            id: Uuid::new_v4(),
            app_id: app.id,
            conference_id: Uuid::new_v4(),
            participant_id: Uuid::new_v4(),
            created_at: 1,
            ..Default::default()
        })
        .await;
    assert!(failed.is_err(), "a foreign key violation");
    tx.undo_command().await.expect("rollback to the savepoint");
    tx.begin_command();
    // A command that ran no statement has nothing to undo.
    tx.undo_command().await.unwrap();
    tx.begin_command();
    new_conference(tx.as_mut(), app.id, "also kept", None, 1).await;
    tx.commit().await.unwrap();
    let after = test.maintenance.table_counts().await.unwrap();
    assert_eq!(after.conferences, before.conferences + 2);
    let mut tx = test.store.begin().await.unwrap();
    assert!(
        tx.latest_conference(app.id, "undone")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        tx.latest_conference(app.id, "also kept")
            .await
            .unwrap()
            .is_some()
    );
    tx.rollback().await.unwrap();
    test.cleanup().await;
}

async fn batch_ids_tell_whether_a_batch_committed(engine: Engine) {
    let test = TestStore::new(engine).await;
    let committed = Uuid::new_v4();
    let rolled_back = Uuid::new_v4();
    let sample = TrackSampleRow {
        connection_id: Uuid::new_v4(),
        created_at: 5,
        ..Default::default()
    };
    let mut tx = test.store.begin().await.unwrap();
    tx.finish_batch(committed, 100, &[], std::slice::from_ref(&sample))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = test.store.begin().await.unwrap();
    tx.finish_batch(rolled_back, 200, &[], &[]).await.unwrap();
    tx.rollback().await.unwrap();
    assert!(test.store.batch_committed(committed).await.unwrap());
    assert!(!test.store.batch_committed(rolled_back).await.unwrap());
    assert_eq!(
        test.maintenance.table_counts().await.unwrap().track_samples,
        1
    );
    assert_eq!(test.store.prune_batches(101).await.unwrap(), 1);
    assert!(!test.store.batch_committed(committed).await.unwrap());
    test.cleanup().await;
}

async fn emos_tallies_are_recomputed_from_stored_samples(engine: Engine) {
    let test = TestStore::new(engine).await;
    let app = callvitals::cli::create_app(&test.store, "Org", "app", None)
        .await
        .unwrap()
        .0;
    let mut tx = test.store.begin().await.unwrap();
    let conference = new_conference(tx.as_mut(), app.id, "c", None, 1).await;
    let pat = tx
        .upsert_own_participant(&participant(app.id, "pat", None, false))
        .await
        .unwrap();
    let peer = tx
        .ensure_peer_participant(&participant(app.id, "sam", None, false))
        .await
        .unwrap();
    let session = Uuid::new_v4();
    tx.insert_session(&SessionRow {
        id: session,
        app_id: app.id,
        conference_id: conference.id,
        participant_id: pat,
        created_at: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let connection = Uuid::new_v4();
    tx.insert_connection(&callvitals::store::ConnectionRow {
        id: connection,
        app_id: app.id,
        conference_id: conference.id,
        session_id: session,
        participant_id: pat,
        peer_id: peer,
        state: "new".into(),
        negotiations: "[]".into(),
        start_time: 1,
        created_at: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let sample = |at: i64, emos: f64, kind: i16, packets: i64, lost: i64| TrackSampleRow {
        connection_id: connection,
        created_at: at,
        kind,
        direction: 0,
        ssrc: Some(7),
        packets: Some(packets),
        packets_lost: Some(lost),
        emos: Some(emos),
        ..Default::default()
    };
    let samples = [
        sample(10, 3.2, 0, 100, 1),
        sample(20, 3.0, 0, 200, 3),
        sample(30, 2.1, 0, 300, 9),
        sample(40, 4.2, 0, 400, 9),
        sample(50, 1.0, 1, 999, 99), // video: not audio eMOS
    ];
    tx.finish_batch(Uuid::new_v4(), 1, &[], &samples)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = test.store.begin().await.unwrap();
    let tally = tx.emos_tally(session, 3.6, 2.5).await.unwrap();
    assert_eq!((tally.low, tally.very_low), (2, 1));
    assert!((tally.low_sum - 6.2).abs() < 1e-9);
    assert!((tally.very_low_sum - 2.1).abs() < 1e-9);
    assert_eq!(
        tx.last_packet_counters(connection, 7).await.unwrap(),
        Some((400, 9)),
        "the newest audio counters"
    );
    assert_eq!(tx.last_packet_counters(connection, 8).await.unwrap(), None);
    tx.rollback().await.unwrap();
    test.cleanup().await;
}

async fn a_rolled_back_transaction_leaves_nothing(engine: Engine) {
    let test = TestStore::new(engine).await;
    let app = callvitals::cli::create_app(&test.store, "Org", "app", None)
        .await
        .unwrap()
        .0;
    let before = test.maintenance.table_counts().await.unwrap();
    let mut tx = test.store.begin().await.unwrap();
    let conference = new_conference(tx.as_mut(), app.id, "c1", None, 1).await;
    let participant = tx
        .upsert_own_participant(&participant(app.id, "p", None, false))
        .await
        .unwrap();
    tx.insert_session(&SessionRow {
        id: Uuid::new_v4(),
        app_id: app.id,
        conference_id: conference.id,
        participant_id: participant,
        created_at: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(test.maintenance.table_counts().await.unwrap(), before);
    test.cleanup().await;
}
