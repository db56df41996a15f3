//! TLS for the admin listener in team mode: the certificate chain and private key files an
//! operator gives (`--tls-cert`, `--tls-key`, PEM), loaded into a rustls server configuration
//! (ring, TLS 1.2 and 1.3, HTTP/1.1 by ALPN). Read once at start: a renewed certificate is
//! taken by a restart (`systemctl reload-or-restart scimlab`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

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

/// Load `files` into a server configuration for the admin listener.
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
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
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mismatch = |e: rustls::Error| TlsError::Mismatch {
        cert: files.cert.clone(),
        key: files.key.clone(),
        reason: e.to_string(),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(mismatch)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(mismatch)?;
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
