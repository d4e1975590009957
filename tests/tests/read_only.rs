//! Reads are read-only: every reading function answers in a READ ONLY transaction (as on a
//! hot standby) without being given a transaction id (no WAL, no flush at commit); every
//! writing function refused there says 25006 (read_only_sql_transaction), not XX000.
use aurora_it::{connect, create_user, TestDb};
use tokio_postgres::Client;
use uuid::Uuid;

/// Runs `sql` as `uid` the PostgREST way in a READ ONLY transaction: Ok(transaction id
/// assigned?) or the SQLSTATE it failed with.
async fn read_only_as(client: &mut Client, uid: Uuid, sql: &str) -> Result<bool, String> {
    let tx = client.transaction().await.unwrap();
    tx.batch_execute("set transaction read only; set local role authenticated").await.unwrap();
    let claims = serde_json::json!({ "sub": uid.to_string(), "role": "authenticated" }).to_string();
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).await.unwrap();
    if let Err(e) = tx.batch_execute(sql).await {
        return Err(e.code().map(|c| c.code().to_string()).unwrap_or_else(|| e.to_string()));
    }
    let xid: Option<i64> = tx.query_one("select txid_current_if_assigned()", &[]).await.unwrap().get(0);
    tx.commit().await.unwrap();
    Ok(xid.is_some())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reading_functions_take_no_transaction_id_and_writes_say_read_only() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ines = create_user(&admin, "ines@example.fr").await;
    let claire = create_user(&admin, "claire@example.fr").await;
    let salon: Uuid = admin.query_one("insert into salons (name, owner_id) values ('Lectures', $1) returning id", &[&ines]).await.unwrap().get(0);
    admin.execute("insert into salon_members (salon_id, user_id) values ($1, $2)", &[&salon, &claire]).await.unwrap();
    let message: i64 = admin
        .query_one("insert into chat_messages (salon_id, user_id, content) values ($1, $2, 'Bonjour') returning id", &[&salon, &ines])
        .await.unwrap().get(0);
    let course: Uuid = admin.query_one("insert into courses (title, is_published) values ('Yoga', true) returning id", &[]).await.unwrap().get(0);
    let lesson: Uuid = admin
        .query_one("insert into lessons (course_id, title, lesson_number, is_free) values ($1, 'Respirer', 1, true) returning id", &[&course])
        .await.unwrap().get(0);
    let code: String = admin.query_one("select share_code from salon_share_codes where salon_id = $1", &[&salon]).await.unwrap().get(0);
    let mut c = connect(&db.url).await;

    let reads = [
        "select my_salon_ids()".to_string(),
        format!("select salon_share_code('{salon}')"),
        format!("select user_is_salon_member('{salon}', '{claire}')"),
        "select * from my_profile()".to_string(),
        format!("select to_jsonb(get_reply_message_info({message}))"),
        format!("select get_message_reactions_summary({message})"),
        format!("select get_all_message_reactions_batch(array[{message}]::bigint[])"),
        format!("select * from get_salon_page('{salon}')"),
        format!("select * from get_lesson_content('{lesson}')"),
        format!("select * from get_course_lessons('{course}')"),
        "select * from get_leaderboard(10)".to_string(),
        "select to_jsonb(export_my_data())".to_string(),
        "select * from salons_with_details".to_string(),
        "select * from my_salons".to_string(),
        format!("select * from chat_messages_with_profiles where salon_id = '{salon}'"),
        "select * from aurora_settings".to_string(),
    ];
    for sql in &reads {
        assert_eq!(read_only_as(&mut c, ines, sql).await, Ok(false), "{sql}: answers read-only, without a transaction id");
    }
    let writes = [
        format!("select to_jsonb(toggle_message_reaction({message}, '❤️'))"),
        format!("select to_jsonb(join_salon_via_code('{code}'))"),
        format!("insert into chat_messages (salon_id, user_id, content) values ('{salon}', '{ines}', 'encore')"),
        "select to_jsonb(create_salon_with_code('Jardins', null, null, null, null))".to_string(),
        format!("select to_jsonb(start_course('{course}'))"),
        format!("select to_jsonb(update_lesson_progress('{lesson}', 30, 30, 50))"),
        format!("select to_jsonb(record_profile_view('{ines}'))"),
        format!("select to_jsonb(leave_salon('{salon}'))"),
        "select to_jsonb(ensure_profile())".to_string(),
        "select to_jsonb(delete_my_account())".to_string(),
    ];
    for sql in &writes {
        assert_eq!(read_only_as(&mut c, claire, sql).await, Err("25006".to_string()), "{sql}: refused as a read-only transaction");
    }
    // the same reads in an ordinary transaction assign no id either (no WAL for a read)
    let tx = c.transaction().await.unwrap();
    tx.batch_execute("set local role authenticated").await.unwrap();
    let claims = serde_json::json!({ "sub": ines.to_string(), "role": "authenticated" }).to_string();
    tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims]).await.unwrap();
    tx.batch_execute(&reads.join("; ")).await.unwrap();
    let xid: Option<i64> = tx.query_one("select txid_current_if_assigned()", &[]).await.unwrap().get(0);
    assert_eq!(xid, None, "a page of reads writes nothing");
    tx.commit().await.unwrap();
    db.drop().await;
}
