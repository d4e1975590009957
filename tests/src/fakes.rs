//! Fakes of the third parties erasure and export talk to, on loopback, built from their
//! documented APIs and stateful: Stripe (subscriptions and customers), Brevo (contacts and
//! transactional sends), and a Supabase project (GoTrue's admin API and logout, Storage's
//! object API) that acts on the test database the way the real services do (GoTrue deletes
//! the auth.users row; Storage sets storage.allow_delete_query and deletes the rows, and
//! the bytes from its object store). Every request is recorded ("METHOD path"); every
//! change made is recorded once as an effect, so a test can say "done exactly once".
//! Failures are injected per fake: answer 500 before acting, act then answer 500 (the
//! caller never learns it worked), or hang past the caller's timeout.
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// 500, nothing done.
    Before,
    /// Done, then 500: the caller retries something that already happened.
    After,
    /// No answer for 30 s (the caller times out; dropping the request drops the work).
    Hang,
}

#[derive(Default)]
pub struct FakeState {
    pub calls: Vec<String>,
    pub effects: Vec<String>,
    /// Faults for the next requests, in order.
    pub faults: Vec<Fault>,
    /// Stripe: subscriptions and customers by id.
    pub subscriptions: BTreeMap<String, Value>,
    pub customers: BTreeMap<String, Value>,
    /// Brevo: contacts by address (lowercase), and transactional sends (recipient).
    pub contacts: BTreeMap<String, Value>,
    pub sent_to: Vec<String>,
    /// Storage: the object store's bytes, by (bucket, name).
    pub objects: BTreeMap<(String, String), Vec<u8>>,
}

#[derive(Clone)]
pub struct Fake {
    pub base: String,
    pub state: Arc<Mutex<FakeState>>,
}

impl Fake {
    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }
    pub fn effects(&self) -> Vec<String> {
        self.state.lock().unwrap().effects.clone()
    }
    pub fn fail_next(&self, faults: &[Fault]) {
        self.state.lock().unwrap().faults.extend_from_slice(faults);
    }
    pub fn clear_faults(&self) {
        self.state.lock().unwrap().faults.clear();
    }
}

#[derive(Clone)]
struct Ctx {
    state: Arc<Mutex<FakeState>>,
    /// The test database, as the real services reach it (superuser).
    db_url: Option<String>,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Stripe,
    Brevo,
    Supabase,
}

pub const STRIPE_KEY: &str = "sk_test_aurora_it";
pub const BREVO_KEY: &str = "xkeysib-aurora-it";
pub const SERVICE_KEY: &str = "service-role-key-it";

async fn start(kind: Kind, db_url: Option<String>) -> Fake {
    let state = Arc::new(Mutex::new(FakeState::default()));
    let ctx = Ctx { state: state.clone(), db_url, kind };
    let app = axum::Router::new().fallback(handle).with_state(ctx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Fake { base, state }
}

/// Stripe's API (`/v1/subscriptions/{id}`, `/v1/customers/{id}`), key `STRIPE_KEY`.
pub async fn stripe() -> Fake {
    start(Kind::Stripe, None).await
}

/// Brevo's API (`/v3/contacts/{email}`, `/v3/contacts`, `/v3/smtp/email`), key `BREVO_KEY`.
pub async fn brevo() -> Fake {
    start(Kind::Brevo, None).await
}

/// A Supabase project (`/auth/v1/…`, `/storage/v1/…`) over the test database `db_url`.
pub async fn supabase(db_url: &str) -> Fake {
    start(Kind::Supabase, Some(db_url.to_string())).await
}

fn error(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

async fn handle(State(ctx): State<Ctx>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let fault = {
        let mut s = ctx.state.lock().unwrap();
        s.calls.push(format!("{} {path}{query}", parts.method));
        if s.faults.is_empty() { None } else { Some(s.faults.remove(0)) }
    };
    match fault {
        Some(Fault::Before) => return error(StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": "injected" })),
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return error(StatusCode::GATEWAY_TIMEOUT, json!({}));
        }
        _ => {}
    }
    let answer = match ctx.kind {
        Kind::Stripe => stripe_api(&ctx, &parts.method, &parts.headers, &path),
        Kind::Brevo => brevo_api(&ctx, &parts.method, &parts.headers, &path, &body),
        Kind::Supabase => supabase_api(&ctx, &parts.method, &parts.headers, &path, &query, &body).await,
    };
    if fault == Some(Fault::After) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": "injected after acting" }));
    }
    answer
}

fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&segment[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn stripe_api(ctx: &Ctx, method: &Method, headers: &HeaderMap, path: &str) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {STRIPE_KEY}")) {
        return error(StatusCode::UNAUTHORIZED, json!({ "error": { "type": "invalid_request_error", "message": "Invalid API Key" } }));
    }
    let missing = |what: &str, id: &str| {
        error(StatusCode::NOT_FOUND, json!({ "error": { "code": "resource_missing", "type": "invalid_request_error",
                                                       "message": format!("No such {what}: '{id}'") } }))
    };
    let mut s = ctx.state.lock().unwrap();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (&Method::GET, ["v1", "subscriptions", id]) => match s.subscriptions.get(*id) {
            Some(sub) => Json(sub.clone()).into_response(),
            None => missing("subscription", id),
        },
        (&Method::DELETE, ["v1", "subscriptions", id]) => {
            let id = id.to_string();
            let Some(sub) = s.subscriptions.get_mut(&id) else { return missing("subscription", &id) };
            if sub["status"] == "canceled" {
                // Stripe refuses to cancel twice
                return error(StatusCode::BAD_REQUEST, json!({ "error": { "type": "invalid_request_error",
                    "message": "A canceled subscription can only update its cancellation_details and metadata." } }));
            }
            sub["status"] = json!("canceled");
            sub["canceled_at"] = json!(1_767_225_600);
            sub["ended_at"] = json!(1_767_225_600);
            let answer = sub.clone();
            s.effects.push(format!("cancel {id}"));
            Json(answer).into_response()
        }
        (&Method::DELETE, ["v1", "customers", id]) => {
            let id = id.to_string();
            if s.customers.remove(&id).is_none() {
                return missing("customer", &id);
            }
            // deleting a customer cancels what is left of her subscriptions
            for sub in s.subscriptions.values_mut() {
                if sub["customer"] == json!(id) && sub["status"] != "canceled" {
                    sub["status"] = json!("canceled");
                }
            }
            s.effects.push(format!("delete {id}"));
            Json(json!({ "id": id, "object": "customer", "deleted": true })).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({ "error": { "type": "invalid_request_error", "message": "Unrecognized request URL" } })),
    }
}

