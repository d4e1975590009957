//! Every freemium limit under concurrency: one member fires N ≥ 4× the limit requests at
//! once, each on its own connection, released together; exactly the limit passes, the rest
//! get the limit's SQLSTATE, and nothing else fails.
use aurora_it::{as_user, connect, create_user, TestDb};
use std::sync::Arc;
use tokio_postgres::Client;
use uuid::Uuid;

/// Runs `sql` (with one text argument each) as `user`, all at once on `args.len()`
/// connections; returns each call's SQLSTATE (`None`: it passed).
async fn burst(db: &TestDb, user: Uuid, sql: &'static str, args: Vec<Option<String>>) -> Vec<Option<String>> {
    let mut clients = Vec::new();
    for _ in 0..args.len() {
        clients.push(connect(&db.url).await);
    }
    let gate = Arc::new(tokio::sync::Barrier::new(args.len()));
    let mut tasks = Vec::new();
    for (mut c, arg) in clients.into_iter().zip(args) {
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            gate.wait().await;
            let r = match &arg {
                Some(a) => {
                    let a: &(dyn tokio_postgres::types::ToSql + Sync) = a;
                    as_user(&mut c, user, sql, &[a]).await
                }
                None => as_user(&mut c, user, sql, &[]).await,
            };
            r.err().map(|e| e.code().map(|c| c.code().to_string()).unwrap_or_else(|| format!("no SQLSTATE: {e}")))
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn tally(outcomes: &[Option<String>]) -> (usize, std::collections::BTreeMap<String, usize>) {
    let mut errors = std::collections::BTreeMap::new();
    for e in outcomes.iter().flatten() {
        *errors.entry(e.clone()).or_insert(0) += 1;
    }
    (outcomes.iter().filter(|o| o.is_none()).count(), errors)
}

async fn one(admin: &Client, sql: &str, user: Uuid) -> i64 {
    admin.query_one(sql, &[&user]).await.unwrap().get(0)
}

async fn freemium_member(admin: &Client, email: &str) -> Uuid {
    create_user(admin, email).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_limit_passes_exactly_its_number_under_a_burst() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let limits = admin
        .query_one(
            "select freemium_salons_created, freemium_salons_joined, join_attempts_per_window,
                    freemium_daily_profile_views, freemium_daily_messages from aurora_settings",
            &[],
        )
        .await
        .unwrap();
    let (created, joined, codes, views, messages): (i32, i32, i32, i32, i32) =
        (limits.get(0), limits.get(1), limits.get(2), limits.get(3), limits.get(4));

    // salon creation: limit 1, 12 at once
    let ana = freemium_member(&admin, "ana@example.fr").await;
    let out = burst(&db, ana, "select to_jsonb(create_salon_with_code($1))", (0..12).map(|i| Some(format!("Salon {i}"))).collect()).await;
    let (passed, errors) = tally(&out);
    assert_eq!(passed, created as usize, "creations: {errors:?}");
    assert_eq!(errors.get("PT402"), Some(&(12 - created as usize)), "{errors:?}");
    assert_eq!(one(&admin, "select count(*) from salons where owner_id = $1", ana).await, i64::from(created));

    // joins with different codes: limit 3, 16 at once
    let owner = create_user(&admin, "owner@example.fr").await;
    let mut share_codes = Vec::new();
    for i in 0..16 {
        let code = salon_code(&admin, &format!("S{i}"), owner).await;
        share_codes.push(Some(code));
    }
    let bea = freemium_member(&admin, "bea@example.fr").await;
    let out = burst(&db, bea, "select to_jsonb(join_salon_via_code($1))", share_codes).await;
    let (passed, errors) = tally(&out);
    assert_eq!(passed, joined as usize, "joins: {errors:?}");
    assert_eq!(errors.get("PT402"), Some(&(16 - joined as usize)), "{errors:?}");
    assert_eq!(one(&admin, "select count(*) from salon_members where user_id = $1", bea).await, i64::from(joined));

    // wrong codes: 10 per window, 40 at once
    let cleo = freemium_member(&admin, "cleo@example.fr").await;
    let out = burst(&db, cleo, "select to_jsonb(join_salon_via_code($1))", (0..40).map(|i| Some(format!("NOPE{i:04}"))).collect()).await;
    let (passed, errors) = tally(&out);
    assert_eq!(passed, codes as usize, "wrong codes processed: {errors:?}");
    assert_eq!(errors.get("PT429"), Some(&(40 - codes as usize)), "{errors:?}");
    assert_eq!(one(&admin, "select count(*) from salon_join_attempts where user_id = $1", cleo).await, i64::from(codes));

    // profile views: 10 a day, 40 at once (each on another member's page)
    let dora = freemium_member(&admin, "dora@example.fr").await;
    let mut pages = Vec::new();
    for i in 0..40 {
        pages.push(Some(create_user(&admin, &format!("page{i}@example.fr")).await.to_string()));
    }
    let out = burst(&db, dora, "select to_jsonb(record_profile_view($1::text::uuid))", pages).await;
    let (passed, errors) = tally(&out);
    assert_eq!(passed, views as usize, "views: {errors:?}");
    assert_eq!(errors.get("PT402"), Some(&(40 - views as usize)), "{errors:?}");
    assert_eq!(one(&admin, "select daily_profile_views::bigint from member_accounts where id = $1", dora).await, i64::from(views));

    // messages: 20 a day, 80 at once
    let eve = freemium_member(&admin, "eve@example.fr").await;
    let salon: Uuid = admin
        .query_one("insert into salons (name, owner_id) values ('Chat', $1) returning id", &[&owner])
        .await
        .unwrap()
        .get(0);
    admin.execute("insert into salon_members (salon_id, user_id) values ($1, $2)", &[&salon, &eve]).await.unwrap();
    let out = burst(&db, eve, "insert into chat_messages (salon_id, content) values ($1::text::uuid, 'bonjour')",
                    (0..80).map(|_| Some(salon.to_string())).collect()).await;
    let (passed, errors) = tally(&out);
    assert_eq!(passed, messages as usize, "messages: {errors:?}");
    assert_eq!(errors.get("PT402"), Some(&(80 - messages as usize)), "{errors:?}");
    assert_eq!(one(&admin, "select count(*) from chat_messages where user_id = $1", eve).await, i64::from(messages));

    // the free trial: once, 12 at once
    let flo = freemium_member(&admin, "flo@example.fr").await;
    let out = burst(&db, flo, "select to_jsonb(start_trial())", (0..12).map(|_| None).collect()).await;
    let (passed, errors) = tally(&out);
    assert_eq!(passed, 1, "one trial: {errors:?}");
    assert_eq!(errors.get("PT409"), Some(&11), "{errors:?}");
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_trial_has_the_free_allowances_everywhere() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let gina = create_user(&admin, "gina@example.fr").await;
    admin
        .execute("update member_accounts set subscription_type = 'trial', trial_ends_at = now() - interval '1 day' where id = $1", &[&gina])
        .await
        .unwrap();
    let owner = create_user(&admin, "owner@example.fr").await;
    let mut codes = Vec::new();
    for i in 0..5 {
        let code = salon_code(&admin, &format!("T{i}"), owner).await;
        codes.push(code);
    }
    let mut c = connect(&db.url).await;
    let mut refused = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        if let Err(e) = as_user(&mut c, gina, "select to_jsonb(join_salon_via_code($1))", &[code]).await {
            refused.push((i, e.code().unwrap().code().to_string()));
        }
    }
    assert_eq!(refused, vec![(3, "PT402".to_string()), (4, "PT402".to_string())], "3 joins, as freemium");
    let mut created = 0;
    for i in 0..3 {
        if as_user(&mut c, gina, "select to_jsonb(create_salon_with_code($1))", &[&format!("Mine {i}")]).await.is_ok() {
            created += 1;
        }
    }
    assert_eq!(created, 1, "1 salon, as freemium");
    let salon: Uuid = admin.query_one("select id from salons where name = 'T0'", &[]).await.unwrap().get(0);
    let mut sent = 0;
    for _ in 0..25 {
        if as_user(&mut c, gina, "insert into chat_messages (salon_id, content) values ($1, 'salut')", &[&salon]).await.is_ok() {
            sent += 1;
        }
    }
    assert_eq!(sent, 20, "20 messages, as freemium");
    drop(admin);
    db.drop().await;
}

/// A new salon owned by `owner`, and its share code (given by a trigger as it is created).
async fn salon_code(admin: &Client, name: &str, owner: Uuid) -> String {
    let salon: Uuid =
        admin.query_one("insert into salons (name, owner_id) values ($1, $2) returning id", &[&name, &owner]).await.unwrap().get(0);
    admin.query_one("select share_code from salon_share_codes where salon_id = $1", &[&salon]).await.unwrap().get(0)
}
