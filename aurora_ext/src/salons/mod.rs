//! Salons: share codes, membership, and the sharded member/message counters.
use crate::platform::caller::Caller;
use crate::platform::spi::{counter_shard, run_kept, text_plan_slot};
use pgrx::datum::{DatumWithOid, TryFromDatumError};
use pgrx::prelude::*;

use crate::platform::triggers::EnumLabel;
use crate::platform::TriggerResult;

/// Unambiguous alphabet for share codes: no 0/O, 1/I/L.
const SHARE_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const SHARE_CODE_LEN: usize = 10;

/// A fresh share code: 10 symbols of a 31-letter alphabet (≈ 49.5 bits) from the
/// server's strong random source, without modulo bias.
#[pg_extern(volatile, parallel_safe)]
pub fn generate_share_code() -> String {
    let n = SHARE_CODE_ALPHABET.len();
    let limit = (256 / n * n) as u8; // largest multiple of n that fits a byte
    let mut code = String::with_capacity(SHARE_CODE_LEN);
    let mut buf = [0u8; 32];
    while code.len() < SHARE_CODE_LEN {
        // SAFETY: buf is a valid, writable buffer of buf.len() bytes.
        if !unsafe { pg_sys::pg_strong_random(buf.as_mut_ptr().cast(), buf.len()) } {
            error!("aurora: could not generate random bytes");
        }
        for &b in buf.iter().filter(|&&b| b < limit) {
            if code.len() == SHARE_CODE_LEN {
                break;
            }
            code.push(SHARE_CODE_ALPHABET[b as usize % n] as char);
        }
    }
    code
}

fn is_member(salon_id: pgrx::Uuid, user_id: pgrx::Uuid) -> bool {
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 2] = [salon_id.into(), user_id.into()];
        let table = run_kept(
                client,
                text_plan_slot!(),
                "select exists (select 1 from public.salon_members
                             where salon_id = $1 and user_id = $2)",
                &args,
        )
        .unwrap_or_else(|e| error!("aurora: user_is_salon_member: {e}"));
        table.first().get_one::<bool>().ok().flatten().unwrap_or(false)
    })
}

/// Is `user_id` (default: the caller) a member of `salon_id`? A user may ask about
/// herself, or about others in a salon she belongs to; any other question answers
/// false, so membership does not leak to outsiders.
#[pg_extern(stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn user_is_salon_member(
    salon_id: default!(Option<pgrx::Uuid>, "NULL"),
    user_id: default!(Option<pgrx::Uuid>, "NULL"),
) -> bool {
    let Some(salon_id) = salon_id else { return false };
    match (Caller::current(), user_id) {
        (Caller::Anon, _) => false,
        (Caller::Service, Some(target)) => is_member(salon_id, target),
        (Caller::Service, None) => false,
        (Caller::User(me), None) => is_member(salon_id, me),
        (Caller::User(me), Some(target)) if target == me => is_member(salon_id, me),
        (Caller::User(me), Some(target)) => is_member(salon_id, me) && is_member(salon_id, target),
    }
}

/// One membership change counted in one statement: the salon's member counter (its
/// shard) moves by `members`, the member's `salons_joined` by `joined`.
fn count_membership(salon_id: pgrx::Uuid, user_id: pgrx::Uuid, members: i32, joined: i32) {
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 5] =
            [salon_id.into(), counter_shard().into(), members.into(), user_id.into(), joined.into()];
        // `where exists`: when a salon is deleted its members go by cascade, and there is
        // nothing left to count.
        run_kept(
            client,
            text_plan_slot!(),
            "with c as (
                 insert into public.salon_counter_shards as s (salon_id, shard, member_delta)
                 select $1, $2, $3 where $3 <> 0 and exists (select 1 from public.salons where id = $1)
                 on conflict (salon_id, shard)
                 do update set member_delta = s.member_delta + excluded.member_delta
             )
             update public.member_accounts set salons_joined = greatest(salons_joined + $5, 0)
              where id = $4 and $5 <> 0",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: salon member counters: {e}"));
    });
}

