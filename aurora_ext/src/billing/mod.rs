//! Billing: Stripe events applied exactly once and in order, and the entitlement they
//! decide (`premium` while a subscription is active or past due, `trial` while trialing,
//! `freemium` otherwise). The edge verifies the signature and hands the event here; all
//! state changes happen in one transaction with the ledger row.
//!
//! Order: each subscription keeps the `created` time of the newest event applied to it
//! (its watermark). An older event is recorded as `stale` and changes nothing. On a tie
//! (Stripe timestamps are seconds), the event whose status is further along the
//! lifecycle wins (incomplete < trialing < active < past_due < unpaid < canceled), so
//! `created` and `deleted` in the same second end canceled whatever the delivery order.
use crate::platform::error::raise;
use crate::platform::spi::query_one;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

const STATUS_RANK: &str = "case $S when 'incomplete' then 0 when 'trialing' then 1 when 'active' then 2
                          when 'paused' then 2 when 'past_due' then 3 when 'unpaid' then 4
                          else 5 end";

fn rank(expr: &str) -> String {
    STATUS_RANK.replace("$S", expr)
}

fn uuid_from(v: &Value) -> Option<pgrx::Uuid> {
    crate::platform::api::parse_uuid(v.as_str()?)
}

fn existing_user(candidate: Option<pgrx::Uuid>) -> Option<pgrx::Uuid> {
    let c = candidate?;
    query_one!(bool, "select exists (select 1 from public.profiles where id = $1)", &[c.into()])
        .filter(|b| *b)
        .map(|_| c)
}

/// The member behind a Stripe object: explicit ids first, then the stored mapping.
fn resolve_user(obj: &Value, subscription_id: Option<&str>) -> Option<pgrx::Uuid> {
    existing_user(uuid_from(&obj["client_reference_id"]))
        .or_else(|| existing_user(uuid_from(&obj["metadata"]["user_id"])))
        .or_else(|| {
            let customer = obj["customer"].as_str()?;
            query_one!(pgrx::Uuid, "select id from public.profiles where stripe_customer_id = $1", &[customer.into()])
        })
        .or_else(|| {
            let sub = subscription_id?;
            query_one!(pgrx::Uuid, "select user_id from public.subscriptions where id = $1 and user_id is not null", &[sub.into()])
        })
}

/// Recomputes a member's entitlement from her subscriptions.
fn derive_entitlement(user: pgrx::Uuid) {
    crate::platform::spi::exec!(
        "with best as (
             select status, trial_end, started_at, customer_id from public.subscriptions
              where user_id = $1 and status in ('active', 'past_due', 'trialing')
              order by case status when 'active' then 0 when 'past_due' then 1 else 2 end,
                       current_period_end desc nulls last
              limit 1
         )
         update public.profiles p
            set subscription_type = case
                    when b.status in ('active', 'past_due') then 'premium'
                    when b.status = 'trialing' then 'trial'
                    -- a trial aurora granted (no card) runs its course
                    when p.subscription_type = 'trial' and p.trial_ends_at > now()
                         and not exists (select 1 from public.subscriptions s where s.user_id = $1) then 'trial'
                    else 'freemium' end,
                trial_ends_at = case when b.status = 'trialing' then b.trial_end else p.trial_ends_at end,
                subscription_started_at = case when b.status is null then p.subscription_started_at
                                               else coalesce(p.subscription_started_at, b.started_at, now()) end
           from (select 1) one left join best b on true
          where p.id = $1",
        &[user.into()],
    )
    .unwrap_or_else(|e| error!("aurora: derive_entitlement: {e}"));
}

