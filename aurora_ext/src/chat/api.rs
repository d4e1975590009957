//! Chat RPCs: the freemium message quota (checked by the insert trigger), soft delete,
//! reply previews, reactions and their per-message summaries.
use crate::platform::api::{require_user, require_user_or_raise, respond, ApiError, ApiResult};
use crate::platform::error::raise;
use crate::platform::native::{form_array, form_row, named_type};
use crate::platform::spi::{run_kept, text_plan_slot};
use pgrx::datum::DatumWithOid;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};
use unicode_segmentation::UnicodeSegmentation;

/// Counts a message against the author's day (midnight Europe/Paris) and says whether
/// she may post it: `null` if yes, an error value if her freemium quota is spent. The
/// message that reaches the quota records the conversion trigger, so the record
/// survives (the refused attempt after it is rolled back with its error). When she may,
/// the salon's message counter counts it (if `visible`: not inserted already deleted) in
/// the same statement: for a member posting, the insert guard does the counting the
/// AFTER INSERT trigger does for everyone else, and any later failure of the insert rolls
/// both back with it.
/// Not SECURITY DEFINER itself: its only caller, the insert guard, already runs as the
/// owner with a fixed search_path (one privilege switch and one GUC frame per message,
/// not two); members cannot execute it (finalize.sql).
#[pg_extern(schema = "aurora_private", volatile)]
fn claim_message_quota(user_id: pgrx::Uuid, salon_id: pgrx::Uuid, visible: bool) -> Option<JsonB> {
    // Only the insert guard (SECURITY DEFINER) and service_role may call this; the insert's
    // RLS check then refuses a message whose user_id is not the caller's, undoing the count.
    // One statement: the day's count (with the Paris-midnight reset and the limit read in
    // place), the conversion trigger when the count reaches the limit, the day's history,
    // the salon's counter, and the first-message badge (tried with a day's first message
    // only: a member's first message ever is one; a conflict-free no-op once earned).
    let badge = crate::gamification::badge("first_message");
    let outcome = Spi::connect_mut(|client| {
        let args: [DatumWithOid; 9] = [
            user_id.into(),
            badge.id.into(),
            badge.title.into(),
            badge.description.into(),
            badge.icon.into(),
            badge.rarity.into(),
            salon_id.into(),
            crate::platform::spi::counter_shard().into(),
            visible.into(),
        ];
        let t = run_kept(
                client,
                text_plan_slot!(),
                "with lim as (select freemium_daily_messages as n from public.aurora_settings),
                  q as (
                 update public.member_accounts p
                    set daily_chat_count = case when aurora_private.paris_day_changed(p.last_activity_reset) then 1 else p.daily_chat_count + 1 end,
                        daily_profile_views = case when aurora_private.paris_day_changed(p.last_activity_reset) then 0 else p.daily_profile_views end,
                        last_activity_reset = case when aurora_private.paris_day_changed(p.last_activity_reset) then now() else p.last_activity_reset end,
                        conversion_triggers = case
                            when aurora_private.entitlement(p.subscription_type, p.trial_ends_at) = 'freemium'
                                 and (case when aurora_private.paris_day_changed(p.last_activity_reset) then 1 else p.daily_chat_count + 1 end) = (select n from lim)
                            then p.conversion_triggers || jsonb_build_array(jsonb_build_object(
                                     'type', 'daily_message_limit', 'limit', (select n from lim), 'at', now()))
                            else p.conversion_triggers end
                  where p.id = $1
                    and (aurora_private.entitlement(p.subscription_type, p.trial_ends_at) <> 'freemium' or aurora_private.paris_day_changed(p.last_activity_reset) or p.daily_chat_count < (select n from lim))
                 returning p.id, p.daily_chat_count = 1 as first_of_day
             ), h as (
                 insert into public.user_progress_history as h (user_id, activity_date, messages_sent)
                 select id, (now() at time zone 'Europe/Paris')::date, 1 from q
                 on conflict (user_id, activity_date) do update set messages_sent = h.messages_sent + 1
             ), b as (
                 insert into public.user_achievements (user_id, badge_id, title, description, icon, rarity)
                 select id, $2, $3, $4, $5, $6 from q where q.first_of_day
                 on conflict (user_id, badge_id) do nothing
                 returning 1
             ), c as (
                 insert into public.salon_counter_shards as s (salon_id, shard, message_delta)
                 select $7, $8, 1 from q where $9
                 on conflict (salon_id, shard) do update set message_delta = s.message_delta + 1
             )
             select (select count(*) from q)::int, (select count(*) from b)::int, (select n from lim)",
                &args,
        )
        .unwrap_or_else(|e| error!("aurora: claim_message_quota: {e}"));
        let r = t.first();
        (
            r.get::<i32>(1).ok().flatten().unwrap_or(0),
            r.get::<i32>(2).ok().flatten().unwrap_or(0),
            r.get::<i32>(3).ok().flatten().unwrap_or(0),
        )
    });
    let (counted, new_badge, limit) = outcome;
    if counted > 0 {
        if new_badge > 0 {
            // the badge's points and activity row, as award_badge does for a first award
            crate::gamification::badge_awarded(user_id, "first_message");
        }
        return None;
    }
    let exists = crate::platform::spi::query_one!(
        bool,
        "select exists (select 1 from public.profiles where id = $1)",
        &[user_id.into()]
    )
    .unwrap_or(false);
    let err = if exists {
        ApiError::PaymentRequired(
            "daily message limit reached".into(),
            format!("freemium members can send {limit} messages a day; the count resets at midnight (Paris)"),
            "Vous avez atteint la limite de messages du jour. Passez à Premium pour échanger sans limite.",
        )
    } else {
        ApiError::Forbidden("no profile for this user".into(), "Profil introuvable.")
    };
    Some(respond(Err(err)))
}