fn uuid_of(tuple: &PgHeapTuple<'_, AllocatedByPostgres>, col: &str) -> Result<pgrx::Uuid, TryFromDatumError> {
    tuple.get_by_name(col)?.ok_or_else(|| TryFromDatumError::NoSuchAttributeName(col.into()))
}

/// salon_members AFTER INSERT OR DELETE OR UPDATE OF role: member counter of the salon
/// (sharded) and the member's `salons_joined` (salons she belongs to without owning).
#[pg_trigger]
pub fn salon_member_counters<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let not_owner = |t: &PgHeapTuple<'_, AllocatedByPostgres>| -> Result<bool, TryFromDatumError> {
        Ok(t.get_by_name::<EnumLabel>("role")?.is_none_or(|r| r.0 != "owner"))
    };
    match trigger.op() {
        Ok(PgTriggerOperation::Insert) => {
            let new = trigger.new().ok_or(TryFromDatumError::NoSuchAttributeName("NEW".into()))?;
            let joined = if not_owner(&new)? { 1 } else { 0 };
            count_membership(uuid_of(&new, "salon_id")?, uuid_of(&new, "user_id")?, 1, joined);
        }
        Ok(PgTriggerOperation::Delete) => {
            let old = trigger.old().ok_or(TryFromDatumError::NoSuchAttributeName("OLD".into()))?;
            let joined = if not_owner(&old)? { -1 } else { 0 };
            count_membership(uuid_of(&old, "salon_id")?, uuid_of(&old, "user_id")?, -1, joined);
        }
        Ok(PgTriggerOperation::Update) => {
            let old = trigger.old().ok_or(TryFromDatumError::NoSuchAttributeName("OLD".into()))?;
            let new = trigger.new().ok_or(TryFromDatumError::NoSuchAttributeName("NEW".into()))?;
            let joined = match (not_owner(&old)?, not_owner(&new)?) {
                (true, false) => -1,
                (false, true) => 1,
                _ => 0,
            };
            if joined != 0 {
                count_membership(uuid_of(&new, "salon_id")?, uuid_of(&new, "user_id")?, 0, joined);
            }
        }
        _ => {}
    }
    Ok(None)
}

/// salons AFTER INSERT: the creator becomes its owner, and counts one salon created.
#[pg_trigger]
pub fn salon_created<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let new = trigger.new().ok_or(TryFromDatumError::NoSuchAttributeName("NEW".into()))?;
    let salon_id = uuid_of(&new, "id")?;
    if let Some(owner) = new.get_by_name::<pgrx::Uuid>("owner_id")? {
        Spi::connect_mut(|client| {
            let args: [DatumWithOid; 2] = [salon_id.into(), owner.into()];
            run_kept(
                client,
                text_plan_slot!(),
                "with owner as (
                     insert into public.salon_members (salon_id, user_id, role)
                     values ($1, $2, 'owner')
                     on conflict (salon_id, user_id) do update set role = 'owner'
                 )
                 update public.member_accounts set salons_created = salons_created + 1 where id = $2",
                &args,
            )
            .unwrap_or_else(|e| error!("aurora: salon_created: {e}"));
        });
    }
    Ok(None)
}

/// Moves the counter deltas into salons.member_count / message_count. Shard rows that a
/// writer holds right now are skipped (and folded next time), so folding never waits on
/// writers. Returns the number of salons updated.
#[pg_extern(volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
pub fn fold_salon_counters() -> i64 {
    Spi::get_one::<i64>(
        "with picked as (
             select ctid from public.salon_counter_shards for update skip locked
         ), folded as (
             delete from public.salon_counter_shards s using picked
              where s.ctid = picked.ctid
             returning s.salon_id, s.member_delta, s.message_delta
         ), sums as (
             select salon_id, sum(member_delta)::int as members, sum(message_delta)::int as messages
               from folded group by salon_id
         ), updated as (
             update public.salons s
                set member_count = s.member_count + sums.members,
                    message_count = s.message_count + sums.messages
               from sums where s.id = sums.salon_id
             returning 1
         )
         select count(*) from updated",
    )
    .unwrap_or_else(|e| error!("aurora: fold_salon_counters: {e}"))
    .unwrap_or(0)
}
pub mod api;
