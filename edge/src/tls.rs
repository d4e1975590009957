//! TLS from the edge to PostgreSQL (rustls), with libpq's `sslmode` semantics, from the
//! URL (`?sslmode=verify-full&sslrootcert=/etc/aurora/ca.crt`) or libpq's own variables
//! (`PGSSLMODE`, `PGSSLROOTCERT`) when the URL does not say:
//!
//! | sslmode | encrypted | server checked |
//! |---|---|---|
//! | `disable` | no | — |
//! | `prefer` (default, as libpq) | if the server offers it | no |
//! | `require` | yes, or no connection | no (as `verify-ca` when `sslrootcert` is given, as libpq) |
//! | `verify-ca` | yes | its certificate chains to `sslrootcert` |
//! | `verify-full` | yes | and it is issued for the host connected to |
//!
//! `sslrootcert` is a PEM file of CA certificates, or `system` for the public web roots;
//! `verify-ca` and `verify-full` need it (libpq refuses them without a root too).
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<SslMode, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" | "allow" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => return Err(format!("sslmode {other:?} is not one of disable, prefer, require, verify-ca, verify-full")),
        })
    }
}

/// Where the edge's database connections go, and how they are secured.
#[derive(Clone)]
pub struct DbTarget {
    /// The connection settings, with tokio-postgres's own ssl mode set.
    pub pg: tokio_postgres::Config,
    pub mode: SslMode,
    roots: Option<Arc<RootCertStore>>,
}

impl std::fmt::Debug for DbTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // tokio-postgres's Config prints no password
        f.debug_struct("DbTarget").field("pg", &self.pg).field("mode", &self.mode).finish()
    }
}

/// Takes `sslmode` and `sslrootcert` out of a libpq connection string (URL or key=value
/// form), since tokio-postgres knows neither verify mode; answers the rest and the two.
fn split_ssl(url: &str) -> (String, Option<String>, Option<String>) {
    let (mut mode, mut root) = (None, None);
    let mut take = |k: &str, v: String| match k {
        "sslmode" => {
            mode = Some(v);
            true
        }
        "sslrootcert" => {
            root = Some(v);
            true
        }
        _ => false,
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else { return (url.to_string(), None, None) };
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                !take(k, percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
            })
            .collect();
        let rest = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
        (rest, mode, root)
    } else {
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                !take(k.trim(), v.trim().trim_matches('\'').to_string())
            })
            .collect();
        (kept.join(" "), mode, root)
    }
}

fn load_roots(path: &str) -> Result<Arc<RootCertStore>, String> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = RootCertStore::empty();
    if path == "system" {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(Arc::new(roots));
    }
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("sslrootcert {path}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("sslrootcert {path}: {e}"))?;
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(format!("sslrootcert {path}: no CA certificate in it"));
    }
    Ok(Arc::new(roots))
}

