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
