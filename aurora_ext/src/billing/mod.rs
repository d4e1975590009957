//! Billing: Stripe events applied exactly once, and the member's entitlement they decide.
//!
//! **The state is a function of the set of events received**, not of their order, timing or
//! concurrency:
//! - every event of one Stripe customer is applied under one transaction-level advisory
//!   lock, taken by `aurora_private.apply_stripe_event` (billing/security.sql) before
//!   anything is read, so concurrent deliveries queue and each reads what the previous one
//!   committed; rows are then locked in one order (the subscription, then the member's
//!   account), so nothing deadlocks;
//! - each subscription row is the projection of its greatest event under one total order:
//!   `created`, then the status further along the lifecycle (incomplete < trialing <
//!   active/paused/unknown < past_due < unpaid < canceled: Stripe's timestamps are seconds,
//!   so `created` and `deleted` in one second end canceled), then the event id;
//! - the member's account (entitlement, `trial_ends_at`, `subscription_started_at`) is
//!   recomputed from all her subscription rows, never from the event at hand;
//! - an event whose customer is not mapped to a member yet is stored `pending` and applied
//!   by whichever transaction maps the customer (under the same lock, so it sees every
//!   pending event committed before it), or when Stripe delivers it again;
//! - emails are keyed by what they are about (one per invoice and outcome).
//!
//! **Entitlement** (`derive_entitlement` maps subscriptions to a plan; whether a trial
//! still runs is `aurora_private.entitlement()`, freemium's): `premium` while a
//! subscription is `active` or `past_due` (Stripe is still retrying the payment), `trial`
//! while one is `trialing` and its trial has not ended, otherwise `freemium` — `incomplete`, `incomplete_expired`, `unpaid`,
//! `paused`, `canceled` and any status Stripe adds later give nothing (an unknown status is
//! stored as sent and noted in the ledger's `reason`).
//!
//! **Poison events**: a signed event with data aurora cannot store (an id of unexpected
//! shape, a time or amount out of range…) is recorded `rejected` with its reason, and
//! nothing else is written (`validate`).
use crate::platform::error::raise;
use crate::platform::spi::query_one;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

const STATUS_RANK: &str = "case $S when 'incomplete' then 0 when 'incomplete_expired' then 0 when 'trialing' then 1
                          when 'past_due' then 3 when 'unpaid' then 4 when 'canceled' then 5
                          else 2 end";

/// The statuses Stripe documents for a subscription; others are stored and noted.
const KNOWN_STATUSES: &[&str] =
    &["incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"];

fn rank(expr: &str) -> String {
    STATUS_RANK.replace("$S", expr)
}

// -- validation -----------------------------------------------------------------------

/// Unix times aurora stores: 2000-01-01 to 2099-12-31.
const TIME_RANGE: std::ops::RangeInclusive<i64> = 946_684_800..=4_102_444_799;