/// Links a Stripe customer to a member (first link wins: a customer id is one member's).
fn map_customer(user: pgrx::Uuid, customer: &str, session: Option<&str>) {
    crate::platform::spi::exec!(
        "update public.profiles p
            set stripe_customer_id = coalesce(p.stripe_customer_id, $2),
                stripe_session_id = coalesce($3, p.stripe_session_id)
          where p.id = $1
            and not exists (select 1 from public.profiles o where o.stripe_customer_id = $2 and o.id <> $1)",
        &[user.into(), customer.into(), session.into()],
    )
    .unwrap_or_else(|e| error!("aurora: map_customer: {e}"));
    crate::platform::spi::exec!(
        "update public.subscriptions set user_id = $1 where customer_id = $2 and user_id is null",
        &[user.into(), customer.into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
}

fn ts(v: &Value) -> Option<f64> {
    v.as_i64().map(|t| t as f64)
}

fn apply_subscription(event: &Value, obj: &Value, user: Option<pgrx::Uuid>) -> &'static str {
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
    // API versions differ on where the period lives (subscription or item)
    let period_start = ts(&obj["current_period_start"]).or(ts(&item["current_period_start"]));
    let period_end = ts(&obj["current_period_end"]).or(ts(&item["current_period_end"]));
    let sql = format!(
        "insert into public.subscriptions as s
             (id, user_id, customer_id, status, price_id, plan, amount, currency, billing_interval,
              current_period_start, current_period_end, cancel_at_period_end, trial_start, trial_end,
              started_at, canceled_at, ended_at, last_event_created, last_event_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10), to_timestamp($11), $12,
                 to_timestamp($13), to_timestamp($14), to_timestamp($15), to_timestamp($16),
                 to_timestamp($17), to_timestamp($18), $19)
         on conflict (id) do update
            set user_id = coalesce(excluded.user_id, s.user_id),
                customer_id = coalesce(excluded.customer_id, s.customer_id),
                status = excluded.status, price_id = excluded.price_id, plan = excluded.plan,
                amount = excluded.amount, currency = excluded.currency,
                billing_interval = excluded.billing_interval,
                current_period_start = excluded.current_period_start,
                current_period_end = excluded.current_period_end,
                cancel_at_period_end = excluded.cancel_at_period_end,
                trial_start = excluded.trial_start, trial_end = excluded.trial_end,
                started_at = coalesce(s.started_at, excluded.started_at),
                canceled_at = excluded.canceled_at, ended_at = excluded.ended_at,
                last_event_created = excluded.last_event_created, last_event_id = excluded.last_event_id
          where s.last_event_created is null
             or excluded.last_event_created > s.last_event_created
             or (excluded.last_event_created = s.last_event_created and {} >= {})
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
        ],
    )
    .unwrap_or(false);
    if !applied {
        return "stale";
    }
    match user {
        Some(u) => {
            if let Some(customer) = obj["customer"].as_str() {
                map_customer(u, customer, None);
            }
            derive_entitlement(u);
            "applied"
        }
        None => "pending",
    }
}

