//! Native RPCs form their answers as aurora's SQL types, whose OIDs a backend keeps
//! (platform/native.rs). An upgrade recreates types: a session that was already open must
//! then form rows of the new types, not of the OIDs it kept (the syscache callback that
//! forgets them is what this checks), with no error and no crash.
use aurora_it::{create_user, TestDb};
use tokio_postgres::Client;
use uuid::Uuid;

async fn page(c: &Client, salon: Uuid) -> Vec<(i64, Option<String>, i64)> {
    c.query(
        "select id, author_name, (select count(*) from unnest(reactions)) from get_salon_page($1)",
        &[&salon],
    )
    .await
    .unwrap_or_else(|e| panic!("get_salon_page: {e:?}"))
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_forms_rows_of_types_recreated_under_it() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ines = create_user(&admin, "ines@example.fr").await;
    let salon: Uuid = admin
        .query_one("insert into salons (name, owner_id) values ('Lectures', $1) returning id", &[&ines])
        .await
        .unwrap()
        .get(0);
    let message: i64 = admin
        .query_one("insert into chat_messages (salon_id, user_id, content) values ($1, $2, 'Bonjour') returning id", &[&salon, &ines])
        .await
        .unwrap()
        .get(0);
    admin
        .execute("insert into message_reactions (salon_id, message_id, user_id, emoji) values ($1, $2, $3, '❤️')", &[&salon, &message, &ines])
        .await
        .unwrap();
    // a long-lived session (a pooled connection), as service_role: it forms rows and keeps
    // the types' OIDs
    let pooled = db.admin().await;
    pooled.batch_execute("set role service_role").await.unwrap();
    let before = page(&pooled, salon).await;
    assert_eq!(before, vec![(message, None, 1)]);

    // what an upgrade does to a type: dropped and created again (a new OID), with the
    // function that returns it
    let def: String = admin
        .query_one("select pg_get_functiondef('get_salon_page(uuid, bigint, integer)'::regprocedure)", &[])
        .await
        .unwrap()
        .get(0);
    let attributes: String = admin
        .query_one(
            "select string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum)
               from pg_attribute where attrelid = 'public.salon_page_message'::regclass and attnum > 0 and not attisdropped",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let old_oid: u32 = admin.query_one("select 'public.salon_page_message'::regtype::oid", &[]).await.unwrap().get(0);
    admin
        .batch_execute(&format!(
            "begin;
             alter extension aurora drop function get_salon_page(uuid, bigint, integer);
             alter extension aurora drop type salon_page_message;
             drop function get_salon_page(uuid, bigint, integer);
             drop type salon_page_message;
             create type salon_page_message as ({attributes});
             {def};
             grant execute on function get_salon_page(uuid, bigint, integer) to authenticated, service_role;
             commit;"
        ))
        .await
        .unwrap();
    let new_oid: u32 = admin.query_one("select 'public.salon_page_message'::regtype::oid", &[]).await.unwrap().get(0);
    assert_ne!(old_oid, new_oid, "the type was recreated");

    // the same session: rows of the new type, the same answer
    assert_eq!(page(&pooled, salon).await, before);
    drop(pooled);
    drop(admin);
    db.drop().await;
}
