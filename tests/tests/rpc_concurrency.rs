//! RPCs under concurrent callers: reaction toggles, joins by code, lesson progress and the
//! presence sweep keep exact state and never fail on a race.
use aurora_it::{as_user, connect, create_user, TestDb};
use std::sync::Arc;
use tokio_postgres::Client;
use uuid::Uuid;

async fn salon_with_message(admin: &Client, owner: Uuid) -> (Uuid, i64, String) {
    let salon: Uuid = admin
        .query_one("insert into salons (name, owner_id) values ('Busy', $1) returning id", &[&owner])
        .await
        .unwrap()
        .get(0);
    let message: i64 = admin
        .query_one(
            "insert into chat_messages (salon_id, user_id, content) values ($1, $2, 'hello') returning id",
            &[&salon, &owner],
        )
        .await
        .unwrap()
        .get(0);
    let code: String = admin.query_one("select share_code from salon_share_codes where salon_id = $1", &[&salon]).await.unwrap().get(0);
    (salon, message, code)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_toggles_keep_one_row_per_member_and_exact_counts() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let owner = create_user(&admin, "owner@example.fr").await;
    let (salon, message, _) = salon_with_message(&admin, owner).await;
    let mut members = Vec::new();
    for i in 0..8 {
        let u = create_user(&admin, &format!("m{i}@example.fr")).await;
        admin.execute("insert into salon_members (salon_id, user_id) values ($1, $2)", &[&salon, &u]).await.unwrap();
        members.push(u);
    }
    // each member toggles 5 times (odd: ends reacted) in her own session, all at once;
    // one member also hammers from 4 sessions in parallel
    let mut tasks = Vec::new();
    for (i, u) in members.iter().copied().enumerate() {
        let url = db.url.clone();
        let times = if i % 2 == 0 { 5 } else { 4 };
        tasks.push(tokio::spawn(async move {
            let mut c = connect(&url).await;
            for _ in 0..times {
                as_user(&mut c, u, "select to_jsonb(toggle_message_reaction($1, '❤️'))", &[&message]).await.expect("toggle");
            }
        }));
    }
    let hammer = members[1];
    for _ in 0..4 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = connect(&url).await;
            for _ in 0..10 {
                as_user(&mut c, hammer, "select to_jsonb(handle_message_reaction($1, '👍', 'add'))", &[&message]).await.expect("add");
                as_user(&mut c, hammer, "select to_jsonb(handle_message_reaction($1, '👍', 'remove'))", &[&message]).await.expect("remove");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let hearts: i64 = admin
        .query_one("select count(*) from message_reactions where message_id = $1 and emoji = '❤️'", &[&message])
        .await
        .unwrap()
        .get(0);
    assert_eq!(hearts, 4, "members with an odd number of toggles end reacted, the others not");
    let thumbs: i64 = admin
        .query_one("select count(*) from message_reactions where message_id = $1 and emoji = '👍'", &[&message])
        .await
        .unwrap()
        .get(0);
    assert!(thumbs <= 1, "never a duplicate row");
    let mut c = connect(&db.url).await;
    let tx = c.transaction().await.unwrap();
    tx.batch_execute("set local role authenticated").await.unwrap();
    tx.execute(
        "select set_config('request.jwt.claims', $1, true)",
        &[&serde_json::json!({"sub": members[0].to_string(), "role": "authenticated"}).to_string()],
    )
    .await
    .unwrap();
    let summary: i32 = tx
        .query_one("select count from get_message_reactions_summary($1) where emoji = '❤️'", &[&message])
        .await
        .unwrap()
        .get(0);
    assert_eq!(summary, 4, "the summary counts what is stored");
    drop(tx);
    drop(c);
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_joins_by_code_are_exact_and_idempotent() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    admin.batch_execute("update aurora_settings set freemium_salons_joined = 100").await.unwrap();
    let owner = create_user(&admin, "owner@example.fr").await;
    let (salon, _, code) = salon_with_message(&admin, owner).await;
    let code = Arc::new(code);
    let mut tasks = Vec::new();
    let mut joiners = Vec::new();
    for i in 0..12 {
        joiners.push(create_user(&admin, &format!("j{i}@example.fr")).await);
    }
    // twelve members join at once, and each one twice from two sessions
    for u in joiners.iter().copied() {
        for _ in 0..2 {
            let url = db.url.clone();
            let code = code.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = connect(&url).await;
                as_user(&mut c, u, "select to_jsonb(join_salon_via_code($1))", &[&*code]).await.expect("join");
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let row = admin
        .query_one(
            "select (select count(*) from salon_members where salon_id = $1),
                    (select member_count::bigint from salons_with_details where id = $1),
                    (select count(*) from member_accounts where salons_joined <> 1 and id <> $2)",
            &[&salon, &owner],
        )
        .await
        .unwrap();
    let (members, counted, wrong): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(members, 13, "owner + twelve, each once");
    assert_eq!(counted, 13, "the counter agrees");
    assert_eq!(wrong, 0, "each joiner counts one salon joined");
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sweeps_turn_each_idle_member_offline_exactly_once() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    admin
        .batch_execute(
            "insert into auth.users (id, email) select gen_random_uuid(), 'u' || g || '@example.fr' from generate_series(1, 3000) g;
             update profiles set presence_status = 'online', status = 'online', last_activity = now() - interval '10 minutes',
                    presence_expires_at = now() - interval '5 minutes';
             update profiles set presence_expires_at = now() + interval '5 minutes'
              where id in (select id from profiles order by id limit 1000);
             update profiles set is_manual_status = true, presence_status = 'busy'
              where id in (select id from profiles order by id desc limit 500);",
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move {
            let c = connect(&url).await;
            let mut total = 0i64;
            for _ in 0..3 {
                total += c.query_one("select check_inactive_users()", &[]).await.unwrap().get::<_, i64>(0);
            }
            total
        }));
    }
    let mut swept = 0;
    for t in tasks {
        swept += t.await.unwrap();
    }
    assert_eq!(swept, 1500, "3000 - 1000 still active - 500 manual, each counted once");
    let row = admin
        .query_one(
            "select count(*) filter (where presence_status = 'offline'),
                    count(*) filter (where presence_status = 'busy'),
                    count(*) filter (where presence_status = 'online')
               from profiles",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, i64>(2)), (1500, 500, 1000));
    drop(admin);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_progress_reports_credit_the_lesson_once() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let member = create_user(&admin, "eleve@example.fr").await;
    let lesson: Uuid = admin
        .query_one(
            "with c as (insert into courses (title, slug, is_published) values ('Dix', 'dix', true) returning id)
             insert into lessons (course_id, lesson_number, title, duration_minutes, is_free)
             select id, 1, 'Dix minutes', 10, true from c returning id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    // sixteen sessions send her first report at once, each claiming the whole day and 100 %:
    // there is no progress row yet for any of them to lock
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let url = db.url.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = connect(&url).await;
            as_user(&mut c, member, "select to_jsonb(update_lesson_progress($1, 0, 864000, 100))", &[&lesson])
                .await
                .expect("progress");
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let row = admin
        .query_one(
            "select s.total_study_time_minutes, s.total_lessons_completed, s.points,
                    (select sum(watch_time_seconds)::int from user_progress_history where user_id = $1),
                    (select count(*) from user_activities where user_id = $1 and type = 'lesson_completed')
               from user_stats s where s.user_id = $1",
            &[&member],
        )
        .await
        .unwrap();
    let (minutes, lessons, points, history, activities): (i32, i32, i32, i32, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    assert_eq!(minutes, 10, "ten minutes of study, once");
    assert_eq!(history, 600, "600 s in her history, once");
    assert_eq!(lessons, 1, "one lesson completed");
    assert_eq!(activities, 1, "one activity row");
    assert_eq!(points, 10 + 10 + 50 + 50, "the lesson, the first lesson, the course (its only lesson) and the first course: each paid once");
    drop(admin);
    db.drop().await;
}