/// What the caller may do with a message: (salon, author, is_deleted, caller's role).
/// `None` when the message does not exist or is in a salon she is not a member of.
fn message_access(message_id: i64, me: pgrx::Uuid) -> Option<(pgrx::Uuid, pgrx::Uuid, bool, String)> {
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 2] = [message_id.into(), me.into()];
        let t = run_kept(
                client,
                text_plan_slot!(),
                "select m.salon_id, m.user_id, m.is_deleted, sm.role::text
               from public.chat_messages m
               join public.salon_members sm on sm.salon_id = m.salon_id and sm.user_id = $2
              where m.id = $1",
                &args,
        )
        .unwrap_or_else(|e| error!("aurora: {e}"));
        if t.is_empty() {
            return None;
        }
        let r = t.first();
        Some((
            r.get::<pgrx::Uuid>(1).ok().flatten()?,
            r.get::<pgrx::Uuid>(2).ok().flatten()?,
            r.get::<bool>(3).ok().flatten()?,
            r.get::<String>(4).ok().flatten()?,
        ))
    })
}

fn delete(message_id: Option<i64>) -> ApiResult {
    let me = require_user()?;
    let id = message_id.ok_or_else(|| ApiError::Invalid("message_id is required".into(), "Message manquant."))?;
    let Some((salon, author, deleted, role)) = message_access(id, me) else {
        return Err(ApiError::NotFound("message not found", "Ce message n'existe pas."));
    };
    if author != me && role != "owner" && role != "moderator" {
        return Err(ApiError::Forbidden(
            "only the author, the salon owner or a moderator can delete a message".into(),
            "Vous ne pouvez supprimer que vos propres messages.",
        ));
    }
    if !deleted {
        crate::platform::spi::exec!(
            "update public.chat_messages set is_deleted = true, deleted_at = now()
              where salon_id = $1 and id = $2 and not is_deleted",
            &[salon.into(), id.into()],
        )
        .unwrap_or_else(|e| error!("aurora: {e}"));
    }
    Ok(json!({ "id": id, "salon_id": salon.to_string(), "is_deleted": true }))
}

crate::native_rpc!(aurora_delete_message, pg_finfo_aurora_delete_message, |message_id: i64| delete(message_id));

#[pg_extern(schema = "aurora_private", name = "delete_message", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn delete_message_core(message_id: Option<i64>) -> JsonB {
    respond(delete(message_id))
}