/// A Stripe id: `prefix_` then letters, digits and underscores, at most 255 characters.
fn stripe_id_ok(id: &str, prefix: &str) -> bool {
    id.len() <= 255
        && id.strip_prefix(prefix).is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// Checks what aurora will store from an event it handles; the reason when it cannot.
fn validate(event: &Value) -> Result<(), String> {
    let id = event["id"].as_str().unwrap_or_default();
    if !stripe_id_ok(id, "evt_") {
        return Err(format!("event id of unexpected shape: {:.60}", id));
    }
    match event["created"].as_i64() {
        Some(t) if TIME_RANGE.contains(&t) => {}
        _ => return Err(format!("event created time out of range: {}", event["created"])),
    }
    let obj = &event["data"]["object"];
    let kind = event["type"].as_str().unwrap_or_default();
    let (prefix, times, amounts): (&str, &[&str], &[&Value]) = match kind {
        "checkout.session.completed" => ("cs_", &[], &[]),
        k if k.starts_with("customer.subscription.") => (
            "sub_",
            &["current_period_start", "current_period_end", "trial_start", "trial_end", "start_date",
              "created", "canceled_at", "ended_at", "cancel_at"],
            &[&obj["items"]["data"][0]["price"]["unit_amount"]],
        ),
        "invoice.payment_succeeded" | "invoice.payment_failed" => ("in_", &[], &[&obj["amount_paid"], &obj["amount_due"]]),
        _ => return Ok(()), // recorded as ignored: nothing of it is stored but the ledger row
    };
    let object_id = obj["id"].as_str().unwrap_or_default();
    if !stripe_id_ok(object_id, prefix) {
        return Err(format!("{kind}: object id of unexpected shape: {:.60}", object_id));
    }
    for (field, want) in [("customer", "cus_"), ("subscription", "sub_")] {
        match &obj[field] {
            Value::Null => {}
            Value::String(s) if stripe_id_ok(s, want) => {}
            other => return Err(format!("{kind}: {field} of unexpected shape: {:.60}", other.to_string())),
        }
    }
    if let Some(sub) = obj["parent"]["subscription_details"]["subscription"].as_str() {
        if !stripe_id_ok(sub, "sub_") {
            return Err(format!("{kind}: parent subscription of unexpected shape: {:.60}", sub));
        }
    }
    let item = &obj["items"]["data"][0];
    for field in times {
        for v in [&obj[*field], &item[*field]] {
            if !v.is_null() && !v.as_i64().is_some_and(|t| TIME_RANGE.contains(&t)) {
                return Err(format!("{kind}: {field} out of range: {:.40}", v.to_string()));
            }
        }
    }
    for v in amounts {
        if !v.is_null() && !v.as_i64().is_some_and(|a| (0..=i64::from(i32::MAX)).contains(&a)) {
            return Err(format!("{kind}: amount out of range: {:.40}", v.to_string()));
        }
    }
    if kind.starts_with("customer.subscription.") {
        let status = obj["status"].as_str().unwrap_or_default();
        let shaped = !status.is_empty()
            && status.len() <= 40
            && status.starts_with(|c: char| c.is_ascii_lowercase())
            && status.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if !shaped {
            return Err(format!("{kind}: status of unexpected shape: {:.40}", obj["status"].to_string()));
        }
    }
    Ok(())
}

// -- members --------------------------------------------------------------------------

fn uuid_from(v: &Value) -> Option<pgrx::Uuid> {
    crate::platform::api::parse_uuid(v.as_str()?)
}

fn existing_user(candidate: Option<pgrx::Uuid>) -> Option<pgrx::Uuid> {
    let c = candidate?;
    query_one!(bool, "select exists (select 1 from public.profiles where id = $1)", &[c.into()])
        .filter(|b| *b)
        .map(|_| c)
}

/// The member behind a Stripe object: explicit ids first, then the stored mappings (her
/// account's customer, a subscription of that customer, the subscription itself).
fn resolve_user(obj: &Value, subscription_id: Option<&str>) -> Option<pgrx::Uuid> {
    existing_user(uuid_from(&obj["client_reference_id"]))
        .or_else(|| existing_user(uuid_from(&obj["metadata"]["user_id"])))
        .or_else(|| {
            let customer = obj["customer"].as_str()?;
            query_one!(
                pgrx::Uuid,
                "select coalesce((select id from public.member_accounts where stripe_customer_id = $1),
                                 (select user_id from public.subscriptions
                                   where customer_id = $1 and user_id is not null order by id limit 1))",
                &[customer.into()]
            )
        })
        .or_else(|| {
            let sub = subscription_id?;
            query_one!(pgrx::Uuid, "select user_id from public.subscriptions where id = $1 and user_id is not null", &[sub.into()])
        })
}

