//! What an answer from a third party (Stripe, Brevo, Storage, GoTrue) means to erasure and
//! export, in one place: a 2xx is done (with its JSON, if any); a 404 says the thing is gone
//! already (deleting it again is done too: every erasure step is idempotent); anything else
//! (429, 5xx, another 4xx, a timeout, no connection) is worth trying again later, with what
//! it said, for the step's `last_error`.
use serde_json::Value;

/// Everything but RFC 3986's unreserved characters is escaped in a path segment.
pub const PATH_SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `s` as one path segment (an address's @ becomes %40, an id cannot add a segment).
pub fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, PATH_SEGMENT).to_string()
}

#[derive(Debug)]
pub enum Answer {
    Done(Value),
    Gone,
    Retry(String),
}

/// Sends `request` and classifies the answer; `what` names the call in errors.
pub async fn send(what: &str, request: reqwest::RequestBuilder) -> Answer {
    match request.send().await {
        Ok(r) => {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            if status.is_success() {
                Answer::Done(serde_json::from_str(&text).unwrap_or(Value::Null))
            } else if status == reqwest::StatusCode::NOT_FOUND {
                Answer::Gone
            } else {
                Answer::Retry(format!("{what}: {status}: {}", text.chars().take(300).collect::<String>()))
            }
        }
        Err(e) if e.is_timeout() => Answer::Retry(format!("{what}: timed out")),
        Err(e) => Answer::Retry(format!("{what}: unreachable: {e}")),
    }
}
