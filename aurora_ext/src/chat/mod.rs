//! Chat: message counters and the reaction row's salon.
use crate::platform::error::raise;
use crate::platform::spi::{counter_shard, run_kept, text_plan_slot};
use pgrx::datum::{DatumWithOid, TryFromDatumError};
use pgrx::prelude::*;

use crate::platform::TriggerResult;

fn add_message_delta(salon_id: pgrx::Uuid, delta: i32, salon_may_be_gone: bool) {
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 3] = [salon_id.into(), counter_shard().into(), delta.into()];
        let result = if salon_may_be_gone {
            run_kept(
                client,
                text_plan_slot!(),
                "insert into public.salon_counter_shards as s (salon_id, shard, message_delta)
                 select $1, $2, $3 where exists (select 1 from public.salons where id = $1)
                 on conflict (salon_id, shard)
                 do update set message_delta = s.message_delta + excluded.message_delta",
                &args,
            )
        } else {
            run_kept(
                client,
                text_plan_slot!(),
                "insert into public.salon_counter_shards as s (salon_id, shard, message_delta)
                 values ($1, $2, $3)
                 on conflict (salon_id, shard)
                 do update set message_delta = s.message_delta + excluded.message_delta",
                &args,
            )
        };
        result.unwrap_or_else(|e| error!("aurora: salon message counter: {e}"));
    });
}

/// chat_messages AFTER INSERT OR DELETE OR UPDATE OF is_deleted: the salon's message
/// counter counts messages that are not deleted.
#[pg_trigger]
pub fn chat_message_counters<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let salon = |t: &PgHeapTuple<'_, AllocatedByPostgres>| -> Result<pgrx::Uuid, TryFromDatumError> {
        t.get_by_name("salon_id")?
            .ok_or_else(|| TryFromDatumError::NoSuchAttributeName("salon_id".into()))
    };
    let deleted = |t: &PgHeapTuple<'_, AllocatedByPostgres>| -> Result<bool, TryFromDatumError> {
        Ok(t.get_by_name::<bool>("is_deleted")?.unwrap_or(false))
    };
    let new = trigger.new();
    let old = trigger.old();
    match (trigger.op(), old, new) {
        (Ok(PgTriggerOperation::Insert), _, Some(new)) if !deleted(&new)? => {
            add_message_delta(salon(&new)?, 1, false)
        }
        (Ok(PgTriggerOperation::Delete), Some(old), _) if !deleted(&old)? => {
            add_message_delta(salon(&old)?, -1, true)
        }
        (Ok(PgTriggerOperation::Update), Some(old), Some(new)) => {
            match (deleted(&old)?, deleted(&new)?) {
                (false, true) => add_message_delta(salon(&new)?, -1, false),
                (true, false) => add_message_delta(salon(&new)?, 1, false),
                _ => {}
            }
        }
        _ => {}
    }
    Ok(None)
}

/// message_reactions BEFORE INSERT: a client names the message; its salon comes from the
/// message as the caller sees it (RLS applies: not SECURITY DEFINER). A message that
/// is missing, deleted or invisible to the caller cannot be reacted to.
#[pg_trigger]
pub fn reaction_fill_salon<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let mut new = trigger
        .new()
        .ok_or(TryFromDatumError::NoSuchAttributeName("NEW".into()))?
        .into_owned();
    let message_id: Option<i64> = new.get_by_name("message_id")?;
    let given: Option<pgrx::Uuid> = new.get_by_name("salon_id")?;
    let found = message_id.and_then(|id| {
        Spi::connect_mut(|client| {
            let args: [DatumWithOid; 1] = [id.into()];
            let table = run_kept(
                client,
                text_plan_slot!(),
                "select salon_id from public.chat_messages where id = $1 and not is_deleted",
                &args,
            )
            .unwrap_or_else(|e| error!("aurora: reaction_fill_salon: {e}"));
            if table.is_empty() { None } else { table.first().get_one::<pgrx::Uuid>().ok().flatten() }
        })
    });
    match (found, given) {
        (Some(salon), None) => new.set_by_name("salon_id", salon)?,
        (Some(salon), Some(given)) if salon == given => {}
        _ => raise(
            PgSqlErrorCode::ERRCODE_FOREIGN_KEY_VIOLATION,
            "message not found",
            Some("The message does not exist, was deleted, or is in a salon you are not a member of.".into()),
            Some("Ce message n'existe plus."),
        ),
    }
    Ok(Some(new))
}
pub mod api;
