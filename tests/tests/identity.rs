//! Who is calling is read without a statement: the role and the JWT subject from their
//! settings, the erasure from each backend's copy of the erased ids, which every write to
//! `aurora_private.erasures` invalidates (platform/caller.rs). These tests hold the copy to
//! what SQL would see: across sessions, after a commit, not after a rollback, and for a JWT
//! subject in every spelling auth.uid() reads.
use aurora_it::{as_user, create_user, TestDb};

const CALL: &str = "select to_jsonb(ensure_profile())";

fn code(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map(|d| format!("{} {}", d.code().code(), d.message())).unwrap_or_else(|| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_started_elsewhere_closes_her_next_call() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ana = create_user(&admin, "ana@example.fr").await;
    let bea = create_user(&admin, "bea@example.fr").await;
    // her session has read the erased ids (none) and keeps its copy
    let mut hers = db.admin().await;
    as_user(&mut hers, ana, CALL, &[]).await.expect("a member's call");
    as_user(&mut hers, bea, CALL, &[]).await.expect("another member's call");

    // an erasure that is rolled back changes nothing
    let mut other = db.admin().await;
    let tx = other.transaction().await.unwrap();
    tx.execute("insert into aurora_private.erasures (user_id, requested_by) values ($1, 'service_role')", &[&ana])
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    as_user(&mut hers, ana, CALL, &[]).await.expect("a rolled-back erasure does not close her account");

    // committed in another session: her next call, in her old session, is refused
    other
        .execute("insert into aurora_private.erasures (user_id, requested_by) values ($1, 'service_role')", &[&ana])
        .await
        .unwrap();
    let e = as_user(&mut hers, ana, CALL, &[]).await.expect_err("her erasure has started");
    assert_eq!(code(&e), "42501 this account is being erased");
    // others go on, in the same session
    as_user(&mut hers, bea, CALL, &[]).await.expect("another member is not erased");

    // in the erasing session itself, the row is seen at the next command of the transaction
    let mut third = db.admin().await;
    let tx = third.transaction().await.unwrap();
    tx.batch_execute("set local role authenticated").await.unwrap();
    let claims = serde_json::json!({ "sub": bea.to_string(), "role": "authenticated" }).to_string();
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).await.unwrap();
    tx.execute(CALL, &[]).await.expect("not erased yet");
    tx.batch_execute("reset role").await.unwrap();
    tx.execute("insert into aurora_private.erasures (user_id, requested_by) values ($1, 'member')", &[&bea])
        .await
        .unwrap();
    tx.batch_execute("set local role authenticated").await.unwrap();
    let e = tx.execute(CALL, &[]).await.expect_err("her erasure, in the same transaction");
    assert_eq!(code(&e), "42501 this account is being erased");
    drop(tx);
    // the record emptied by TRUNCATE (no row changes for a row trigger to see): her old
    // session reads the ids again and lets her in
    other.batch_execute("truncate aurora_private.erasures cascade").await.unwrap();
    as_user(&mut hers, ana, CALL, &[]).await.expect("no erasure on record any more");
    drop(admin);
    drop(hers);
    drop(other);
    drop(third);
    db.drop().await;
}

/// The subject as auth.uid() reads it, in every spelling: `request.jwt.claim.sub` first,
/// else the claims' `sub`; a UUID in another spelling is read as SQL reads it (the same
/// member), a malformed one fails as auth.uid() fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subject_is_read_as_auth_uid_reads_it() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ana = create_user(&admin, "ana@example.fr").await;
    let mut c = db.admin().await;
    let upper = ana.to_string().to_uppercase();
    let braced = format!("{{{}}}", ana.simple());
    let cases: Vec<(String, Option<String>, Result<Option<String>, &str>)> = vec![
        // (claims, claim.sub, expected: her id / anon (None) / an error's SQLSTATE)
        (serde_json::json!({ "sub": ana.to_string(), "role": "authenticated" }).to_string(), None, Ok(Some(ana.to_string()))),
        (serde_json::json!({ "sub": upper, "role": "authenticated" }).to_string(), None, Ok(Some(ana.to_string()))),
        (serde_json::json!({ "sub": braced, "role": "authenticated" }).to_string(), None, Ok(Some(ana.to_string()))),
        (serde_json::json!({ "role": "authenticated" }).to_string(), None, Ok(None)),
        (serde_json::json!({ "sub": null, "role": "authenticated" }).to_string(), None, Ok(None)),
        (r#"{"sub": "x", "sub": ""#.to_string() + &ana.to_string() + r#""}"#, None, Ok(Some(ana.to_string()))),
        ("{}".into(), Some(ana.to_string()), Ok(Some(ana.to_string()))),
        ("{}".into(), Some(ana.to_string().to_uppercase()), Ok(Some(ana.to_string()))),
        // request.jwt.claim.sub comes first, even when the claims name someone else
        (serde_json::json!({ "sub": uuid::Uuid::nil().to_string() }).to_string(), Some(ana.to_string()), Ok(Some(ana.to_string()))),
        (serde_json::json!({ "sub": "not-a-uuid" }).to_string(), None, Err("22P02")),
        (serde_json::json!({ "sub": 42 }).to_string(), None, Err("22P02")),
        ("{not json".into(), None, Err("22P02")),
    ];
    for (claims, claim_sub, expected) in cases {
        let mut tx = c.transaction().await.unwrap();
        tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).await.unwrap();
        tx.execute("select set_config('request.jwt.claim.sub', $1, true)", &[&claim_sub.clone().unwrap_or_default()])
            .await
            .unwrap();
        tx.batch_execute("set local role authenticated").await.unwrap();
        // auth.uid() agrees, whatever it answers
        let sp = tx.savepoint("uid").await.unwrap();
        let uid = sp.query_one("select auth.uid()::text", &[]).await;
        match (&expected, uid) {
            (Ok(want), Ok(row)) => assert_eq!(row.get::<_, Option<String>>(0).as_ref(), want.as_ref(), "auth.uid() for {claims}"),
            (Err(_), Err(_)) => {}
            (want, got) => panic!("auth.uid() for {claims}: expected {want:?}, got {got:?}"),
        }
        sp.rollback().await.unwrap();
        let got = tx.query_one("select (to_jsonb(ensure_profile()) ->> 'id')", &[]).await;
        match (&expected, got) {
            (Ok(Some(id)), Ok(row)) => assert_eq!(row.get::<_, Option<String>>(0).as_ref(), Some(id), "{claims} {claim_sub:?}"),
            (Ok(None), Err(e)) => assert_eq!(code(&e), "42501 sign in first", "{claims}: anon"),
            (Err(state), Err(e)) => assert!(code(&e).starts_with(state), "{claims}: {} (expected {state})", code(&e)),
            (want, got) => panic!("{claims} {claim_sub:?}: expected {want:?}, got {got:?}"),
        }
        drop(tx);
    }
    drop(admin);
    drop(c);
    db.drop().await;
}
