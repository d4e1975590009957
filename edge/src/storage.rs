//! Supabase Storage's API, with the service key: deleting objects (bytes and rows, which
//! SQL may not do: storage.protect_delete()) and signing download links.
use crate::third_party::{segment, send, Answer};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone)]
pub struct Storage {
    http: reqwest::Client,
    base: String,
    key: Option<SecretString>,
}

impl Storage {
    pub fn new(supabase_url: &str, key: Option<SecretString>, timeout: Duration) -> Result<Storage, String> {
        let http = reqwest::Client::builder().timeout(timeout).connect_timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(Storage { http, base: format!("{supabase_url}/storage/v1"), key })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, String> {
        let key = self.key.as_ref().ok_or("SUPABASE_SERVICE_ROLE_KEY is not set")?;
        Ok(self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("apikey", key.expose_secret())
            .bearer_auth(key.expose_secret()))
    }

    /// Deletes `names` from `bucket` (`DELETE /object/{bucket}`, `{"prefixes": [...]}`),
    /// answering the objects deleted; names already gone are not an error.
    pub async fn delete(&self, bucket: &str, names: &[String]) -> Answer {
        match self.request(reqwest::Method::DELETE, &format!("/object/{}", segment(bucket))) {
            Ok(r) => send("Storage delete", r.json(&json!({ "prefixes": names }))).await,
            Err(e) => Answer::Retry(e),
        }
    }

    /// Signed download links for `names` in `bucket` (`POST /object/sign/{bucket}`), valid
    /// `expires_in` seconds: (name, absolute URL) for each one Storage signed.
    pub async fn sign(&self, bucket: &str, names: &[String], expires_in: u32) -> Result<Vec<(String, String)>, String> {
        let request = self.request(reqwest::Method::POST, &format!("/object/sign/{}", segment(bucket)))?;
        match send("Storage sign", request.json(&json!({ "expiresIn": expires_in, "paths": names }))).await {
            Answer::Done(Value::Array(items)) => Ok(items
                .iter()
                .filter_map(|i| {
                    let path = i["path"].as_str()?;
                    let url = i["signedURL"].as_str().or(i["signedUrl"].as_str())?;
                    Some((path.to_string(), format!("{}{url}", self.base)))
                })
                .collect()),
            Answer::Done(other) => Err(format!("Storage sign: unexpected answer {other}")),
            Answer::Gone => Err(format!("Storage sign: no bucket {bucket}")),
            Answer::Retry(e) => Err(e),
        }
    }
}

/// `[{bucket, name}, …]` (as the database lists a member's files) grouped by bucket, names
/// in order: the Storage API deletes and signs per bucket.
pub fn by_bucket(files: &Value) -> BTreeMap<String, Vec<String>> {
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in files.as_array().into_iter().flatten() {
        if let (Some(b), Some(n)) = (f["bucket"].as_str(), f["name"].as_str()) {
            grouped.entry(b.to_string()).or_default().push(n.to_string());
        }
    }
    grouped
}