impl DbTarget {
    /// `url`: DATABASE_URL; `env_mode`, `env_root`: PGSSLMODE, PGSSLROOTCERT (the URL wins).
    pub fn parse(url: &str, env_mode: Option<String>, env_root: Option<String>) -> Result<DbTarget, String> {
        let (rest, mode, root) = split_ssl(url);
        let mut pg: tokio_postgres::Config = rest.parse().map_err(|e: tokio_postgres::Error| e.to_string())?;
        let root = root.or(env_root).filter(|r| !r.trim().is_empty());
        let mut mode = SslMode::parse(mode.or(env_mode).as_deref().unwrap_or("prefer"))?;
        if mode == SslMode::Require && root.is_some() {
            mode = SslMode::VerifyCa;
        }
        let roots = match (&root, mode) {
            (Some(path), SslMode::VerifyCa | SslMode::VerifyFull) => Some(load_roots(path)?),
            (None, SslMode::VerifyCa | SslMode::VerifyFull) => {
                return Err("sslmode verify-ca and verify-full need sslrootcert (a CA file, or \"system\")".into())
            }
            _ => None,
        };
        pg.ssl_mode(match mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
        Ok(DbTarget { pg, mode, roots })
    }

    /// The TLS connector for these connections.
    pub fn connector(&self) -> MakeRustlsConnect {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions");
        let config = match (&self.roots, self.mode) {
            (Some(roots), SslMode::VerifyFull) => builder.with_root_certificates(roots.clone()).with_no_client_auth(),
            (Some(roots), _) => {
                let inner = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .build()
                    .expect("a root store with certificates");
                builder.dangerous().with_custom_certificate_verifier(Arc::new(ChainOnly { inner })).with_no_client_auth()
            }
            (None, _) => builder.dangerous().with_custom_certificate_verifier(Arc::new(Unverified { provider })).with_no_client_auth(),
        };
        MakeRustlsConnect::new(config)
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the name is not compared.
#[derive(Debug)]
struct ChainOnly {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(&self, end: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>], name: &ServerName<'_>,
                          ocsp: &[u8], now: UnixTime) -> Result<ServerCertVerified, Error> {
        match self.inner.verify_server_cert(end, intermediates, name, ocsp, now) {
            Err(Error::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }
    fn verify_tls12_signature(&self, m: &[u8], c: &CertificateDer<'_>, d: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(m, c, d)
    }
    fn verify_tls13_signature(&self, m: &[u8], c: &CertificateDer<'_>, d: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `prefer` and `require`: encrypted, the server not checked (libpq's meaning of them);
/// the handshake's signatures are still verified.
#[derive(Debug)]
struct Unverified {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(&self, _: &CertificateDer<'_>, _: &[CertificateDer<'_>], _: &ServerName<'_>, _: &[u8],
                          _: UnixTime) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(&self, m: &[u8], c: &CertificateDer<'_>, d: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(m, c, d, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(&self, m: &[u8], c: &CertificateDer<'_>, d: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(m, c, d, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_root_come_out_of_the_url() {
        let (rest, mode, root) = split_ssl("postgres://u:p@h1:5432,h2:5432/db?sslmode=verify-full&target_session_attrs=read-write&sslrootcert=%2Fetc%2Fca.crt");
        assert_eq!(rest, "postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write");
        assert_eq!((mode.as_deref(), root.as_deref()), (Some("verify-full"), Some("/etc/ca.crt")));
        let (rest, mode, _) = split_ssl("host=h dbname=db sslmode=require");
        assert_eq!((rest.as_str(), mode.as_deref()), ("host=h dbname=db", Some("require")));
        assert_eq!(split_ssl("postgres://h/db").0, "postgres://h/db");
    }

    #[test]
    fn modes_follow_libpq() {
        let t = DbTarget::parse("postgres://h/db", None, None).unwrap();
        assert_eq!(t.mode, SslMode::Prefer, "libpq's default");
        let t = DbTarget::parse("postgres://h/db?sslmode=disable", Some("require".into()), None).unwrap();
        assert_eq!(t.mode, SslMode::Disable, "the URL wins over PGSSLMODE");
        let t = DbTarget::parse("postgres://h/db", Some("require".into()), None).unwrap();
        assert_eq!(t.mode, SslMode::Require);
        let err = DbTarget::parse("postgres://h/db?sslmode=verify-full", None, None).unwrap_err();
        assert!(err.contains("need sslrootcert"), "{err}");
        let err = DbTarget::parse("postgres://h/db?sslmode=sometimes", None, None).unwrap_err();
        assert!(err.contains("not one of"), "{err}");
        let err = DbTarget::parse("postgres://h/db?sslmode=verify-ca&sslrootcert=/nonexistent.crt", None, None).unwrap_err();
        assert!(err.contains("/nonexistent.crt"), "{err}");
        let t = DbTarget::parse("postgres://h/db?sslmode=verify-full&sslrootcert=system", None, None).unwrap();
        assert_eq!(t.mode, SslMode::VerifyFull);
    }
}
