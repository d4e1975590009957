//! API errors are shaped as PostgREST shapes them: a SQLSTATE, a message, and `details` /
//! `hint` only when there is one (PostgREST answers null, not "", for an absent field).
use aurora_it::{as_user, create_user, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absent_details_are_absent_not_empty() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ana = create_user(&admin, "ana@example.fr").await;
    let mut c = db.admin().await;
    // bad input: a message and a hint, no detail
    let e = as_user(&mut c, ana, "select to_jsonb(create_salon_with_code('   '))", &[]).await.unwrap_err();
    let d = e.as_db_error().expect("a database error");
    assert_eq!(d.code().code(), "22023");
    assert_eq!(d.detail(), None, "no detail: absent, not an empty string");
    assert!(d.hint().is_some_and(|h| !h.is_empty()), "the French hint for the member");
    // a freemium limit: the detail says which
    as_user(&mut c, ana, "select to_jsonb(create_salon_with_code('Un'))", &[]).await.unwrap();
    let e = as_user(&mut c, ana, "select to_jsonb(create_salon_with_code('Deux'))", &[]).await.unwrap_err();
    let d = e.as_db_error().unwrap();
    assert_eq!(d.code().code(), "PT402");
    assert_eq!(d.detail(), Some("limit: 1 salons"));
    drop(admin);
    drop(c);
    db.drop().await;
}

/// The hot RPCs are native (platform/native.rs): the C function is the public function, and
/// it raises PostgREST's SQLSTATEs itself, with the same message, detail and hint as the
/// cores' other callers, and answers its declared type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_rpcs_raise_their_own_sqlstates() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let native: Vec<String> = admin
        .query(
            "select p.proname::text from pg_proc p join pg_language l on l.oid = p.prolang
              where p.pronamespace = 'public'::regnamespace and l.lanname = 'c'
                and p.proname in ('toggle_message_reaction', 'join_salon_via_code', 'leave_salon',
                                  'update_lesson_progress', 'update_user_activity', 'rpc_update_activity')
              order by 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(native.len(), 6, "the six are C functions, no wrapper: {native:?}");

    let ana = create_user(&admin, "ana@example.fr").await;
    let owner = create_user(&admin, "owner@example.fr").await;
    let mut codes = Vec::new();
    for i in 0..4 {
        let salon: uuid::Uuid = admin
            .query_one("insert into salons (name, owner_id) values ($1, $2) returning id", &[&format!("Salon {i}"), &owner])
            .await
            .unwrap()
            .get(0);
        let code: String =
            admin.query_one("select share_code from salon_share_codes where salon_id = $1", &[&salon]).await.unwrap().get(0);
        codes.push(code);
    }
    let mut c = db.admin().await;
    let db_error = |e: tokio_postgres::Error| {
        let d = e.as_db_error().expect("a database error").clone();
        (d.code().code().to_string(), d.message().to_string(), d.detail().map(str::to_string), d.hint().map(str::to_string))
    };
    // three salons: within the freemium limit
    for code in &codes[..3] {
        as_user(&mut c, ana, "select join_salon_via_code($1)", &[code]).await.unwrap();
    }
    // a freemium limit: PT402, with its detail and hint
    let (code, message, detail, hint) =
        db_error(as_user(&mut c, ana, "select join_salon_via_code($1)", &[&codes[3]]).await.unwrap_err());
    assert_eq!(code, "PT402");
    assert!(!message.is_empty());
    assert_eq!(detail.as_deref(), Some("limit: 3 salons"));
    assert!(hint.is_some_and(|h| h.contains("Premium")), "the French hint");
    // nothing there: PT404, no detail
    let (code, _, detail, hint) =
        db_error(as_user(&mut c, ana, "select toggle_message_reaction(999999999, '👍')", &[]).await.unwrap_err());
    assert_eq!((code.as_str(), detail), ("PT404", None));
    assert!(hint.is_some());
    // bad input: 22023
    let (code, ..) = db_error(as_user(&mut c, ana, "select update_lesson_progress(null)", &[]).await.unwrap_err());
    assert_eq!(code, "22023");
    // a PostgreSQL error inside a native RPC keeps its own SQLSTATE (read-only transaction: 25006)
    let tx = c.transaction().await.unwrap();
    tx.batch_execute("set transaction read only; set local role authenticated").await.unwrap();
    let claims = serde_json::json!({ "sub": ana.to_string(), "role": "authenticated" }).to_string();
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).await.unwrap();
    let e = tx.batch_execute("select rpc_update_activity()").await.unwrap_err();
    assert_eq!(e.code().map(|c| c.code()), Some("25006"));
    drop(tx);
    // and the session goes on after each error
    let presence: String = {
        let tx = c.transaction().await.unwrap();
        tx.batch_execute("set local role authenticated").await.unwrap();
        tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).await.unwrap();
        let s: String = tx.query_one("select (rpc_update_activity()).presence_status::text", &[]).await.unwrap().get(0);
        tx.commit().await.unwrap();
        s
    };
    assert_eq!(presence, "online");
    drop(admin);
    drop(c);
    db.drop().await;
}