fn reply_info(message_id: Option<i64>) -> ApiResult {
    let me = require_user()?;
    let id = message_id.ok_or_else(|| ApiError::Invalid("message_id is required".into(), "Message manquant."))?;
    if message_access(id, me).is_none() {
        return Err(ApiError::NotFound("message not found", "Ce message n'existe pas."));
    }
    Ok(crate::platform::spi::json_one!(
        "select jsonb_build_object(
                    'id', m.id, 'salon_id', m.salon_id, 'user_id', m.user_id,
                    'author_name', p.full_name, 'author_avatar', p.avatar_url,
                    'excerpt', aurora_private.reply_excerpt(m.content, m.is_deleted),
                    'is_deleted', m.is_deleted, 'created_at', m.created_at)
           from public.chat_messages m left join public.profiles p on p.id = m.user_id
          where m.id = $1",
        &[id.into()],
    )
    .unwrap_or(Value::Null))
}

crate::native_rpc!(aurora_get_reply_message_info, pg_finfo_aurora_get_reply_message_info, |message_id: i64| {
    reply_info(message_id)
});

#[pg_extern(schema = "aurora_private", name = "get_reply_message_info", stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn get_reply_message_info_core(message_id: Option<i64>) -> JsonB {
    respond(reply_info(message_id))
}

/// One emoji: a single extended grapheme cluster made of emoji code points (with their
/// joiners, variation selectors, skin tones, keycaps and tags), at most 32 bytes.
pub fn valid_emoji(e: &str) -> bool {
    if e.is_empty() || e.len() > 32 || e.graphemes(true).count() != 1 {
        return false;
    }
    let pictographic = |c: char| {
        matches!(c as u32,
            0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF
            | 0x2190..=0x21FF | 0x2934..=0x2935 | 0x3030 | 0x303D | 0x3297 | 0x3299
            | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x24C2 | 0x25AA..=0x25FE)
    };
    let joiner = |c: char| matches!(c as u32, 0x200D | 0xFE0F | 0xFE0E | 0x20E3 | 0xE0020..=0xE007F);
    let keycap_base = |c: char| c.is_ascii_digit() || c == '#' || c == '*';
    let chars: Vec<char> = e.chars().collect();
    let has_picto = chars.iter().any(|&c| pictographic(c));
    let is_keycap = chars.contains(&'\u{20E3}') && keycap_base(chars[0]);
    (has_picto || is_keycap)
        && chars.iter().all(|&c| pictographic(c) || joiner(c) || (is_keycap && keycap_base(c)))
}

fn check_emoji(emoji: Option<String>) -> Result<String, ApiError> {
    let emoji = emoji.unwrap_or_default();
    if valid_emoji(&emoji) {
        Ok(emoji)
    } else {
        Err(ApiError::Invalid("emoji must be a single emoji".into(), "Réaction invalide."))
    }
}

/// Adds or removes the caller's reaction; `want` None toggles. Safe under concurrent
/// calls: the unique key decides, and a lost race reads as the state it lost to.
/// One statement: the message and her membership, the delete, the insert, and the count
/// read from the statement's snapshot and corrected by her own change.
fn react(message_id: Option<i64>, emoji: Option<String>, want: Option<bool>) -> ApiResult {
    let me = require_user()?;
    let id = message_id.ok_or_else(|| ApiError::Invalid("message_id is required".into(), "Message manquant."))?;
    let emoji = check_emoji(emoji)?;
    let mode = match want {
        None => "toggle",
        Some(true) => "add",
        Some(false) => "remove",
    };
    let outcome = Spi::connect_mut(|client| {
        let args: [DatumWithOid; 4] = [id.into(), me.into(), emoji.as_str().into(), mode.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "with msg as (
                 select m.salon_id, m.is_deleted
                   from public.chat_messages m
                  where m.id = $1
                    and exists (select 1 from public.salon_members sm
                                 where sm.salon_id = m.salon_id and sm.user_id = $2)),
             d as (
                 delete from public.message_reactions r using msg
                  where $4 <> 'add' and not msg.is_deleted
                    and r.salon_id = msg.salon_id and r.message_id = $1 and r.user_id = $2 and r.emoji = $3
                 returning 1),
             i as (
                 insert into public.message_reactions (salon_id, message_id, user_id, emoji)
                 select msg.salon_id, $1, $2, $3 from msg
                  where $4 <> 'remove' and not msg.is_deleted and not exists (select 1 from d)
                 on conflict do nothing)
             select msg.is_deleted, exists (select 1 from d), c.n, c.mine
               from msg,
                    lateral (select count(*) as n, coalesce(bool_or(r.user_id = $2), false) as mine
                               from public.message_reactions r
                              where r.salon_id = msg.salon_id and r.message_id = $1 and r.emoji = $3) c",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: {e}"));
        if t.is_empty() {
            return None;
        }
        let r = t.first();
        Some((
            r.get::<bool>(1).ok().flatten().unwrap_or(false),
            r.get::<bool>(2).ok().flatten().unwrap_or(false),
            r.get::<i64>(3).ok().flatten().unwrap_or(0),
            r.get::<bool>(4).ok().flatten().unwrap_or(false),
        ))
    });
    let Some((deleted, removed, count_before, had)) = outcome else {
        return Err(ApiError::NotFound("message not found", "Ce message n'existe pas."));
    };
    if deleted {
        return Err(ApiError::NotFound("message not found", "Ce message a été supprimé."));
    }
    let action = if removed {
        "removed"
    } else if want == Some(false) {
        "unchanged"
    } else {
        "added"
    };
    // the snapshot counted her reaction if she had one; after the statement she has one
    // exactly when the action is "added" (inserted, or inserted by a concurrent call)
    let count = count_before - i64::from(had) + i64::from(action == "added");
    Ok(json!({
        "message_id": id,
        "emoji": emoji,
        "action": action,
        "reacted": action == "added",
        "count": count,
    }))
}