fn queue_payment_email(event: &Value, obj: &Value, user: pgrx::Uuid) {
    let template = if event["type"] == "invoice.payment_succeeded" { "payment-success" } else { "payment-failed" };
    let amount = obj["amount_paid"].as_i64().filter(|a| *a > 0).or(obj["amount_due"].as_i64()).unwrap_or(0);
    let params = json!({
        "montant": format!("{},{:02}", amount / 100, amount % 100),
        "devise": obj["currency"].as_str().unwrap_or("eur").to_uppercase(),
        "facture_url": obj["hosted_invoice_url"],
        "invoice_id": obj["id"],
    });
    crate::platform::spi::exec!(
        "insert into public.email_outbox (template, user_id, recipient_email, params, idempotency_key)
         select $1, p.id, coalesce(p.email, $4), $2, 'stripe:' || $1 || ':' || $3
           from public.profiles p where p.id = $5 and coalesce(p.email, $4) is not null
         on conflict (idempotency_key) do nothing",
        &[
            template.into(),
            JsonB(params).into(),
            obj["id"].as_str().unwrap_or_default().into(),
            obj["customer_email"].as_str().into(),
            user.into(),
        ],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
}

/// Applies one event whose ledger row exists; returns its status.
fn apply(event: &Value) -> (&'static str, Option<pgrx::Uuid>) {
    let obj = &event["data"]["object"];
    match event["type"].as_str().unwrap_or_default() {
        "checkout.session.completed" => {
            let subscription = obj["subscription"].as_str();
            let Some(user) = resolve_user(obj, subscription) else { return ("pending", None) };
            if let Some(customer) = obj["customer"].as_str() {
                map_customer(user, customer, obj["id"].as_str());
            }
            if let Some(sub) = subscription {
                crate::platform::spi::exec!(
                    "insert into public.subscriptions (id, user_id, customer_id, status)
                     values ($1, $2, $3, 'incomplete')
                     on conflict (id) do update set user_id = coalesce(subscriptions.user_id, excluded.user_id)",
                    &[sub.into(), user.into(), obj["customer"].as_str().into()],
                )
                .unwrap_or_else(|e| error!("aurora: {e}"));
            }
            derive_entitlement(user);
            if let Some(customer) = obj["customer"].as_str() {
                replay_pending(customer);
            }
            ("applied", Some(user))
        }
        "customer.subscription.created" | "customer.subscription.updated" | "customer.subscription.deleted" => {
            let user = resolve_user(obj, obj["id"].as_str());
            (apply_subscription(event, obj, user), user)
        }
        "invoice.payment_succeeded" | "invoice.payment_failed" => {
            let sub = obj["subscription"].as_str().or(obj["parent"]["subscription_details"]["subscription"].as_str());
            match resolve_user(obj, sub) {
                Some(user) => {
                    queue_payment_email(event, obj, user);
                    ("applied", Some(user))
                }
                None => ("pending", None),
            }
        }
        _ => ("ignored", None),
    }
}

/// Applies, in order, the events that waited for this customer's member.
fn replay_pending(customer: &str) {
    let pending = query_one!(JsonB, 
        "select coalesce(jsonb_agg(payload order by created, id), '[]') from public.stripe_events
          where status = 'pending' and customer_id = $1",
        &[customer.into()],
    )
    .map(|j| j.0)
    .unwrap_or(Value::Null);
    for event in pending.as_array().into_iter().flatten() {
        let (status, user) = apply(event);
        record(event, status, user);
    }
}

fn record(event: &Value, status: &str, user: Option<pgrx::Uuid>) {
    crate::platform::spi::exec!(
        "update public.stripe_events set status = $2, user_id = coalesce($3, user_id), processed_at = now()
          where id = $1",
        &[event["id"].as_str().into(), status.into(), user.into()],
    )
    .unwrap_or_else(|e| error!("aurora: {e}"));
}

/// Records a verified Stripe event once and applies it. A redelivery (same id) answers
/// `duplicate` and changes nothing; concurrent deliveries of one event queue on the
/// ledger's primary key, and exactly one applies it. Called through
/// `aurora_private.apply_stripe_event` (billing/security.sql), which refuses a document
/// nested deeper than any Stripe object before it is parsed here.
#[pg_extern(schema = "aurora_private", name = "apply_stripe_event_core", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn apply_stripe_event(event: JsonB) -> JsonB {
    let e = event.0;
    let (Some(id), Some(kind), Some(created)) = (e["id"].as_str(), e["type"].as_str(), e["created"].as_i64()) else {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            "not a Stripe event (id, type and created are required)",
            None,
            None,
        )
    };
    if !id.starts_with("evt_") || e["object"] != "event" {
        raise(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, "not a Stripe event", None, None);
    }
    let obj = &e["data"]["object"];
    let customer = obj["customer"].as_str().or_else(|| {
        if obj["object"] == "customer" { obj["id"].as_str() } else { None }
    });
    let fresh = query_one!(bool, 
        "insert into public.stripe_events (id, type, created, livemode, customer_id, object_id, payload)
         values ($1, $2, to_timestamp($3), $4, $5, $6, $7)
         on conflict (id) do nothing
         returning true",
        &[
            id.into(),
            kind.into(),
            (created as f64).into(),
            e["livemode"].as_bool().unwrap_or(false).into(),
            customer.into(),
            obj["id"].as_str().into(),
            JsonB(e.clone()).into(),
        ],
    )
    .unwrap_or(false);
    if !fresh {
        return JsonB(json!({ "event_id": id, "status": "duplicate" }));
    }
    let (status, user) = apply(&e);
    record(&e, status, user);
    JsonB(json!({ "event_id": id, "type": kind, "status": status, "user_id": user.map(|u| u.to_string()) }))
}
