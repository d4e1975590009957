//! Privacy: everything an account holds, as one JSON document; and erasure.
use crate::platform::api::require_user_or_raise;
use crate::platform::error::raise;
use pgrx::prelude::*;
use pgrx::JsonB;

// The public export and erasure request, native.
crate::native_rpc!(aurora_export_my_data, pg_finfo_aurora_export_my_data, | | Ok(export_my_data().0));
crate::native_rpc!(aurora_delete_my_account, pg_finfo_aurora_delete_my_account, | | Ok(delete_my_account().0));

/// One JSON document with everything the caller's account holds.
#[pg_extern(schema = "aurora_private", stable, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn export_my_data() -> JsonB {
    let me = require_user_or_raise();
    crate::platform::spi::get_one!(JsonB, 
        "select jsonb_build_object(
            'exported_at', now(),
            'account', (select jsonb_build_object('id', u.id, 'email', u.email, 'phone', u.phone,
                                                  'created_at', u.created_at, 'last_sign_in_at', u.last_sign_in_at,
                                                  'email_confirmed_at', u.email_confirmed_at,
                                                  'user_metadata', u.raw_user_meta_data)
                          from auth.users u where u.id = $1),
            'profile', (select to_jsonb(m) from public.my_account m where m.id = $1),
            'stats', (select to_jsonb(s) - 'user_id' from public.user_stats s where s.user_id = $1),
            'salons', coalesce((select jsonb_agg(jsonb_build_object('salon_id', m.salon_id, 'name', s.name,
                                    'role', m.role, 'joined_at', m.joined_at,
                                    'notifications_enabled', m.notifications_enabled) order by m.joined_at)
                                  from public.salon_members m join public.salons s on s.id = m.salon_id
                                 where m.user_id = $1), '[]'),
            'salons_owned', coalesce((select jsonb_agg(to_jsonb(s) order by s.created_at)
                                        from public.salons s where s.owner_id = $1), '[]'),
            'messages', coalesce((select jsonb_agg(jsonb_build_object('id', m.id, 'salon_id', m.salon_id,
                                     'content', m.content, 'reply_to_id', m.reply_to_id,
                                     'is_deleted', m.is_deleted, 'created_at', m.created_at) order by m.created_at, m.id)
                                    from public.chat_messages m where m.user_id = $1), '[]'),
            'reactions', coalesce((select jsonb_agg(jsonb_build_object('message_id', r.message_id,
                                      'emoji', r.emoji, 'created_at', r.created_at) order by r.created_at)
                                     from public.message_reactions r where r.user_id = $1), '[]'),
            'invitations_sent', coalesce((select jsonb_agg(to_jsonb(i) order by i.created_at)
                                            from public.salon_invitations i where i.invited_by = $1), '[]'),
            'enrollments', coalesce((select jsonb_agg(to_jsonb(e) - 'user_id' order by e.enrolled_at)
                                       from public.enrollments e where e.user_id = $1), '[]'),
            'courses', coalesce((select jsonb_agg(to_jsonb(c) - 'user_id' order by c.started_at)
                                   from public.user_courses c where c.user_id = $1), '[]'),
            'lesson_progress', coalesce((select jsonb_agg(to_jsonb(p) - 'user_id' order by p.created_at)
                                           from public.user_lesson_progress p where p.user_id = $1), '[]'),
            'achievements', coalesce((select jsonb_agg(to_jsonb(a) - 'user_id' order by a.earned_at)
                                        from public.user_achievements a where a.user_id = $1), '[]'),
            'activities', coalesce((select jsonb_agg(to_jsonb(a) - 'user_id' order by a.created_at)
                                      from public.user_activities a where a.user_id = $1), '[]'),
            'progress_history', coalesce((select jsonb_agg(to_jsonb(h) - 'user_id' order by h.activity_date)
                                            from public.user_progress_history h where h.user_id = $1), '[]'),
            'emails', coalesce((select jsonb_agg(jsonb_build_object('template', o.template, 'status', o.status,
                                   'created_at', o.created_at, 'sent_at', o.sent_at) order by o.created_at)
                                  from public.email_outbox o where o.user_id = $1), '[]'),
            'invitations_received', coalesce((select jsonb_agg(to_jsonb(i) order by i.created_at)
                                                from public.salon_invitations i
                                               where i.invitee_id = $1
                                                  or lower(i.invitee_email) in (select lower(email) from auth.users where id = $1
                                                                                union select lower(email) from public.member_accounts where id = $1)), '[]'),
            'join_attempts', coalesce((select jsonb_agg(a.attempted_at order by a.attempted_at)
                                         from public.salon_join_attempts a where a.user_id = $1), '[]'),
            'subscriptions', coalesce((select jsonb_agg(to_jsonb(s) - 'user_id' order by s.started_at nulls last, s.id)
                                         from public.subscriptions s where s.user_id = $1), '[]'),
            'payments', coalesce((select jsonb_agg(jsonb_build_object(
                                      'invoice', e.object_id, 'event', e.type, 'at', e.created,
                                      'amount_paid', (e.payload #>> '{data,object,amount_paid}')::numeric,
                                      'amount_due', (e.payload #>> '{data,object,amount_due}')::numeric,
                                      'currency', e.payload #>> '{data,object,currency}',
                                      'status', e.payload #>> '{data,object,status}') order by e.created, e.id)
                                    from public.stripe_events e
                                   where e.user_id = $1 and e.type like 'invoice.%'
                                     and jsonb_typeof(e.payload #> '{data,object,amount_paid}') = 'number'
                                     and jsonb_typeof(e.payload #> '{data,object,amount_due}') = 'number'), '[]'),
            'stripe_events', coalesce((select jsonb_agg(jsonb_build_object('id', e.id, 'type', e.type, 'created', e.created,
                                           'status', e.status, 'customer', e.customer_id, 'object', e.object_id)
                                           order by e.created, e.id)
                                         from public.stripe_events e where e.user_id = $1), '[]'),
            'files', coalesce((select jsonb_agg(jsonb_build_object('bucket', o.bucket_id, 'name', o.name,
                                   'size', o.metadata -> 'size', 'mimetype', o.metadata ->> 'mimetype',
                                   'created_at', o.created_at) order by o.bucket_id, o.name)
                                 from storage.objects o
                                where o.owner = $1 or o.owner_id = $1::text
                                   or (storage.foldername(o.name))[1] = $1::text), '[]'))",
        &[me.into()],
    )
    .unwrap_or_else(|e| error!("aurora: export_my_data: {e}"))
    .unwrap_or_else(|| error!("aurora: export_my_data returned nothing"))
}

/// Starts the erasure of the caller's account (privacy/api.sql says what happens, in the
/// database at once and outside it through the edge) and answers its state; asked again,
/// answers the state of the erasure already started. Her token opens nothing else from now.
#[pg_extern(schema = "aurora_private", volatile, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn delete_my_account() -> JsonB {
    let me = match crate::platform::caller::Caller::current_even_if_erased() {
        crate::platform::caller::Caller::User(uid) => uid,
        _ => raise(
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            "sign in first",
            None,
            Some("Connectez-vous pour continuer."),
        ),
    };
    crate::platform::spi::get_one!(JsonB, "select aurora_private.start_erasure($1, 'member')", &[me.into()])
        .unwrap_or_else(|e| error!("aurora: delete_my_account: {e}"))
        .unwrap_or_else(|| error!("aurora: start_erasure answered nothing"))
}

/// Keys of a Stripe object that hold a person's data (name, contact, address, payment
/// details, what links the object to her account): their values go.
const PERSONAL_KEYS: [&str; 19] = [
    "email", "name", "phone", "address", "shipping", "customer_email", "customer_name", "customer_phone",
    "customer_address", "customer_shipping", "customer_tax_ids", "billing_details", "customer_details",
    "receipt_email", "client_reference_id", "metadata", "payment_method_details", "card", "tax_ids",
];

/// A Stripe payload with her personal data taken out: the values of `PERSONAL_KEYS` become
/// null, and any other text that contains one of `identifiers` (her id, addresses, names;
/// compared without case) becomes "[erased]". Ids, amounts, currencies, statuses and dates
/// stay: the accounting record (README, "Retention").
#[pg_extern(schema = "aurora_private", immutable, parallel_safe)]
fn redact_stripe_payload(payload: JsonB, identifiers: Vec<Option<String>>) -> JsonB {
    let needles: Vec<String> = identifiers
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| s.chars().count() >= 3)
        .collect();
    JsonB(redact(payload.0, &needles))
}

fn redact(value: serde_json::Value, needles: &[String]) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if PERSONAL_KEYS.contains(&k.as_str()) && !v.is_null() {
                        (k, Value::Null)
                    } else {
                        let v = redact(v, needles);
                        (k, v)
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| redact(v, needles)).collect()),
        Value::String(s) => {
            let lower = s.to_lowercase();
            if needles.iter().any(|n| lower.contains(n.as_str())) {
                Value::String("[erased]".into())
            } else {
                Value::String(s)
            }
        }
        other => other,
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use super::redact;
    use pgrx::prelude::*;
    use serde_json::json;

    #[pg_test]
    fn redaction_keeps_the_accounting_record() {
        let needles = vec!["ines@example.fr".to_string(), "inès martin".to_string()];
        let out = redact(
            json!({"id": "in_1", "amount_paid": 1999, "customer": "cus_1", "customer_email": "ines@example.fr",
                   "lines": {"data": [{"description": "1 × Premium", "metadata": {"user_id": "x"}}]},
                   "footer": "Merci Inès Martin", "customer_details": {"email": "a@b.c"}}),
            &needles,
        );
        assert_eq!(out["amount_paid"], 1999);
        assert_eq!(out["customer"], "cus_1");
        assert!(out["customer_email"].is_null());
        assert!(out["customer_details"].is_null());
        assert!(out["lines"]["data"][0]["metadata"].is_null());
        assert_eq!(out["lines"]["data"][0]["description"], "1 × Premium");
        assert_eq!(out["footer"], "[erased]");
    }
}
