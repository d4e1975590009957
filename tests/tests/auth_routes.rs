//! Auth callbacks through the edge against a fake GoTrue built from its documented API:
//! POST /auth/v1/token?grant_type=pkce {auth_code, code_verifier} and POST /auth/v1/verify
//! {token_hash, type}, answering a session or {error_code}.
use aurora_it::{Edge, TestDb};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn session(big: bool) -> Value {
    json!({
        "access_token": "eyJ.access.token", "token_type": "bearer", "expires_in": 3600,
        "refresh_token": "refresh-123",
        "user": { "id": "11111111-1111-4111-8111-111111111111", "email": "ines@example.fr",
                  "user_metadata": { "bio": if big { "é".repeat(4000) } else { "Lyon".into() } } }
    })
}

fn verifier_cookie(value: &str) -> String {
    // as supabase-js (via @supabase/ssr) stores it: JSON string, base64url, "base64-" prefix
    format!("sb-127-auth-token-code-verifier=base64-{}", URL_SAFE_NO_PAD.encode(format!("\"{value}\"")))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// The session the cookies hold, reassembled the way @supabase/ssr reads them.
fn session_from(cookies: &[String]) -> Value {
    let mut parts: Vec<(String, String)> = cookies
        .iter()
        .filter(|c| c.starts_with("sb-127-auth-token") && !c.contains("code-verifier") && !c.contains("Max-Age=0"))
        .map(|c| {
            let (nv, _) = c.split_once(';').unwrap();
            let (n, v) = nv.split_once('=').unwrap();
            (n.to_string(), v.to_string())
        })
        .collect();
    parts.sort_by_key(|(n, _)| n.rsplit('.').next().and_then(|i| i.parse::<u32>().ok()).unwrap_or(0));
    let joined: String = parts.into_iter().map(|(_, v)| v).collect();
    let b64 = joined.strip_prefix("base64-").expect("base64- prefix");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap()
}

async fn gotrue_and_edge(db: &TestDb) -> (MockServer, Edge) {
    let gotrue = MockServer::start().await;
    let uri = gotrue.uri();
    let edge = Edge::spawn(db, &[("NEXT_PUBLIC_SUPABASE_URL", uri.as_str()), ("AURORA_EMAIL_WORKER", "false")]).await;
    (gotrue, edge)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pkce_callback_sets_the_ssr_session_cookies_and_redirects_safely() {
    let db = TestDb::new().await;
    let (gotrue, edge) = gotrue_and_edge(&db).await;
    Mock::given(method("POST")).and(path("/auth/v1/token")).and(query_param("grant_type", "pkce"))
        .and(header("apikey", "anon-key-it"))
        .and(body_json(json!({ "auth_code": "code-ok", "code_verifier": "verif-123" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(session(false)))
        .mount(&gotrue).await;
    Mock::given(method("POST")).and(path("/auth/v1/token")).and(body_json(json!({ "auth_code": "code-big", "code_verifier": "verif-123" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(session(true)))
        .mount(&gotrue).await;
    Mock::given(method("POST")).and(path("/auth/v1/token")).and(body_json(json!({ "auth_code": "code-old", "code_verifier": "verif-123" })))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({ "code": 400, "error_code": "flow_state_expired", "msg": "invalid flow state, flow state has expired" })))
        .mount(&gotrue).await;

    let r = client()
        .get(format!("{}/api/auth/callback?code=code-ok&next=/dashboard/cours", edge.base))
        .header("cookie", format!("{}; other=1", verifier_cookie("verif-123/PKCE")))
        .send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/dashboard/cours");
    let cookies = set_cookies(&r);
    let main = cookies.iter().find(|c| c.starts_with("sb-127-auth-token=")).expect("session cookie");
    assert!(main.contains("Path=/") && main.contains("SameSite=Lax") && main.contains("Max-Age=34560000"), "{main}");
    assert!(!main.to_lowercase().contains("httponly"), "the browser client reads it, as with @supabase/ssr");
    let s = session_from(&cookies);
    assert_eq!(s["access_token"], "eyJ.access.token");
    assert!(s["expires_at"].as_i64().is_some(), "expires_at filled in as supabase-js stores it");
    assert!(cookies.iter().any(|c| c.starts_with("sb-127-auth-token-code-verifier=;") && c.contains("Max-Age=0")),
            "the verifier is cleared");

    // a big session is chunked .0, .1, … and a stale single cookie is cleared
    let r = client()
        .get(format!("{}/api/auth/callback?code=code-big", edge.base))
        .header("cookie", format!("{}; sb-127-auth-token=base64-old", verifier_cookie("verif-123")))
        .send().await.unwrap();
    assert_eq!(location(&r), "/");
    let cookies = set_cookies(&r);
    let chunks: Vec<&String> = cookies.iter().filter(|c| c.starts_with("sb-127-auth-token.")).collect();
    assert!(chunks.len() >= 2, "{cookies:?}");
    assert!(chunks.iter().all(|c| c.split(';').next().unwrap().len() <= "sb-127-auth-token.0=".len() + 3180));
    assert!(cookies.iter().any(|c| c.starts_with("sb-127-auth-token=;") && c.contains("Max-Age=0")), "stale unchunked cookie cleared");
    assert_eq!(session_from(&cookies)["user"]["user_metadata"]["bio"].as_str().unwrap().chars().count(), 4000);

    // open redirects are refused
    for evil in ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"] {
        let r = client()
            .get(format!("{}/api/auth/callback", edge.base))
            .query(&[("code", "code-ok"), ("next", evil)])
            .header("cookie", verifier_cookie("verif-123"))
            .send().await.unwrap();
        assert_eq!(location(&r), "/", "next={evil}");
    }

    // GoTrue's errors and missing pieces go to the error page with the reason
    let r = client().get(format!("{}/api/auth/callback?code=code-old", edge.base))
        .header("cookie", verifier_cookie("verif-123")).send().await.unwrap();
    assert_eq!(location(&r), "/auth/auth-code-error?reason=flow_state_expired");
    assert!(set_cookies(&r).is_empty(), "no session on failure");
    let r = client().get(format!("{}/api/auth/callback?code=code-ok", edge.base)).send().await.unwrap();
    assert_eq!(location(&r), "/auth/auth-code-error?reason=missing_code_verifier");
    let r = client().get(format!("{}/api/auth/callback", edge.base)).send().await.unwrap();
    assert_eq!(location(&r), "/auth/auth-code-error?reason=missing_code");
    let r = client().get(format!("{}/api/auth/callback?error=access_denied&error_code=otp_expired", edge.base)).send().await.unwrap();
    assert_eq!(location(&r), "/auth/auth-code-error?reason=otp_expired");
    edge.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn email_confirmation_verifies_the_token_hash() {
    let db = TestDb::new().await;
    let (gotrue, edge) = gotrue_and_edge(&db).await;
    Mock::given(method("POST")).and(path("/auth/v1/verify"))
        .and(body_json(json!({ "token_hash": "hash-ok", "type": "signup" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(session(false)))
        .mount(&gotrue).await;
    Mock::given(method("POST")).and(path("/auth/v1/verify"))
        .and(body_json(json!({ "token_hash": "hash-old", "type": "email" })))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({ "code": 403, "error_code": "otp_expired", "msg": "Email link is invalid or has expired" })))
        .mount(&gotrue).await;

    let r = client().get(format!("{}/api/auth/confirm?token_hash=hash-ok&type=signup&next=/bienvenue", edge.base)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/bienvenue".to_string()));
    assert_eq!(session_from(&set_cookies(&r))["refresh_token"], "refresh-123");
    let r = client().get(format!("{}/api/auth/confirm?token_hash=hash-old&type=email", edge.base)).send().await.unwrap();
    assert_eq!(location(&r), "/auth/auth-code-error?reason=otp_expired");
    let r = client().get(format!("{}/api/auth/confirm?token_hash=x&type=sql", edge.base)).send().await.unwrap();
    assert_eq!(location(&r), "/auth/auth-code-error?reason=invalid_type");
    let r = client().get(format!("{}/api/auth/confirm?type=signup", edge.base)).send().await.unwrap();
    assert_eq!(location(&r), "/auth/auth-code-error?reason=missing_token");
    edge.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn gotrue_down_is_reported_not_crashed() {
    let db = TestDb::new().await;
    let edge = Edge::spawn(&db, &[("AURORA_EMAIL_WORKER", "false")]).await; // GoTrue at a closed port
    let r = client().get(format!("{}/api/auth/confirm?token_hash=h&type=signup", edge.base)).send().await.unwrap();
    assert_eq!(location(&r), "/auth/auth-code-error?reason=auth_unavailable");
    edge.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn send_verification_email_queues_a_confirm_link_once_a_minute() {
    use jsonwebtoken::{encode, EncodingKey, Header};
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ines = aurora_it::create_user(&admin, "ines@example.fr").await;
    let gotrue = MockServer::start().await;
    Mock::given(method("POST")).and(path("/auth/v1/admin/generate_link"))
        .and(header("apikey", "service-key-it"))
        .and(body_json(json!({ "type": "magiclink", "email": "ines@example.fr", "redirect_to": "https://aurora50.fr/" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": ines.to_string(), "email": "ines@example.fr",
            "action_link": "https://x.supabase.co/auth/v1/verify?token=abc", "email_otp": "123456",
            "hashed_token": "hashed-abc", "verification_type": "magiclink", "redirect_to": "https://aurora50.fr/" })))
        .mount(&gotrue).await;
    let uri = gotrue.uri();
    let edge = Edge::spawn(&db, &[("NEXT_PUBLIC_SUPABASE_URL", uri.as_str()), ("SUPABASE_SERVICE_ROLE_KEY", "service-key-it"),
                                  ("NEXT_PUBLIC_SITE_URL", "https://aurora50.fr"), ("AURORA_EMAIL_WORKER", "false")]).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let token = encode(&Header::default(),
        &json!({ "sub": ines.to_string(), "role": "authenticated", "aud": "authenticated", "exp": now + 600 }),
        &EncodingKey::from_secret(aurora_it::JWT_SECRET.as_bytes())).unwrap();
    let send = || async {
        client().post(format!("{}/api/send-verification-email", edge.base)).bearer_auth(&token).send().await.unwrap()
    };
    assert_eq!(send().await.status(), 202);
    let row = admin
        .query_one("select params->>'lien', recipient_email from email_outbox where template = 'email-verification'", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "https://aurora50.fr/api/auth/confirm?token_hash=hashed-abc&type=magiclink&next=/");
    assert_eq!(row.get::<_, String>(1), "ines@example.fr");
    let again = send().await;
    assert_eq!(again.status(), 429, "once a minute");
    assert_eq!(client().post(format!("{}/api/send-verification-email", edge.base)).send().await.unwrap().status(), 401);
    edge.stop().await;
    drop(admin);
    db.drop().await;
}