#[pg_extern(schema = "aurora_private", name = "toggle_message_reaction", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn toggle_message_reaction_core(message_id: Option<i64>, emoji: Option<String>) -> JsonB {
    respond(react(message_id, emoji, None))
}

crate::native_rpc!(aurora_toggle_message_reaction, pg_finfo_aurora_toggle_message_reaction, |message_id: i64, emoji: String| {
    react(message_id, emoji, None)
});

/// The seed's explicit form: `action` is add or remove.
fn handle_reaction(message_id: Option<i64>, emoji: Option<String>, action: Option<String>) -> ApiResult {
    let want = match action.as_deref() {
        Some("add") => true,
        Some("remove") => false,
        _ => return Err(ApiError::Invalid("action must be add or remove".into(), "Action invalide.")),
    };
    react(message_id, emoji, Some(want))
}

crate::native_rpc!(
    aurora_handle_message_reaction,
    pg_finfo_aurora_handle_message_reaction,
    |message_id: i64, emoji: String, action: String| handle_reaction(message_id, emoji, action)
);

#[pg_extern(schema = "aurora_private", name = "handle_message_reaction", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn handle_message_reaction_core(message_id: Option<i64>, emoji: Option<String>, action: Option<String>) -> JsonB {
    respond(handle_reaction(message_id, emoji, action))
}

extension_sql!(
    "-- who reacted with an emoji (the summaries' first three): a named type, so that clients'
-- generated types name its fields (full_name is null when she has given none)
create type reactor as (user_id uuid, full_name text);",
    name = "chat_reactor",
    requires = ["bootstrap"]
);

/// The first reactors of an emoji, returned as `reactor[]` (above): each a row formed
/// straight from its two values, the array made once per group; no JSON is built.
pub struct Reactors(Vec<(Option<pgrx::Uuid>, Option<String>)>);
crate::returned_as!(Reactors, "reactor[]");

impl IntoDatum for Reactors {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        let reactor = named_type("public.reactor");
        let rows = self.0.into_iter().map(|(user, name)| unsafe { form_row(reactor, &[user.into_datum(), name.into_datum()]) });
        Some(unsafe { form_array(reactor, rows.collect()) })
    }
    fn type_oid() -> pg_sys::Oid {
        unsafe { pg_sys::get_array_type(named_type("public.reactor")) }
    }
}

type Summary = TableIterator<
    'static,
    (
        name!(message_id, i64),
        name!(emoji, String),
        name!(count, i32),
        name!(reacted_by_me, bool),
        name!(reactors, Reactors),
    ),
>;

/// Per message and emoji: count, whether the caller reacted, the first three reactors.
/// By message id, and within a message by emoji in the order it was first used.
/// What a member sees, as the tables' policies would show it (SECURITY DEFINER, the rule
/// written once here instead of evaluated per table): messages of her salons that are not
/// deleted; others are silently absent. service_role sees every message not deleted.
/// One index-driven read of the messages and their reactions in reaction order, grouped
/// here: no per-group JSON aggregate built in SQL only to be cut to three and parsed back.
fn summaries(ids: Vec<i64>) -> Summary {
    // a member, or service_role (who reacted as nobody)
    let me = reader();
    if ids.len() > 500 {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "at most 500 message ids per call",
            None,
            Some("Trop de messages demandés à la fois."),
        );
    }
    TableIterator::new(
        reaction_groups(ids, me).into_iter().map(|g| (g.message_id, g.emoji, g.count, g.mine, Reactors(g.reactors))),
    )
}