/// Recomputes a member's entitlement, trial end and subscription start from all her
/// subscriptions (the one place the entitlement rule lives for billing). Her account row is
/// locked first, in a statement of its own, so that the computation reads every
/// subscription committed by whoever held the lock before.
fn derive_entitlement(user: pgrx::Uuid) {
    crate::platform::spi::exec!("select 1 from public.member_accounts where id = $1 for update", &[user.into()])
        .unwrap_or_else(|e| error!("aurora: derive_entitlement: {e}"));
    crate::platform::spi::exec!(
        "with subs as (
             select * from public.subscriptions where user_id = $1
         ), best as (
             select status from subs
              where status in ('active', 'past_due', 'trialing')
              order by case status when 'active' then 0 when 'past_due' then 1 else 2 end,
                       current_period_end desc nulls last, id
              limit 1
         ), facts as (
             -- n: subscriptions Stripe has told us about (a checkout's placeholder, with no
             -- event of its own yet, does not end a trial aurora granted)
             select count(*) filter (where last_event_created is not null) as n, max(trial_end) as trial_end,
                    min(started_at) filter (where status not in ('incomplete', 'incomplete_expired')) as started
               from subs
         )
         update public.member_accounts p
            -- the plan her subscriptions give, as of now (a trial past its end is over:
            -- the one entitlement rule, freemium/api.sql)
            set subscription_type = aurora_private.entitlement(
                    case when b.status in ('active', 'past_due') then 'premium'
                         when b.status = 'trialing' then 'trial'
                         -- no Stripe subscription: what she has (a trial aurora granted
                         -- runs its course)
                         when f.n = 0 then p.subscription_type
                         else 'freemium' end,
                    coalesce(f.trial_end, p.trial_ends_at)),
                trial_ends_at = coalesce(f.trial_end, p.trial_ends_at),
                subscription_started_at = case when f.started is null then p.subscription_started_at
                                               else least(p.subscription_started_at, f.started) end
           from facts f left join best b on true
          where p.id = $1",
        &[user.into()],
    )
    .unwrap_or_else(|e| error!("aurora: derive_entitlement: {e}"));
}

