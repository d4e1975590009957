//! Brevo's transactional email API (`POST {BREVO_API_URL}/v3/smtp/email`): template id,
//! params, recipient, and the row's UUID as Brevo's `idempotencyKey`, so a retry that
//! crosses a successful send is not sent twice.
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;


#[derive(Clone)]
pub struct Brevo {
    http: reqwest::Client,
    url: String,
    key: SecretString,
}

/// What an attempt came to.
#[derive(Debug, PartialEq)]
pub enum Delivery {
    Sent(Option<String>),
    /// Worth retrying (429, 5xx, timeout, unreachable); Brevo's Retry-After if it sent one.
    Retry(String, Option<Duration>),
    /// Will never work as is (other 4xx: invalid address, unknown template…).
    Failed(String),
}

fn classify(status: reqwest::StatusCode, retry_after: Option<Duration>, detail: String) -> Delivery {
    if status.is_success() {
        Delivery::Sent(None)
    } else if status.as_u16() == 429 || status.is_server_error() {
        Delivery::Retry(format!("Brevo {status}: {detail}"), retry_after)
    } else {
        Delivery::Failed(format!("Brevo {status}: {detail}"))
    }
}

impl Brevo {
    /// Puts a contact in `list` and out of `others` (create or update).
    pub async fn sync_contact(&self, email: &str, name: Option<&str>, list: i64, others: &[i64]) -> Delivery {
        let base = self.url.trim_end_matches("/smtp/email");
        let upsert = json!({
            "email": email,
            "attributes": { "PRENOM": name.unwrap_or("") },
            "listIds": [list],
            "updateEnabled": true,
        });
        let r = self.call(self.http.post(format!("{base}/contacts")).json(&upsert)).await;
        if !matches!(r, Delivery::Sent(_)) || others.is_empty() {
            return r;
        }
        // the address as a path segment (its @ becomes %40, as Brevo's examples show)
        let encoded = crate::third_party::segment(email);
        self.call(self.http.put(format!("{base}/contacts/{encoded}")).json(&json!({ "unlinkListIds": others }))).await
    }

    /// The one request path: key and accept headers, then the answer classified (a 2xx
    /// carries Brevo's `messageId` when it sends one).
    async fn call(&self, request: reqwest::RequestBuilder) -> Delivery {
        match request.header("api-key", self.key.expose_secret()).header("accept", "application/json").send().await {
            Ok(r) => {
                let status = r.status();
                let retry_after = r.headers().get("retry-after").and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
                let text = r.text().await.unwrap_or_default();
                match classify(status, retry_after, text.chars().take(500).collect()) {
                    Delivery::Sent(_) => Delivery::Sent(
                        serde_json::from_str::<Value>(&text).ok().and_then(|v| v["messageId"].as_str().map(str::to_string)),
                    ),
                    other => other,
                }
            }
            Err(e) if e.is_timeout() => Delivery::Retry("Brevo timed out".into(), None),
            Err(e) => Delivery::Retry(format!("Brevo unreachable: {e}"), None),
        }
    }

    /// Deletes her contact (`DELETE /v3/contacts/{email}`); a 404 means there is none.
    pub async fn delete_contact(&self, email: &str) -> crate::third_party::Answer {
        let base = self.url.trim_end_matches("/smtp/email");
        let request = self
            .http
            .delete(format!("{base}/contacts/{}", crate::third_party::segment(email)))
            .header("api-key", self.key.expose_secret())
            .header("accept", "application/json");
        crate::third_party::send("Brevo delete contact", request).await
    }

    /// Her contact as Brevo holds it (`GET /v3/contacts/{email}`): lists, blocklisting,
    /// attributes; a 404 means there is none.
    pub async fn contact(&self, email: &str) -> crate::third_party::Answer {
        let base = self.url.trim_end_matches("/smtp/email");
        let request = self
            .http
            .get(format!("{base}/contacts/{}", crate::third_party::segment(email)))
            .header("api-key", self.key.expose_secret())
            .header("accept", "application/json");
        crate::third_party::send("Brevo contact", request).await
    }

    pub fn new(base_url: &str, key: SecretString, timeout: Duration) -> Result<Brevo, String> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Brevo { http, url: format!("{base_url}/v3/smtp/email"), key })
    }

    pub async fn send(&self, to: &str, template_id: i64, params: &Value, idempotency_key: &str) -> Delivery {
        let body = json!({
            "to": [{ "email": to }],
            "templateId": template_id,
            "params": params,
            "headers": { "idempotencyKey": idempotency_key },
        });
        self.call(self.http.post(&self.url).json(&body)).await
    }
}