/// Who reads messages and reactions: a member (Some), or service_role (None: every salon,
/// reacted as nobody). Anon is refused (42501).
fn reader() -> Option<pgrx::Uuid> {
    match crate::platform::caller::Caller::current() {
        crate::platform::caller::Caller::User(u) => Some(u),
        crate::platform::caller::Caller::Service => None,
        crate::platform::caller::Caller::Anon => Some(require_user_or_raise()),
    }
}

/// The reactions of one message with one emoji, as a summary shows them.
struct Group {
    message_id: i64,
    emoji: String,
    count: i32,
    mine: bool,
    reactors: Vec<(Option<pgrx::Uuid>, Option<String>)>,
}

/// The summaries of messages `ids` that `me` (a member, or None for service_role) may see:
/// by message id, and within a message by emoji in the order it was first used.
fn reaction_groups(ids: Vec<i64>, me: Option<pgrx::Uuid>) -> Vec<Group> {
    Spi::connect_mut(|client| {
        // $2: the member, or null for service_role (every salon)
        let args: [DatumWithOid; 2] = [ids.into(), me.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "select r.message_id, r.emoji, r.user_id, p.full_name
               from public.chat_messages m
               join public.message_reactions r on r.salon_id = m.salon_id and r.message_id = m.id
               left join public.profiles p on p.id = r.user_id
              where m.id = any($1) and not m.is_deleted
                and ($2 is null
                     or m.salon_id in (select sm.salon_id from public.salon_members sm where sm.user_id = $2))
              order by r.message_id, r.created_at, r.id",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: reactions summary: {e}"));
        group_reactions(t, me)
    })
}

/// The summaries of a page's messages: `ids` are messages of `salon` that the page has
/// already read as its reader may see them (in her salon, not deleted), so their reactions
/// are read straight from the salon's reaction index, without going back to the messages.
fn page_reaction_groups(salon: pgrx::Uuid, ids: Vec<i64>, me: Option<pgrx::Uuid>) -> Vec<Group> {
    Spi::connect_mut(|client| {
        let args: [DatumWithOid; 2] = [salon.into(), ids.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "select r.message_id, r.emoji, r.user_id, p.full_name
               from public.message_reactions r
               left join public.profiles p on p.id = r.user_id
              where r.salon_id = $1 and r.message_id = any($2)
              order by r.message_id, r.created_at, r.id",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: page reactions: {e}"));
        group_reactions(t, me)
    })
}

/// Reaction rows (message_id, emoji, user_id, full_name), by message and in reaction order,
/// folded into groups: count, whether `me` reacted, the first three reactors.
fn group_reactions(t: pgrx::spi::SpiTupleTable<'_>, me: Option<pgrx::Uuid>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    // rows of one message are contiguous; its emojis are few, so a linear look-up
    let mut first_of_message = 0;
    for row in t {
        let message_id = row.get::<i64>(1).ok().flatten().unwrap_or_default();
        let emoji = row.get::<String>(2).ok().flatten().unwrap_or_default();
        let user = row.get::<pgrx::Uuid>(3).ok().flatten();
        if groups.get(first_of_message).is_some_and(|g| g.message_id != message_id) {
            first_of_message = groups.len();
        }
        let at = match groups[first_of_message..].iter().position(|g| g.emoji == emoji) {
            Some(i) => first_of_message + i,
            None => {
                groups.push(Group { message_id, emoji, count: 0, mine: false, reactors: Vec::new() });
                groups.len() - 1
            }
        };
        let g = &mut groups[at];
        g.count += 1;
        g.mine |= me.is_some() && user == me;
        if g.reactors.len() < 3 {
            g.reactors.push((user, row.get::<String>(4).ok().flatten()));
        }
    }
    groups
}

#[pg_extern(stable, security_definer, requires = ["chat_reactor"])]
#[search_path(pg_catalog, pg_temp)]
fn get_message_reactions_summary(message_id: i64) -> TableIterator<
    'static,
    (
        name!(message_id, i64),
        name!(emoji, String),
        name!(count, i32),
        name!(reacted_by_me, bool),
        name!(reactors, Reactors),
    ),
