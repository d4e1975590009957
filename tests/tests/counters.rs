//! Salon counters stay exact while many sessions write at once, and concurrent writers to
//! one salon spread over shard rows instead of queueing on one.
use aurora_it::{as_user, connect, create_user, TestDb};
use uuid::Uuid;

const WRITERS: usize = 8;
const MESSAGES_PER_WRITER: usize = 60;

async fn exact_counts(db: &tokio_postgres::Client, salon: Uuid) -> (i64, i64, i64, i64) {
    let row = db
        .query_one(
            "select d.member_count::bigint, d.message_count::bigint,
                    (select count(*) from salon_members where salon_id = $1),
                    (select count(*) from chat_messages where salon_id = $1 and not is_deleted)
               from salons_with_details d where d.id = $1",
            &[&salon],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counters_are_exact_under_concurrent_writers_joins_and_folds() {
    let test_db = TestDb::new().await;
    let admin = test_db.admin().await;
    // this test is about counters, not the freemium quota
    admin.batch_execute("update aurora_settings set freemium_daily_messages = 1000").await.unwrap();
    let owner = create_user(&admin, "owner@example.fr").await;
    let salon: Uuid = admin
        .query_one("insert into salons (name, owner_id) values ('Busy', $1) returning id", &[&owner])
        .await
        .unwrap()
        .get(0);
    let mut writers = Vec::new();
    for i in 0..WRITERS {
        let uid = create_user(&admin, &format!("w{i}@example.fr")).await;
        admin
            .execute("insert into salon_members (salon_id, user_id) values ($1, $2)", &[&salon, &uid])
            .await
            .unwrap();
        writers.push(uid);
    }

    let mut tasks = Vec::new();
    // members posting, each in her own session, as themselves
    for (i, uid) in writers.iter().copied().enumerate() {
        let url = test_db.url.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = connect(&url).await;
            for n in 0..MESSAGES_PER_WRITER {
                as_user(
                    &mut c,
                    uid,
                    "insert into chat_messages (salon_id, content) values ($1, $2)",
                    &[&salon, &format!("message {n} de {i}")],
                )
                .await
                .expect("a member posts");
            }
        }));
    }
    // people joining and leaving (the join RPC is the product path; membership rows are
    // what the counters follow)
    {
        let url = test_db.url.clone();
        tasks.push(tokio::spawn(async move {
            let c = connect(&url).await;
            for n in 0..40 {
                let uid = create_user(&c, &format!("j{n}@example.fr")).await;
                c.execute("insert into salon_members (salon_id, user_id) values ($1, $2)", &[&salon, &uid])
                    .await
                    .unwrap();
                if n % 3 == 0 {
                    c.execute("delete from salon_members where salon_id = $1 and user_id = $2", &[&salon, &uid])
                        .await
                        .unwrap();
                }
            }
        }));
    }
    // moderation soft-deleting while others write
    let moderation = {
        let url = test_db.url.clone();
        tokio::spawn(async move {
            let c = connect(&url).await;
            let mut deleted = 0;
            for _ in 0..30 {
                deleted += c.execute(
                    "update chat_messages set is_deleted = true, deleted_at = now()
                      where id = (select id from chat_messages where salon_id = $1 and not is_deleted
                                  order by id limit 1 for update skip locked)",
                    &[&salon],
                )
                .await
                .unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            deleted as i64
        })
    };
    // folding while everyone writes
    {
        let url = test_db.url.clone();
        tasks.push(tokio::spawn(async move {
            let c = connect(&url).await;
            for _ in 0..25 {
                c.query_one("select fold_salon_counters()", &[]).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let soft_deleted = moderation.await.unwrap();
    assert!(soft_deleted > 0, "moderation ran during the writes");

    let (members, messages, real_members, real_messages) = exact_counts(&admin, salon).await;
    assert_eq!(members, real_members, "member counter is exact");
    assert_eq!(messages, real_messages, "message counter is exact");
    assert_eq!(real_messages, (WRITERS * MESSAGES_PER_WRITER) as i64 - soft_deleted);
    assert_eq!(real_members, 1 + WRITERS as i64 + 40 - 14);

    // salons_joined per member follows her memberships exactly
    let wrong: i64 = admin
        .query_one(
            "select count(*) from member_accounts p
              where p.salons_joined <> (select count(*) from salon_members m
                                         where m.user_id = p.id and m.role <> 'owner')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(wrong, 0, "salons_joined is exact for every profile");

    // after a final fold, everything sits in the salon row
    admin.query_one("select fold_salon_counters()", &[]).await.unwrap();
    let row = admin
        .query_one("select member_count::bigint, message_count::bigint from salons where id = $1", &[&salon])
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (real_members, real_messages));
    drop(admin);
    test_db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_to_one_salon_use_separate_shard_rows() {
    let test_db = TestDb::new().await;
    let admin = test_db.admin().await;
    let owner = create_user(&admin, "o@example.fr").await;
    let salon: Uuid = admin
        .query_one("insert into salons (name, owner_id) values ('Hot', $1) returning id", &[&owner])
        .await
        .unwrap()
        .get(0);
    admin.query_one("select fold_salon_counters()", &[]).await.unwrap();

    // Four sessions on four different shards (a backend's shard is its pid mod 16) hold
    // an uncommitted message in the salon at the same time. With one counter row the
    // second insert would wait for the first to commit, and this test would hang.
    let mut sessions = Vec::new();
    let mut shards = std::collections::HashSet::new();
    while sessions.len() < 4 {
        let c = connect(&test_db.url).await;
        let pid: i32 = c.query_one("select pg_backend_pid()", &[]).await.unwrap().get(0);
        if shards.insert(pid.rem_euclid(16)) {
            sessions.push(c);
        }
    }
    for (i, c) in sessions.iter().enumerate() {
        c.batch_execute("begin").await.unwrap();
        let content = format!("tenu {i}");
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&salon, &owner, &content];
        let insert = c.execute(
            "insert into chat_messages (salon_id, user_id, content) values ($1, $2, $3)",
            &params,
        );
        tokio::time::timeout(std::time::Duration::from_secs(10), insert)
            .await
            .expect("a writer on another shard does not wait")
            .unwrap();
    }
    for c in &sessions {
        c.batch_execute("commit").await.unwrap();
    }
    let rows: i64 = admin
        .query_one("select count(*) from salon_counter_shards where salon_id = $1 and message_delta <> 0", &[&salon])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 4, "one shard row per writing backend");
    let (_, messages, _, real) = exact_counts(&admin, salon).await;
    assert_eq!((messages, real), (4, 4));
    drop(sessions);
    drop(admin);
    test_db.drop().await;
}