fn brevo_api(ctx: &Ctx, method: &Method, headers: &HeaderMap, path: &str, body: &Bytes) -> Response {
    if headers.get("api-key").and_then(|v| v.to_str().ok()) != Some(BREVO_KEY) {
        return error(StatusCode::UNAUTHORIZED, json!({ "code": "unauthorized", "message": "Key not found" }));
    }
    let not_found = || error(StatusCode::NOT_FOUND, json!({ "code": "document_not_found", "message": "Contact does not exist" }));
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut s = ctx.state.lock().unwrap();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (&Method::POST, ["v3", "smtp", "email"]) => {
            for to in body["to"].as_array().into_iter().flatten() {
                let to = to["email"].as_str().unwrap_or_default().to_lowercase();
                s.sent_to.push(to);
            }
            (StatusCode::CREATED, Json(json!({ "messageId": format!("<{}@smtp-relay.mailin.fr>", s.sent_to.len()) }))).into_response()
        }
        (&Method::POST, ["v3", "contacts"]) => {
            let email = body["email"].as_str().unwrap_or_default().to_lowercase();
            let contact = json!({ "email": email, "id": s.contacts.len() + 1, "emailBlacklisted": false, "smsBlacklisted": false,
                                  "listIds": body["listIds"], "attributes": body["attributes"],
                                  "createdAt": "2026-11-01T10:00:00.000+01:00", "modifiedAt": "2026-11-01T10:00:00.000+01:00" });
            s.contacts.insert(email, contact);
            (StatusCode::NO_CONTENT, ()).into_response()
        }
        (&Method::PUT, ["v3", "contacts", email]) => {
            let email = decode(email).to_lowercase();
            match s.contacts.get_mut(&email) {
                Some(c) => {
                    let unlink: Vec<Value> = body["unlinkListIds"].as_array().cloned().unwrap_or_default();
                    if let Some(lists) = c["listIds"].as_array_mut() {
                        lists.retain(|l| !unlink.contains(l));
                    }
                    (StatusCode::NO_CONTENT, ()).into_response()
                }
                None => not_found(),
            }
        }
        (&Method::GET, ["v3", "contacts", email]) => match s.contacts.get(&decode(email).to_lowercase()) {
            Some(c) => Json(c.clone()).into_response(),
            None => not_found(),
        },
        (&Method::DELETE, ["v3", "contacts", email]) => {
            let email = decode(email).to_lowercase();
            if s.contacts.remove(&email).is_none() {
                return not_found();
            }
            s.effects.push(format!("delete contact {email}"));
            (StatusCode::NO_CONTENT, ()).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({ "code": "not_found", "message": "no such route" })),
    }
}

/// The `sub` of a JWT, unverified (GoTrue verifies; this fake only needs whose it is).
fn jwt_subject(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v["sub"].as_str().map(str::to_string)
}

