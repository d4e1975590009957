//! The README's pg_cron recipe, as written there, on a cluster of its own with Debian's
//! pg_cron (for installations that cannot preload aurora, like Supabase Cloud): every job
//! runs (each one every minute here; pg_cron 1.4 has no shorter period) and does its work.
use aurora_it::cluster::Cluster;
use aurora_it::eventually;
use tokio_postgres::NoTls;

/// The ```sql block that follows "schedule the same with pg_cron" in the README.
fn recipe() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let at = readme.find("schedule the same with pg_cron").expect("the README has the pg_cron recipe");
    let block = &readme[at..];
    let start = block.find("```sql\n").unwrap() + "```sql\n".len();
    let end = start + block[start..].find("```").unwrap();
    block[start..end].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_pg_cron_recipe_runs_every_job() {
    let sql = recipe();
    assert_eq!(sql.matches("cron.schedule(").count(), 4, "{sql}");
    let cluster = Cluster::prepare("cron");
    cluster.initdb("local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n");
    cluster.start(&["shared_preload_libraries=pg_cron", "cron.database_name=aurora_cron", "fsync=off"]);
    cluster.aurora_database("aurora_cron");
    cluster.psql("aurora_cron", &["-c", "create extension pg_cron"]);
    let (db, conn) = tokio_postgres::connect(&cluster.url("aurora_cron"), NoTls).await.unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    // what each job has to do: an idle member still shown online, a trial past its end,
    // salon counter deltas waiting to be folded
    db.batch_execute(
        "insert into auth.users (id, email) values ('11111111-1111-4111-8111-111111111111', 'ines@example.fr'),
                                                    ('22222222-2222-4222-8222-222222222222', 'claire@example.fr');
         update profiles set presence_status = 'online', status = 'online', presence_expires_at = now() - interval '1 minute'
          where id = '11111111-1111-4111-8111-111111111111';
         update member_accounts set subscription_type = 'trial', trial_ends_at = now() - interval '1 minute'
          where id = '22222222-2222-4222-8222-222222222222';
         insert into salons (name, owner_id) values ('Jardins', '11111111-1111-4111-8111-111111111111');
         insert into salon_members (salon_id, user_id) select id, '22222222-2222-4222-8222-222222222222' from salons;",
    )
    .await
    .unwrap();
    let shards: i64 = db.query_one("select count(*) from salon_counter_shards", &[]).await.unwrap().get(0);
    assert!(shards > 0, "counter deltas wait to be folded");
    // the recipe as written, every job every minute
    let every_minute = every_minute(&sql);
    db.batch_execute(&every_minute).await.unwrap();
    let done = "select (select presence_status = 'offline' from profiles where id = '11111111-1111-4111-8111-111111111111')
                   and (select subscription_type = 'freemium' from member_accounts where id = '22222222-2222-4222-8222-222222222222')
                   and not exists (select from salon_counter_shards)
                   and (select count(distinct jobid) = 4 from cron.job_run_details where status = 'succeeded')";
    assert!(eventually(&db, done, 150).await, "every job ran and did its work: {:?}",
            db.query("select j.jobname, d.status, d.return_message from cron.job j left join cron.job_run_details d using (jobid)", &[])
                .await.unwrap().iter().map(|r| (r.get::<_, String>(0), r.get::<_, Option<String>>(1), r.get::<_, Option<String>>(2)))
                .collect::<Vec<_>>());
    let failed: i64 = db.query_one("select count(*) from cron.job_run_details where status = 'failed'", &[]).await.unwrap().get(0);
    assert_eq!(failed, 0);
    let (folded, members): (i32, i64) = {
        let r = db.query_one("select member_count, (select count(*) from salon_members) from salons", &[]).await.unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(i64::from(folded), members, "the folded counter is exact");
}

/// The recipe with each schedule replaced by every minute (the README's are per minute,
/// five minutes and hour).
fn every_minute(sql: &str) -> String {
    sql.lines()
        .map(|l| match (l.find(", '"), l.find("', $$")) {
            (Some(a), Some(b)) if a < b => format!("{}, '* * * * *'{}", &l[..a], &l[b + 1..]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