> {
    summaries(vec![message_id])
}

#[pg_extern(stable, security_definer, requires = ["chat_reactor"])]
#[search_path(pg_catalog, pg_temp)]
fn get_all_message_reactions_batch(message_ids: Vec<Option<i64>>) -> TableIterator<
    'static,
    (
        name!(message_id, i64),
        name!(emoji, String),
        name!(count, i32),
        name!(reacted_by_me, bool),
        name!(reactors, Reactors),
    ),
> {
    summaries(message_ids.into_iter().flatten().collect())
}

extension_sql!(
    "-- A page of a salon's messages, as a chat screen shows it (get_salon_page): each message
-- with its author, the message it replies to, and its reactions summed up by emoji.
create type reaction_group as (emoji text, count integer, reacted_by_me boolean, reactors reactor[]);
create type salon_page_message as (
    id bigint, salon_id uuid, user_id uuid, content text, created_at timestamptz,
    author_name text, author_avatar text,
    reply_to_id bigint, reply_excerpt text, reply_author_name text,
    reactions reaction_group[]
);",
    name = "chat_page_types",
    requires = ["chat_reactor"]
);

/// One message of a page, formed as `salon_page_message` straight from its values.
pub struct PageMessage {
    id: i64,
    salon_id: pgrx::Uuid,
    user_id: Option<pgrx::Uuid>,
    content: Option<String>,
    created_at: Option<pgrx::datum::TimestampWithTimeZone>,
    author_name: Option<String>,
    author_avatar: Option<String>,
    reply_to_id: Option<i64>,
    reply_excerpt: Option<String>,
    reply_author_name: Option<String>,
    reactions: Vec<Group>,
}
crate::returned_as!(PageMessage, "salon_page_message");

impl PageMessage {
    /// Its attributes as `salon_page_message` orders them (reactions formed as
    /// `reaction_group[]`).
    fn attributes(self) -> [Option<pg_sys::Datum>; 11] {
        let group_type = named_type("public.reaction_group");
        let groups: Vec<pg_sys::Datum> = self
            .reactions
            .into_iter()
            .map(|g| unsafe {
                form_row(
                    group_type,
                    &[g.emoji.into_datum(), g.count.into_datum(), g.mine.into_datum(), Reactors(g.reactors).into_datum()],
                )
            })
            .collect();
        [
            self.id.into_datum(),
            self.salon_id.into_datum(),
            self.user_id.into_datum(),
            self.content.into_datum(),
            self.created_at.into_datum(),
            self.author_name.into_datum(),
            self.author_avatar.into_datum(),
            self.reply_to_id.into_datum(),
            self.reply_excerpt.into_datum(),
            self.reply_author_name.into_datum(),
            Some(unsafe { form_array(group_type, groups) }),
        ]
    }
}

impl IntoDatum for PageMessage {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        Some(unsafe { form_row(named_type("public.salon_page_message"), &self.attributes()) })
    }
    fn type_oid() -> pg_sys::Oid {
        named_type("public.salon_page_message")
    }
}

/// `get_salon_page`, a set-returning native function (platform/native.rs): all the rows in one call, returned
/// in materialize mode, so the function is entered once per page, not once per row (each
/// entry switches the role and sets search_path: ~9k instructions a row when it was
/// value-per-call).
#[unsafe(no_mangle)]
#[doc(hidden)]
pub extern "C" fn pg_finfo_aurora_get_salon_page() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

#[unsafe(no_mangle)]
#[doc(hidden)]
pub unsafe extern "C-unwind" fn aurora_get_salon_page(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    unsafe {
        crate::platform::native::materialized_srf(fcinfo, || {
            let salon_id: Option<pgrx::Uuid> = pgrx::fcinfo::pg_getarg(fcinfo, 0);
            let before: Option<i64> = pgrx::fcinfo::pg_getarg(fcinfo, 1);
            let size: Option<i32> = pgrx::fcinfo::pg_getarg(fcinfo, 2);
            salon_page(salon_id, before, size).into_iter().map(PageMessage::attributes).collect()
        })
    }
}

