//! The presence sweep background worker, in the test cluster (which preloads aurora):
//! pointed at a database and given an interval, it turns idle members offline by itself.
use aurora_it::{admin_url, connect, create_user, TestDb};
use std::time::{Duration, Instant};

/// The README's recipe: ALTER SYSTEM, then a reload; the worker follows by itself (a new
/// database makes it restart, connected there).
async fn reload(admin: &tokio_postgres::Client) {
    admin.batch_execute("select pg_reload_conf()").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_sweeps_idle_members_when_configured() {
    let cluster = connect(&admin_url()).await;
    let preloaded: String = cluster.query_one("show shared_preload_libraries", &[]).await.unwrap().get(0);
    assert!(preloaded.contains("aurora"), "the test cluster preloads aurora (scripts/lib.sh)");
    // (a reload that moved it elsewhere restarts it within 5 s)
    assert!(
        aurora_it::eventually(&cluster, "select count(*) = 1 from pg_stat_activity where backend_type = 'aurora presence sweep'", 15).await,
        "the worker runs (idle: interval 0 by default)"
    );

    let db = TestDb::new().await;
    let admin = db.admin().await;
    let idle = create_user(&admin, "idle@example.fr").await;
    let active = create_user(&admin, "active@example.fr").await;
    admin
        .execute(
            "update profiles set presence_status = 'online', status = 'online',
                    presence_expires_at = case when id = $1 then now() - interval '1 minute'
                                               else now() + interval '1 hour' end
              where id in ($1, $2)",
            &[&idle, &active],
        )
        .await
        .unwrap();

    // (ALTER SYSTEM runs alone: not inside a multi-statement batch)
    cluster
        .batch_execute(&format!("alter system set aurora.presence_sweep_database = '{}'", db.name))
        .await
        .unwrap();
    cluster.batch_execute("alter system set aurora.presence_sweep_interval = 1").await.unwrap();
    reload(&cluster).await;

    let deadline = Instant::now() + Duration::from_secs(30);
    let mut status = String::new();
    while Instant::now() < deadline {
        status = admin
            .query_one("select presence_status::text from profiles where id = $1", &[&idle])
            .await
            .unwrap()
            .get(0);
        if status == "offline" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let other: String = admin
        .query_one("select presence_status::text from profiles where id = $1", &[&active])
        .await
        .unwrap()
        .get(0);

    cluster.batch_execute("alter system reset aurora.presence_sweep_database").await.unwrap();
    cluster.batch_execute("alter system reset aurora.presence_sweep_interval").await.unwrap();
    reload(&cluster).await;
    assert_eq!(status, "offline", "after a reload only, the worker moved to the database and swept the idle member within 30 s");
    assert_eq!(other, "online", "and left the active one alone");
    drop(admin);
    db.drop().await;
}
