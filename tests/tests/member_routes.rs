//! Member routes of the edge: a Supabase access token in, the database acting as her out.
use aurora_it::{create_user, Edge, TestDb, JWT_SECRET};
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn token(claims: Value, secret: &str) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn member_token(id: uuid::Uuid) -> String {
    token(json!({ "sub": id.to_string(), "role": "authenticated", "aud": "authenticated",
                  "email": "ines@example.fr", "exp": now() + 3600 }), JWT_SECRET)
}

async fn post(edge: &Edge, path: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = reqwest::Client::new().post(format!("{}{path}", edge.base)).json(&body);
    if let Some(t) = bearer {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tokens_are_verified_and_requests_run_as_the_member() {
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ines = create_user(&admin, "ines@example.fr").await;
    let _other = create_user(&admin, "claire@example.fr").await;
    admin.execute("delete from profiles where id = $1", &[&ines]).await.unwrap();
    let course: uuid::Uuid = admin
        .query_one("insert into courses (title, is_published) values ('Renaissance', true) returning id", &[])
        .await
        .unwrap()
        .get(0);
    let draft: uuid::Uuid = admin
        .query_one("insert into courses (title, is_published) values ('Brouillon', false) returning id", &[])
        .await
        .unwrap()
        .get(0);
    let edge = Edge::spawn(&db, &[("AURORA_EMAIL_WORKER", "false")]).await;
    let good = member_token(ines);

    // who may call
    assert_eq!(post(&edge, "/api/profile/ensure", None, json!({})).await.0, 401, "no token");
    let expired = token(json!({ "sub": ines.to_string(), "role": "authenticated", "aud": "authenticated", "exp": now() - 120 }), JWT_SECRET);
    let (status, body) = post(&edge, "/api/profile/ensure", Some(&expired), json!({})).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("token expired")));
    let forged = token(json!({ "sub": ines.to_string(), "role": "authenticated", "aud": "authenticated", "exp": now() + 60 }), "not-the-secret-not-the-secret-not-the-secret");
    assert_eq!(post(&edge, "/api/profile/ensure", Some(&forged), json!({})).await.1["error"], "token signature invalid");
    let wrong_aud = token(json!({ "sub": ines.to_string(), "role": "authenticated", "aud": "someone-else", "exp": now() + 60 }), JWT_SECRET);
    assert_eq!(post(&edge, "/api/profile/ensure", Some(&wrong_aud), json!({})).await.1["error"], "token not for this audience");
    let anon = token(json!({ "role": "anon", "aud": "authenticated", "sub": "", "exp": now() + 60 }), JWT_SECRET);
    assert_eq!(post(&edge, "/api/profile/ensure", Some(&anon), json!({})).await.0, 401, "an anon key is not a member");

    // as her
    let (status, body) = post(&edge, "/api/profile/ensure", Some(&good), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["id"], ines.to_string(), "her profile, recreated");
    assert_eq!(body["profile"]["email"], "ines@example.fr");
    let (status, body) = post(&edge, "/api/courses/start", Some(&good), json!({ "course_id": course })).await;
    assert_eq!((status, body["newly_enrolled"].as_bool()), (200, Some(true)), "{body}");
    let (_, body) = post(&edge, "/api/courses/start", Some(&good), json!({ "courseId": course })).await;
    assert_eq!(body["newly_enrolled"], false, "idempotent (and the seed's courseId works)");
    let enrolled: i64 = admin
        .query_one("select count(*) from enrollments where user_id = $1 and course_id = $2", &[&ines, &course])
        .await
        .unwrap()
        .get(0);
    assert_eq!(enrolled, 1);

    // database errors answer as PostgREST would
    let (status, body) = post(&edge, "/api/courses/start", Some(&good), json!({ "course_id": draft })).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("PT404")), "{body}");
    assert_eq!(body["hint"], "Cours introuvable.");
    assert_eq!(post(&edge, "/api/courses/start", Some(&good), json!({ "course": 1 })).await.0, 400, "bad body");
    assert_eq!(post(&edge, "/api/courses/start", Some(&good), json!({ "course_id": "x" })).await.0, 400, "bad id");
    edge.stop().await;
    drop(admin);
    db.drop().await;
}

/// An RSA key pair made for this test run, as PEM and as the JWK GoTrue would publish.
fn rsa_key(dir: &std::path::Path, kid: &str) -> (Vec<u8>, Value) {
    use base64::Engine;
    let pem = dir.join(format!("{kid}.pem"));
    let ok = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"])
        .arg(&pem)
        .status()
        .unwrap()
        .success();
    assert!(ok, "openssl genpkey");
    let out = std::process::Command::new("openssl").args(["rsa", "-noout", "-modulus", "-in"]).arg(&pem).output().unwrap();
    let hex_modulus = String::from_utf8(out.stdout).unwrap().trim().trim_start_matches("Modulus=").to_string();
    let modulus: Vec<u8> = (0..hex_modulus.len()).step_by(2).map(|i| u8::from_str_radix(&hex_modulus[i..i + 2], 16).unwrap()).collect();
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(modulus);
    (std::fs::read(&pem).unwrap(), json!({ "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": n, "e": "AQAB" }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn asymmetric_tokens_are_checked_against_the_projects_jwks() {
    use jsonwebtoken::Algorithm;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let db = TestDb::new().await;
    let admin = db.admin().await;
    let ines = create_user(&admin, "ines@example.fr").await;
    let dir = std::env::temp_dir().join(format!("aurora-jwks-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (pem, jwk) = rsa_key(&dir, "key-2026");
    let (other_pem, _) = rsa_key(&dir, "rogue");
    let gotrue = MockServer::start().await;
    Mock::given(method("GET")).and(path("/auth/v1/.well-known/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "keys": [jwk] })))
        .mount(&gotrue).await;
    let uri = gotrue.uri();
    // no legacy secret: asymmetric keys only
    let edge = Edge::spawn(&db, &[("NEXT_PUBLIC_SUPABASE_URL", uri.as_str()), ("SUPABASE_JWT_SECRET", ""),
                                  ("AURORA_EMAIL_WORKER", "false")]).await;
    let claims = json!({ "sub": ines.to_string(), "role": "authenticated", "aud": "authenticated", "exp": now() + 600 });
    let sign = |pem: &[u8], kid: &str| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        encode(&header, &claims, &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
    };
    let (status, body) = post(&edge, "/api/profile/ensure", Some(&sign(&pem, "key-2026")), json!({})).await;
    assert_eq!((status, body["profile"]["id"].as_str()), (200, Some(ines.to_string().as_str())), "{body}");
    let (status, body) = post(&edge, "/api/profile/ensure", Some(&sign(&other_pem, "key-2026")), json!({})).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("token signature invalid")), "another key under our kid");
    let (status, body) = post(&edge, "/api/profile/ensure", Some(&sign(&other_pem, "rogue")), json!({})).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("token signed by an unknown key")));
    let hs = token(claims.clone(), JWT_SECRET);
    assert_eq!(post(&edge, "/api/profile/ensure", Some(&hs), json!({})).await.1["error"], "token algorithm not accepted",
               "HS256 is refused when no secret is configured");
    let fetched = gotrue.received_requests().await.unwrap().len();
    assert!(fetched <= 2, "the key set is cached ({fetched} fetches)");
    std::fs::remove_dir_all(&dir).ok();
    edge.stop().await;
    drop(admin);
    db.drop().await;
}
