//! Stripe: webhook signatures (below), and the API calls erasure makes (`StripeApi`, at the end).
//!
//! Signatures, as Stripe documents them: the `Stripe-Signature` header carries
//! `t=<unix time>` and one or more `v1=<hex HMAC-SHA256>` of `"{t}.{raw body}"` keyed with
//! the endpoint secret. Any `v1` may match (secret rotation); comparison is
//! constant time; a timestamp more than `tolerance` seconds away is refused (replays).
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Stripe's default tolerance.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing or malformed Stripe-Signature header")]
    Malformed,
    #[error("timestamp outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Verifies `header` for `body` at time `now` (unix seconds).
/// At most this many `v1` entries in a `Stripe-Signature` header.
pub const MAX_SIGNATURES: usize = 8;
/// At most this long a `Stripe-Signature` header (a timestamp, 8 signatures and some v0s).
pub const MAX_HEADER_BYTES: usize = 2048;

pub fn verify(header: &str, body: &[u8], secret: &str, now: i64, tolerance: i64) -> Result<(), SignatureError> {
    // Stripe sends one v1 per signing secret in use (two while a secret is rolled): a header
    // with more, or longer than these entries can be, is refused before any work on it.
    if header.len() > MAX_HEADER_BYTES {
        return Err(SignatureError::Malformed);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else { continue };
        match key {
            "t" => timestamp = value.parse::<i64>().ok(),
            "v1" => {
                if signatures.len() == MAX_SIGNATURES {
                    return Err(SignatureError::Malformed);
                }
                if let Ok(sig) = hex::decode(value) {
                    signatures.push(sig);
                }
            }
            _ => {} // v0 and future schemes are ignored
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // abs_diff: a timestamp near i64::MIN must not wrap around into the tolerance
    if now.abs_diff(timestamp) > tolerance.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    // verify_slice compares in constant time
    if signatures.iter().any(|sig| expected.clone().verify_slice(sig).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The header Stripe would send for `body` at `timestamp` (for tests and tools).
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let sig = hex::encode(mac(secret, timestamp, body).finalize().into_bytes());
    format!("t={timestamp},v1={sig}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_with_too_many_signatures_is_refused_before_any_mac() {
        let body = br#"{"id":"evt_1"}"#;
        let good = sign(body, "whsec_x", 1_700_000_000);
        let sig = good.split_once(",v1=").unwrap().1;
        let many = format!("t=1700000000{}", format!(",v1={sig}").repeat(MAX_SIGNATURES + 1));
        assert_eq!(verify(&many, body, "whsec_x", 1_700_000_000, 300), Err(SignatureError::Malformed));
        let eight = format!("t=1700000000{}", format!(",v1={sig}").repeat(MAX_SIGNATURES));
        assert_eq!(verify(&eight, body, "whsec_x", 1_700_000_000, 300), Ok(()), "a rolled secret's few entries pass");
        let long = format!("{good},v0={}", "0".repeat(MAX_HEADER_BYTES));
        assert_eq!(verify(&long, body, "whsec_x", 1_700_000_000, 300), Err(SignatureError::Malformed));
    }

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","object":"event"}"#;

    #[test]
    fn a_signed_body_verifies() {
        let header = sign(BODY, SECRET, 1_700_000_000);
        assert_eq!(verify(&header, BODY, SECRET, 1_700_000_100, TOLERANCE_SECONDS), Ok(()));
    }

    #[test]
    fn any_v1_may_match_and_other_schemes_are_ignored() {
        let good = sign(BODY, SECRET, 1_700_000_000);
        let sig = good.split("v1=").nth(1).unwrap();
        let header = format!("t=1700000000,v0=abcd,v1={},v1={sig}", "00".repeat(32));
        assert_eq!(verify(&header, BODY, SECRET, 1_700_000_000, TOLERANCE_SECONDS), Ok(()));
    }

    #[test]
    fn forged_stale_and_malformed_are_refused() {
        let header = sign(BODY, SECRET, 1_700_000_000);
        assert_eq!(verify(&header, b"{}", SECRET, 1_700_000_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify(&header, BODY, "whsec_other", 1_700_000_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(verify(&header, BODY, SECRET, 1_700_000_301, 300), Err(SignatureError::Stale));
        assert_eq!(verify(&header, BODY, SECRET, 1_699_999_699, 300), Err(SignatureError::Stale));
        assert_eq!(verify("", BODY, SECRET, 0, 300), Err(SignatureError::Malformed));
        // far past and far future do not overflow into the window
        let now = 1_700_000_000_i64;
        for t in [now.wrapping_sub(1 << 63), i64::MIN, i64::MAX, now - (1 << 62), now.wrapping_add(1 << 63)] {
            let header = sign(BODY, SECRET, t);
            assert_eq!(verify(&header, BODY, SECRET, now, 300), Err(SignatureError::Stale), "t = {t}");
        }
        assert_eq!(verify("t=1700000000", BODY, SECRET, 1_700_000_000, 300), Err(SignatureError::Malformed));
        assert_eq!(verify("v1=00", BODY, SECRET, 1_700_000_000, 300), Err(SignatureError::Malformed));
        assert_eq!(verify("t=abc,v1=00", BODY, SECRET, 0, 300), Err(SignatureError::Malformed));
        assert_eq!(verify("t=1700000000,v1=zz", BODY, SECRET, 1_700_000_000, 300), Err(SignatureError::Malformed));
    }

    #[test]
    fn the_documented_example_computes() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector
        let mut m = HmacSha256::new_from_slice(b"key").unwrap();
        m.update(b"The quick brown fox jumps over the lazy dog");
        assert_eq!(
            hex::encode(m.finalize().into_bytes()),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}

/// Stripe's API with the secret key (`STRIPE_SECRET_KEY`), for erasure: a subscription's
/// state, canceling it, deleting a customer.
#[derive(Clone)]
pub struct StripeApi {
    http: reqwest::Client,
    base: String,
    key: Option<secrecy::SecretString>,
}

impl StripeApi {
    pub fn new(base: &str, key: Option<secrecy::SecretString>, timeout: std::time::Duration) -> Result<StripeApi, String> {
        let http = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(StripeApi { http, base: format!("{base}/v1"), key })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, String> {
        use secrecy::ExposeSecret;
        let key = self.key.as_ref().ok_or("STRIPE_SECRET_KEY is not set")?;
        Ok(self.http.request(method, format!("{}{path}", self.base)).bearer_auth(key.expose_secret()))
    }

    async fn call(&self, what: &str, method: reqwest::Method, path: &str) -> crate::third_party::Answer {
        match self.request(method, path) {
            Ok(r) => crate::third_party::send(what, r).await,
            Err(e) => crate::third_party::Answer::Retry(e),
        }
    }

    /// `GET /v1/subscriptions/{id}`.
    pub async fn subscription(&self, id: &str) -> crate::third_party::Answer {
        let path = format!("/subscriptions/{}", crate::third_party::segment(id));
        self.call("Stripe subscription", reqwest::Method::GET, &path).await
    }

    /// `DELETE /v1/subscriptions/{id}`: canceled at once (no proration, no final invoice).
    pub async fn cancel_subscription(&self, id: &str) -> crate::third_party::Answer {
        let path = format!("/subscriptions/{}", crate::third_party::segment(id));
        self.call("Stripe cancel subscription", reqwest::Method::DELETE, &path).await
    }

    /// `DELETE /v1/customers/{id}`: Stripe deletes the customer (and cancels any
    /// subscription left); invoices and payments stay in Stripe's records.
    pub async fn delete_customer(&self, id: &str) -> crate::third_party::Answer {
        let path = format!("/customers/{}", crate::third_party::segment(id));
        self.call("Stripe delete customer", reqwest::Method::DELETE, &path).await
    }
}