extension_sql!(
    "CREATE FUNCTION get_salon_page(salon_id uuid, before_message_id bigint DEFAULT NULL, page_size integer DEFAULT 50)
RETURNS SETOF salon_page_message
STABLE SECURITY DEFINER
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'aurora_get_salon_page';",
    name = "get_salon_page",
    requires = ["chat_page_types"]
);

/// A chat screen in one call: the salon's latest messages (or those before
/// `before_message_id`), newest first, `page_size` of them (50; at most 100), each with its
/// author, the message it replies to and its reactions by emoji (`reacted_by_me`, the first
/// three reactors). What a member sees, as the tables' policies show it: the messages of a
/// salon she belongs to, not deleted; any other salon's page is empty. Two kept plans, the
/// messages and their reactions; rows formed as their types, no JSON.
fn salon_page(
    salon_id: Option<pgrx::Uuid>,
    before_message_id: Option<i64>,
    page_size: Option<i32>,
) -> Vec<PageMessage> {
    let me = reader();
    let Some(salon_id) = salon_id else {
        raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "salon_id is required", None, Some("Salon manquant."));
    };
    let size = page_size.unwrap_or(50);
    if !(1..=100).contains(&size) {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "page_size must be between 1 and 100",
            None,
            Some("Trop de messages demandés à la fois."),
        );
    }
    let mut page: Vec<PageMessage> = Vec::with_capacity(size as usize);
    Spi::connect_mut(|client| {
        // $2: the member, or null for service_role (every salon)
        let args: [DatumWithOid; 4] = [salon_id.into(), me.into(), before_message_id.into(), size.into()];
        let t = run_kept(
            client,
            text_plan_slot!(),
            "select m.id, m.user_id, m.content, m.created_at, p.full_name, p.avatar_url, m.reply_to_id,
                    aurora_private.reply_excerpt(r.content, r.is_deleted), rp.full_name
               from public.chat_messages m
               left join public.profiles p on p.id = m.user_id
               left join public.chat_messages r on r.salon_id = m.salon_id and r.id = m.reply_to_id
               left join public.profiles rp on rp.id = r.user_id
              where m.salon_id = $1 and not m.is_deleted
                and ($2 is null
                     or exists (select 1 from public.salon_members sm where sm.salon_id = $1 and sm.user_id = $2))
                and ($3 is null
                     or (m.created_at, m.id) < (select b.created_at, b.id from public.chat_messages b
                                                 where b.salon_id = $1 and b.id = $3))
              order by m.created_at desc, m.id desc
              limit $4",
            &args,
        )
        .unwrap_or_else(|e| error!("aurora: salon page: {e}"));
        for row in t {
            page.push(PageMessage {
                id: row.get::<i64>(1).ok().flatten().unwrap_or_default(),
                salon_id,
                user_id: row.get(2).ok().flatten(),
                content: row.get(3).ok().flatten(),
                created_at: row.get(4).ok().flatten(),
                author_name: row.get(5).ok().flatten(),
                author_avatar: row.get(6).ok().flatten(),
                reply_to_id: row.get(7).ok().flatten(),
                reply_excerpt: row.get(8).ok().flatten(),
                reply_author_name: row.get(9).ok().flatten(),
                reactions: Vec::new(),
            });
        }
    });
    if !page.is_empty() {
        // groups come by message id; the page is by time: match them by id
        let mut groups = page_reaction_groups(salon_id, page.iter().map(|m| m.id).collect(), me).into_iter().peekable();
        let mut by_id: Vec<usize> = (0..page.len()).collect();
        by_id.sort_by_key(|&i| page[i].id);
        for i in by_id {
            while groups.peek().is_some_and(|g| g.message_id < page[i].id) {
                groups.next();
            }
            while groups.peek().is_some_and(|g| g.message_id == page[i].id) {
                page[i].reactions.extend(groups.next());
            }
        }
    }
    page
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use super::valid_emoji;

    #[pgrx::pg_test]
    fn emoji_validation() {
        for ok in ["❤️", "👍", "👍🏽", "👩‍👩‍👧", "🇫🇷", "1️⃣", "🏳️‍🌈", "☕", "🌸"] {
            assert!(valid_emoji(ok), "{ok:?} should be accepted");
        }
        for bad in ["", "a", "ok", "👍👍", "❤️ ", " ", "1", "é", "<3", "👍a"] {
            assert!(!valid_emoji(bad), "{bad:?} should be refused");
        }
    }
}