async fn supabase_api(ctx: &Ctx, method: &Method, headers: &HeaderMap, path: &str, query: &str, body: &Bytes) -> Response {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let db = crate::connect(ctx.db_url.as_deref().unwrap()).await;
    let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let service = header("apikey") == SERVICE_KEY && header("authorization") == format!("Bearer {SERVICE_KEY}");
    let segments: Vec<String> = path.trim_start_matches('/').split('/').map(decode).collect();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let effect = |e: String| ctx.state.lock().unwrap().effects.push(e);
    let user_not_found = || error(StatusCode::NOT_FOUND, json!({ "code": 404, "error_code": "user_not_found", "msg": "User not found" }));
    match (method, segs.as_slice()) {
        // GoTrue: logout with the member's own token; scope=global ends every session
        (&Method::POST, ["auth", "v1", "logout"]) => {
            let Some(sub) = header("authorization").strip_prefix("Bearer ").and_then(jwt_subject) else {
                return error(StatusCode::UNAUTHORIZED, json!({ "code": 401, "error_code": "no_authorization", "msg": "This endpoint requires a valid Bearer token" }));
            };
            if query.contains("scope=global") {
                let n = db.execute("delete from auth.sessions where user_id = $1::text::uuid", &[&sub]).await.unwrap();
                effect(format!("logout {sub} ({n} sessions)"));
            }
            (StatusCode::NO_CONTENT, ()).into_response()
        }
        (_, ["auth", "v1", "admin", ..]) if !service => {
            error(StatusCode::FORBIDDEN, json!({ "code": 403, "error_code": "not_admin", "msg": "User not allowed" }))
        }
        (&Method::PUT, ["auth", "v1", "admin", "users", id]) => {
            let Some(duration) = body["ban_duration"].as_str() else {
                return error(StatusCode::BAD_REQUEST, json!({ "code": 400, "error_code": "validation_failed", "msg": "nothing to update" }));
            };
            let hours: i64 = duration.trim_end_matches('h').parse().unwrap_or(0);
            let row = db
                .query_opt("with u as (select id, banned_until > now() as banned from auth.users where id = $1::text::uuid),
                                 b as (update auth.users set banned_until = now() + make_interval(hours => $2::int)
                                        where id = (select id from u) returning 1)
                            select banned from u",
                           &[&id, &(hours as i32)])
                .await
                .unwrap();
            let Some(row) = row else { return user_not_found() };
            if !row.get::<_, Option<bool>>(0).unwrap_or(false) {
                effect(format!("ban {id}"));
            }
            Json(json!({ "id": id })).into_response()
        }
        (&Method::DELETE, ["auth", "v1", "admin", "users", id]) => {
            if body["should_soft_delete"] == json!(true) {
                return error(StatusCode::BAD_REQUEST, json!({ "msg": "this fake deletes for good only" }));
            }
            let n = db.execute("delete from auth.users where id = $1::text::uuid", &[&id]).await.unwrap();
            if n == 0 {
                return user_not_found();
            }
            effect(format!("delete user {id}"));
            Json(json!({})).into_response()
        }
        (_, ["storage", "v1", ..]) if !service => {
            error(StatusCode::BAD_REQUEST, json!({ "statusCode": "403", "error": "Unauthorized", "message": "invalid signature" }))
        }
        // Storage: delete objects by name (`prefixes`), bytes then rows
        (&Method::DELETE, ["storage", "v1", "object", bucket]) => {
            let names: Vec<String> = body["prefixes"].as_array().into_iter().flatten()
                .filter_map(|n| n.as_str().map(str::to_string)).collect();
            let mut db = db;
            let tx = db.transaction().await.unwrap();
            tx.batch_execute("set local storage.allow_delete_query = 'true'").await.unwrap();
            let rows = tx
                .query("delete from storage.objects where bucket_id = $1 and name = any($2) returning id::text, name",
                       &[bucket, &names])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let mut deleted = Vec::new();
            for r in rows {
                let name: String = r.get(1);
                let mut s = ctx.state.lock().unwrap();
                s.objects.remove(&(bucket.to_string(), name.clone()));
                s.effects.push(format!("delete object {bucket}/{name}"));
                deleted.push(json!({ "id": r.get::<_, String>(0), "name": name, "bucket_id": bucket }));
            }
            Json(Value::Array(deleted)).into_response()
        }
        (&Method::POST, ["storage", "v1", "object", "sign", bucket]) => {
            let expires = body["expiresIn"].as_i64().unwrap_or(0);
            let items: Vec<Value> = body["paths"].as_array().into_iter().flatten()
                .filter_map(|p| p.as_str())
                .map(|p| {
                    let exists = ctx.state.lock().unwrap().objects.contains_key(&(bucket.to_string(), p.to_string()));
                    if exists {
                        json!({ "error": null, "path": p, "signedURL": format!("/object/sign/{bucket}/{p}?token=signed-{expires}") })
                    } else {
                        json!({ "error": "Either the object does not exist or you do not have access to it", "path": p, "signedURL": null })
                    }
                })
                .collect();
            Json(Value::Array(items)).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, json!({ "message": "no such route" })),
    }
}