/// Links a Stripe customer to a member: her subscriptions of that customer, then her
/// account (first link wins: a customer id is one member's).
fn map_customer(user: pgrx::Uuid, customer: &str, session: Option<&str>) {
    crate::platform::spi::exec!(
        "update public.subscriptions set user_id = $1 where customer_id = $2 and user_id is null",
        &[user.into(), customer.into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
    crate::platform::spi::exec!(
        "update public.member_accounts p
            set stripe_customer_id = coalesce(p.stripe_customer_id, $2),
                stripe_session_id = coalesce($3, p.stripe_session_id)
          where p.id = $1
            and not exists (select 1 from public.member_accounts o where o.stripe_customer_id = $2 and o.id <> $1)",
        &[user.into(), customer.into(), session.into()],
    )
    .unwrap_or_else(|e| error!("aurora: map_customer: {e}"));
}

fn ts(v: &Value) -> Option<f64> {
    v.as_i64().map(|t| t as f64)
}

/// What applying an event did: its ledger status, the member, a note for the ledger.
struct Outcome {
    status: &'static str,
    user: Option<pgrx::Uuid>,
    reason: Option<String>,
}

impl Outcome {
    fn new(status: &'static str, user: Option<pgrx::Uuid>) -> Outcome {
        Outcome { status, user, reason: None }
    }
}

fn apply_subscription(event: &Value, obj: &Value, user: Option<pgrx::Uuid>) -> Outcome {
    let item = &obj["items"]["data"][0];
    let price = &item["price"];
    let amount = price["unit_amount"].as_i64();
    let interval = price["recurring"]["interval"].as_str();
    let currency = price["currency"].as_str().or(obj["currency"].as_str());
    let plan = match (amount, interval, currency) {
        (Some(4700), Some("month"), Some("eur")) => "premium_monthly",
        (Some(47000), Some("year"), Some("eur")) => "premium_annual",
        _ => "other",
    };
    let status = if event["type"] == "customer.subscription.deleted" {
        "canceled"
    } else {
        obj["status"].as_str().unwrap_or("incomplete")
    };
    let reason = (!KNOWN_STATUSES.contains(&status))
        .then(|| format!("unknown subscription status '{status}': stored, gives no entitlement"));
    // API versions differ on where the period lives (subscription or item)
    let period_start = ts(&obj["current_period_start"]).or(ts(&item["current_period_start"]));
    let period_end = ts(&obj["current_period_end"]).or(ts(&item["current_period_end"]));
    let sql = format!(
        "insert into public.subscriptions as s
             (id, user_id, customer_id, status, price_id, plan, amount, currency, billing_interval,
              current_period_start, current_period_end, cancel_at_period_end, trial_start, trial_end,
              started_at, canceled_at, ended_at, last_event_created, last_event_id, cancel_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10), to_timestamp($11), $12,
                 to_timestamp($13), to_timestamp($14), to_timestamp($15), to_timestamp($16),
                 to_timestamp($17), to_timestamp($18), $19, to_timestamp($20))
         on conflict (id) do update
            set user_id = coalesce(excluded.user_id, s.user_id),
                customer_id = coalesce(excluded.customer_id, s.customer_id),
                status = excluded.status, price_id = excluded.price_id, plan = excluded.plan,
                amount = excluded.amount, currency = excluded.currency,
                billing_interval = excluded.billing_interval,
                current_period_start = excluded.current_period_start,
                current_period_end = excluded.current_period_end,
                cancel_at_period_end = excluded.cancel_at_period_end, cancel_at = excluded.cancel_at,
                trial_start = excluded.trial_start, trial_end = excluded.trial_end,
                started_at = coalesce(s.started_at, excluded.started_at),
                canceled_at = excluded.canceled_at, ended_at = excluded.ended_at,
                last_event_created = excluded.last_event_created, last_event_id = excluded.last_event_id
          where s.last_event_created is null
             or (excluded.last_event_created, {}, excluded.last_event_id)
                >= (s.last_event_created, {}, s.last_event_id)
         returning true",
        rank("excluded.status"),
        rank("s.status")
    );
    let applied = query_one!(bool,
        &sql,
        &[
            obj["id"].as_str().into(),
            user.into(),
            obj["customer"].as_str().into(),
            status.into(),
            price["id"].as_str().into(),
            plan.into(),
            amount.map(|a| a as i32).into(),
            currency.into(),
            interval.into(),
            period_start.into(),
            period_end.into(),
            obj["cancel_at_period_end"].as_bool().unwrap_or(false).into(),
            ts(&obj["trial_start"]).into(),
            ts(&obj["trial_end"]).into(),
            ts(&obj["start_date"]).or(ts(&obj["created"])).into(),
            ts(&obj["canceled_at"]).into(),
            ts(&obj["ended_at"]).into(),
            ts(&event["created"]).into(),
            event["id"].as_str().into(),
            ts(&obj["cancel_at"]).into(),
        ],
    )
    .unwrap_or(false);
    let status = match (applied, user) {
        (false, _) => "stale",
        (true, Some(u)) => {
            if let Some(customer) = obj["customer"].as_str() {
                map_customer(u, customer, None);
            }
            derive_entitlement(u);
            "applied"
        }
        (true, None) => "pending",
    };
    Outcome { status, user, reason }
}

/// One email per invoice and outcome. A €0 invoice (a trial's first) is no payment.
fn queue_payment_email(event: &Value, obj: &Value, user: pgrx::Uuid) {
    let succeeded = event["type"] == "invoice.payment_succeeded";
    let amount = if succeeded { obj["amount_paid"].as_i64() } else { obj["amount_due"].as_i64() }.unwrap_or(0);
    if succeeded && amount == 0 {
        return;
    }
    let template = if succeeded { "payment-success" } else { "payment-failed" };
    let params = json!({
        "montant": format!("{},{:02}", amount / 100, amount % 100),
        "devise": obj["currency"].as_str().unwrap_or("eur").to_uppercase(),
        "facture_url": obj["hosted_invoice_url"],
        "invoice_id": obj["id"],
    });
    crate::platform::spi::exec!(
        "select aurora_private.queue_email($1, $2, $3, 'stripe:' || $1 || ':' || $4, $5)",
        &[
            template.into(),
            user.into(),
            JsonB(params).into(),
            obj["id"].as_str().unwrap_or_default().into(),
            obj["customer_email"].as_str().into(),
        ],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
}

/// Applies one event whose ledger row exists.
fn apply(event: &Value) -> Outcome {
    let obj = &event["data"]["object"];
    match event["type"].as_str().unwrap_or_default() {
        "checkout.session.completed" => {
            let subscription = obj["subscription"].as_str();
            let Some(user) = resolve_user(obj, subscription) else { return Outcome::new("pending", None) };
            if let Some(sub) = subscription {
                crate::platform::spi::exec!(
                    "insert into public.subscriptions (id, user_id, customer_id, status)
                     values ($1, $2, $3, 'incomplete')
                     on conflict (id) do update set user_id = coalesce(subscriptions.user_id, excluded.user_id)",
                    &[sub.into(), user.into(), obj["customer"].as_str().into()],
                )
                .unwrap_or_else(|e| error!("aurora: {e}"));
            }
            if let Some(customer) = obj["customer"].as_str() {
                map_customer(user, customer, obj["id"].as_str());
            }
            derive_entitlement(user);
            Outcome::new("applied", Some(user))
        }
        "customer.subscription.created" | "customer.subscription.updated" | "customer.subscription.deleted" => {
            let user = resolve_user(obj, obj["id"].as_str());
            apply_subscription(event, obj, user)
        }
        "invoice.payment_succeeded" | "invoice.payment_failed" => {
            let sub = obj["subscription"].as_str().or(obj["parent"]["subscription_details"]["subscription"].as_str());
            match resolve_user(obj, sub) {
                Some(user) => {
                    queue_payment_email(event, obj, user);
                    Outcome::new("applied", Some(user))
                }
                None => Outcome::new("pending", None),
            }
        }
        _ => Outcome::new("ignored", None),
    }
}

/// Applies, oldest first, the events of this customer that waited for her member. Runs
/// under the customer's lock, so it sees every pending event committed before it.
fn replay_pending(customer: &str) {
    let pending = query_one!(JsonB,
        "select coalesce(jsonb_agg(payload order by created, id), '[]') from public.stripe_events
          where status = 'pending' and customer_id = $1",
        &[customer.into()],
    )
    .map(|j| j.0)
    .unwrap_or(Value::Null);
    for event in pending.as_array().into_iter().flatten() {
        let outcome = apply(event);
        record(event, &outcome);
    }
}

fn record(event: &Value, outcome: &Outcome) {
    crate::platform::spi::exec!(
        "update public.stripe_events
            set status = $2, user_id = coalesce($3, user_id), reason = $4, processed_at = now()
          where id = $1",
        &[event["id"].as_str().into(), outcome.status.into(), outcome.user.into(), outcome.reason.as_deref().into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
}

fn answer(id: &str, kind: &str, outcome: &Outcome) -> JsonB {
    JsonB(json!({ "event_id": id, "type": kind, "status": outcome.status,
                  "user_id": outcome.user.map(|u| u.to_string()), "reason": outcome.reason }))
}

/// Records a verified Stripe event once and applies it. Called through
/// `aurora_private.apply_stripe_event` (billing/security.sql), which holds the customer's
/// lock. A redelivery answers `duplicate` and changes nothing, except for an event still
/// `pending` or `rejected`, which is tried again.
#[pg_extern(schema = "aurora_private", name = "apply_stripe_event_core", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn apply_stripe_event(event: JsonB) -> JsonB {
    let e = event.0;
    let (Some(id), Some(kind), Some(_)) = (e["id"].as_str(), e["type"].as_str(), e["created"].as_i64()) else {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "not a Stripe event (id, type and created are required)",
            None,
            None,
        )
    };
    if e["object"] != "event" {
        raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "not a Stripe event", None, None);
    }
    let before = query_one!(String, "select status from public.stripe_events where id = $1", &[id.into()]);
    if matches!(before.as_deref(), Some("applied" | "ignored" | "stale")) {
        return JsonB(json!({ "event_id": id, "status": "duplicate" }));
    }
    if let Err(reason) = validate(&e) {
        return crate::platform::spi::json_one!(
            "select aurora_private.reject_stripe_event($1, $2)",
            &[JsonB(e.clone()).into(), reason.into()]
        )
        .map(JsonB)
        .unwrap_or_else(|| error!("aurora: reject_stripe_event answered nothing"));
    }
    // Not seen yet: recorded. Seen but `pending` (its customer had no member yet) or
    // `rejected`: Stripe delivers it again (or an operator resends it from Stripe's
    // dashboard once the cause is fixed), so it is tried again.
    if before.is_none() {
        crate::platform::spi::exec!(
            "insert into public.stripe_events (id, type, created, livemode, customer_id, object_id, payload)
             values ($1, $2, to_timestamp(($3::jsonb ->> 'created')::float8), coalesce($3::jsonb -> 'livemode' = 'true', false),
                     aurora_private.stripe_event_customer($3), $3::jsonb #>> '{data,object,id}', $3)",
            &[id.into(), kind.into(), JsonB(e.clone()).into()],
        )
        .unwrap_or_else(|e| error!("aurora: {e}"));
    }
    let outcome = apply(&e);
    record(&e, &outcome);
    if let (Some(_), Some(customer)) = (outcome.user, e["data"]["object"]["customer"].as_str()) {
        replay_pending(customer);
    }
    answer(id, kind, &outcome)
}
