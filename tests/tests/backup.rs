//! Physical backups and point-in-time recovery: a base backup plus archived WAL bring a
//! database back to just before a mistake (a restore point), with aurora whole — its rows,
//! its counters, its functions answering. (Logical dumps: tests/dump_restore.sh.)
use aurora_it::cluster::Cluster;
use aurora_it::eventually;
use tokio_postgres::NoTls;

async fn connect(url: &str) -> tokio_postgres::Client {
    let (c, conn) = tokio_postgres::connect(url, NoTls).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    c
}

const HBA: &str = "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n\
                   host replication all 127.0.0.1/32 trust\nhost replication all ::1/128 trust\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_backup_and_the_wal_archive_recover_to_just_before_a_mistake() {
    let primary = Cluster::prepare("pitr-primary");
    let archive = primary.dir.join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    primary.initdb(HBA);
    let archive_command = format!("archive_command='test ! -f {0}/%f && cp %p {0}/%f'", archive.display());
    primary.start(&["archive_mode=on", &archive_command, "fsync=off"]);
    primary.aurora_database("aurora_pitr");
    let p = connect(&primary.url("aurora_pitr")).await;
    p.batch_execute(
        "insert into auth.users (id, email) values ('11111111-1111-4111-8111-111111111111', 'ines@example.fr'),
                                                    ('22222222-2222-4222-8222-222222222222', 'claire@example.fr');
         insert into salons (id, name, owner_id) values ('aaaaaaaa-0001-4000-8000-000000000001', 'Lectrices', '11111111-1111-4111-8111-111111111111');
         insert into salon_members (salon_id, user_id) values ('aaaaaaaa-0001-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222');
         insert into chat_messages (salon_id, user_id, content)
         select 'aaaaaaaa-0001-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222', 'avant la sauvegarde ' || g
           from generate_series(1, 10) g;",
    )
    .await
    .unwrap();
    let backup = Cluster::prepare("pitr-restored");
    backup.base_backup_of(&primary);
    // work after the backup, then a restore point, then the mistake
    p.batch_execute(
        "insert into chat_messages (salon_id, user_id, content)
         select 'aaaaaaaa-0001-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222', 'après la sauvegarde ' || g
           from generate_series(1, 5) g;
         do $$ begin if (select count(*) from chat_messages) <> 15 then raise exception 'not 15 messages'; end if; end $$;",
    )
    .await
    .unwrap();
    // (each its own transaction: a multi-statement batch is one, and a restore point inside
    // an open transaction comes before its commit)
    p.batch_execute("select pg_create_restore_point('before-the-mistake')").await.unwrap();
    p.batch_execute("delete from chat_messages; delete from salon_members;").await.unwrap();
    let kept: i64 = p.query_one("select count(*) from chat_messages", &[]).await.unwrap().get(0);
    assert_eq!(kept, 0, "the mistake deleted every message");
    // the segment holding all of it goes to the archive
    let segment: String = p.query_one("select pg_walfile_name(pg_switch_wal())", &[]).await.unwrap().get(0);
    let expected = backup_expectation();
    assert!(eventually(&p, &format!("select coalesce(last_archived_wal >= '{segment}', false) from pg_stat_archiver"), 30).await,
            "the archive holds every segment up to the mistake");
    // recover: the base backup, WAL from the archive, stop at the restore point
    std::fs::write(backup.dir.join("data/recovery.signal"), "").unwrap();
    let restore = format!("restore_command='cp {}/%f %p'", archive.display());
    backup.start(&[&restore, "recovery_target_name='before-the-mistake'", "recovery_target_action='promote'", "fsync=off"]);
    let r = connect(&backup.url("aurora_pitr")).await;
    assert!(eventually(&r, "select not pg_is_in_recovery()", 60).await, "recovery ends at the restore point:\n{}", backup.log());
    let (messages, latest): (i64, String) = {
        let row = r.query_one("select count(*), max(content) from chat_messages", &[]).await.unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((messages, latest), expected, "every message up to the restore point, none of the mistake:\n{}", backup.log());
    let members: i64 = r.query_one("select member_count::bigint from salons_with_details", &[]).await.unwrap().get(0);
    let rows: i64 = r.query_one("select count(*) from salon_members", &[]).await.unwrap().get(0);
    assert_eq!(members, rows, "the salon's counter agrees with its members");
    // aurora answers on the recovered database, as a member
    let tx_ok: bool = r
        .query_one(
            "select (select set_config('request.jwt.claims', '{\"sub\":\"22222222-2222-4222-8222-222222222222\",\"role\":\"authenticated\"}', false)) is not null
                and exists (select from public.my_salon_ids())",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(tx_ok, "her salons are hers again");
}

/// 10 messages before the backup and 5 after it (a freemium member's day holds 20), all
/// before the restore point.
fn backup_expectation() -> (i64, String) {
    (15, "avant la sauvegarde 9".to_string())
}
