//! TLS for the admin listener in team mode: the certificate chain and private key files an
//! operator gives (`--tls-cert`, `--tls-key`, PEM), loaded into a rustls server configuration
//! (ring, TLS 1.2 and 1.3, HTTP/1.1 by ALPN). Checked at start (a bad pair stops it). A renewed
//! certificate is taken without a restart: a handshake at least [`RELOAD_CHECK`] after the last
//! check looks at both files' modification times and sizes, and loads them again when they
//! changed; a pair that does not load (caught mid-renewal) is logged and the old one kept.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;

/// The certificate and key files of the admin listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, PEM (the server's certificate first, then intermediates).
    pub cert: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the TLS files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no PEM block of the kind needed.
    #[error("could not read the tls {what} from {path}: {reason}; give a PEM file ({hint})")]
    File {
        /// `certificate` or `private key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
        /// What the file should hold.
        hint: &'static str,
    },
    /// The certificate and key do not go together, or rustls refuses them.
    #[error(
        "the tls certificate {cert} and key {key} cannot be used together: {reason}; check that the key is the certificate's"
    )]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        reason: String,
    },
}

const CERT_HINT: &str = "-----BEGIN CERTIFICATE----- blocks, the server's first";
const KEY_HINT: &str = "one -----BEGIN PRIVATE KEY----- block, unencrypted";

fn file_error(what: &'static str, path: &Path, reason: String, hint: &'static str) -> TlsError {
    TlsError::File {
        what,
        path: path.to_owned(),
        reason,
        hint,
    }
}

/// Least time between two looks at the files for a renewed certificate.
pub const RELOAD_CHECK: Duration = Duration::from_secs(10);

/// What a file looked like when loaded: a change of either means a renewal.
type Stamp = [(Option<SystemTime>, u64); 2];

fn stamp(files: &TlsFiles) -> Stamp {
    let of = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| (m.modified().ok(), m.len()))
            .unwrap_or((None, 0))
    };
    [of(&files.cert), of(&files.key)]
}

/// The certificate and key in `files`, checked to go together.
fn load(
    files: &TlsFiles,
    provider: &rustls::crypto::CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect())
        .map_err(|e| file_error("certificate", &files.cert, e.to_string(), CERT_HINT))?;
    if certs.is_empty() {
        return Err(file_error(
            "certificate",
            &files.cert,
            "no certificate in it".into(),
            CERT_HINT,
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| file_error("private key", &files.key, e.to_string(), KEY_HINT))?;
    CertifiedKey::from_der(certs, key, provider).map_err(|e| TlsError::Mismatch {
        cert: files.cert.clone(),
        key: files.key.clone(),
        reason: e.to_string(),
    })
}

/// The listener's certificate, loaded again from its files when they change.
#[derive(Debug)]
struct Reloading {
    files: TlsFiles,
    provider: Arc<rustls::crypto::CryptoProvider>,
    held: Mutex<Held>,
}

#[derive(Debug)]
struct Held {
    key: Arc<CertifiedKey>,
    stamp: Stamp,
    checked: Instant,
}

impl Reloading {
    /// The certificate to present: the held one, loaded again first when the files changed
    /// (checked at most every [`RELOAD_CHECK`]).
    fn current(&self) -> Arc<CertifiedKey> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.checked.elapsed() >= RELOAD_CHECK {
            held.checked = Instant::now();
            let now = stamp(&self.files);
            if now != held.stamp {
                match load(&self.files, &self.provider) {
                    Ok(key) => {
                        held.key = Arc::new(key);
                        held.stamp = now;
                        tracing::info!(cert = %self.files.cert.display(), "the admin listener's tls certificate was renewed: using the new one");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the tls files changed but do not load; keeping the certificate in use");
                    }
                }
            }
        }
        held.key.clone()
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// Load `files` into a server configuration for the admin listener.
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let stamp = stamp(files);
    let key = load(files, &provider)?;
    let resolver = Arc::new(Reloading {
        files: files.clone(),
        provider: provider.clone(),
        held: Mutex::new(Held {
            key: Arc::new(key),
            stamp,
            checked: Instant::now(),
        }),
    });
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Mismatch {
            cert: files.cert.clone(),
            key: files.key.clone(),
            reason: e.to_string(),
        })?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/tls")
            .join(name)
    }

    #[test]
    fn a_certificate_and_its_key_load() {
        let files = TlsFiles {
            cert: fixture("localhost.crt"),
            key: fixture("localhost.test-only.key"),
        };
        let config = server_config(&files).unwrap();
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
    }

    #[test]
    fn a_renewed_certificate_is_taken_and_a_broken_renewal_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let files = TlsFiles {
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
        };
        std::fs::copy(fixture("localhost.crt"), &files.cert).unwrap();
        std::fs::copy(fixture("localhost.test-only.key"), &files.key).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let first = load(&files, &provider).unwrap();
        let resolver = Reloading {
            files: files.clone(),
            provider,
            held: Mutex::new(Held {
                key: Arc::new(first),
                stamp: stamp(&files),
                checked: Instant::now(),
            }),
        };
        let before = resolver.current();
        // Renewed: the CA's certificate in the chain's place is another chain (of another key).
        let renewed = format!(
            "{}{}",
            std::fs::read_to_string(fixture("localhost.crt")).unwrap(),
            std::fs::read_to_string(fixture("test-ca.crt")).unwrap()
        );
        std::fs::write(&files.cert, renewed).unwrap();
        // Not before the next check is due.
        assert!(Arc::ptr_eq(&resolver.current(), &before));
        resolver.held.lock().unwrap().checked = Instant::now() - RELOAD_CHECK;
        let after = resolver.current();
        assert!(!Arc::ptr_eq(&after, &before));
        assert_eq!(after.cert.len(), 2, "the renewed chain is presented");
        // Caught mid-renewal (a key that is not the certificate's): the last good pair stays.
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/oidc/signing-key-1.test-only.pem"),
            &files.key,
        )
        .unwrap();
        resolver.held.lock().unwrap().checked = Instant::now() - RELOAD_CHECK;
        assert!(Arc::ptr_eq(&resolver.current(), &after));
    }

    #[test]
    fn a_missing_file_a_swapped_pair_and_a_foreign_key_are_named() {
        let missing = TlsFiles {
            cert: fixture("nope.crt"),
            key: fixture("localhost.test-only.key"),
        };
        let e = server_config(&missing).unwrap_err().to_string();
        assert!(
            e.contains("tls certificate") && e.contains("nope.crt"),
            "{e}"
        );
        let swapped = TlsFiles {
            cert: fixture("localhost.test-only.key"),
            key: fixture("localhost.crt"),
        };
        let e = server_config(&swapped).unwrap_err().to_string();
        assert!(e.contains("no certificate"), "{e}");
        let foreign = TlsFiles {
            cert: fixture("localhost.crt"),
            key: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/oidc/signing-key-1.test-only.pem"),
        };
        let e = server_config(&foreign).unwrap_err().to_string();
        assert!(e.contains("cannot be used together"), "{e}");
    }
}
