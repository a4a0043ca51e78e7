//! rustls configurations built from libhv's `hssl_ctx_opt_t` fields (PEM files on disk).
//!
//! TLS 1.2 and 1.3 only, ring as the crypto provider. A client verifies the server's certificate
//! and host name only when `verify_peer` is set, as libhv does; a server with `verify_peer`
//! requires a client certificate signed by `ca_file`/`ca_path`.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub crt_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub ca_path: Option<PathBuf>,
    pub verify_peer: bool,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| Error::TlsConfig(format!("cannot open {}: {e}", path.display())))
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs = rustls_pemfile::certs(&mut open(path)?)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::TlsConfig(format!("bad PEM in {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::TlsConfig(format!(
            "no certificate in {}",
            path.display()
        )));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    rustls_pemfile::private_key(&mut open(path)?)
        .map_err(|e| Error::TlsConfig(format!("bad PEM in {}: {e}", path.display())))?
        .ok_or_else(|| Error::TlsConfig(format!("no private key in {}", path.display())))
}

/// Trust anchors from `ca_file` and every PEM file in `ca_path`, or the system's when neither is set.
fn load_roots(opts: &TlsOptions) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    let mut files: Vec<PathBuf> = opts.ca_file.iter().cloned().collect();
    if let Some(dir) = &opts.ca_path {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::TlsConfig(format!("cannot read {}: {e}", dir.display())))?;
        files.extend(
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file()),
        );
    }
    if files.is_empty() {
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
    }
    for file in &files {
        for cert in load_certs(file)? {
            roots
                .add(cert)
                .map_err(|e| Error::TlsConfig(format!("bad CA in {}: {e}", file.display())))?;
        }
    }
    if roots.is_empty() {
        return Err(Error::TlsConfig("no trusted CA certificate found".into()));
    }
    Ok(roots)
}

fn required<'a>(path: &'a Option<PathBuf>, what: &str) -> Result<&'a Path> {
    path.as_deref()
        .ok_or_else(|| Error::TlsConfig(format!("{what} is required")))
}

pub fn server_config(opts: &TlsOptions) -> Result<Arc<ServerConfig>> {
    let certs = load_certs(required(&opts.crt_file, "crt_file")?)?;
    let key = load_key(required(&opts.key_file, "key_file")?)?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Error::TlsConfig(e.to_string()))?;
    let builder = if opts.verify_peer {
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(load_roots(opts)?),
            provider(),
        )
        .build()
        .map_err(|e| Error::TlsConfig(e.to_string()))?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(certs, key)
        .map_err(|e| Error::TlsConfig(format!("certificate and key do not match: {e}")))?;
    Ok(Arc::new(config))
}

pub fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Error::TlsConfig(e.to_string()))?;
    let builder = if opts.verify_peer {
        builder.with_root_certificates(load_roots(opts)?)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServer(provider())))
    };
    let config = match (&opts.crt_file, &opts.key_file) {
        (Some(crt), Some(key)) => builder
            .with_client_auth_cert(load_certs(crt)?, load_key(key)?)
            .map_err(|e| Error::TlsConfig(format!("client certificate: {e}")))?,
        _ => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The server name to send as SNI and to verify: the host itself, IP literals included.
pub fn server_name(host: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
    )
    .map_err(|e| Error::TlsConfig(format!("bad server name {host:?}: {e}")))
}

/// libhv's client default (`verify_peer = 0`): encrypt, but accept any server certificate.
/// Handshake signatures are still checked so the session keys belong to the presented key.
#[derive(Debug)]
struct AcceptAnyServer(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_bad_files_are_errors_not_panics() {
        let opts = TlsOptions {
            crt_file: Some("/nonexistent/cert.pem".into()),
            key_file: Some("/nonexistent/key.pem".into()),
            ..Default::default()
        };
        assert!(matches!(server_config(&opts), Err(Error::TlsConfig(_))));
        assert!(matches!(
            server_config(&TlsOptions::default()),
            Err(Error::TlsConfig(_))
        ));
        let dir = std::env::temp_dir().join(format!("hv-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let opts = TlsOptions {
            crt_file: Some(junk.clone()),
            key_file: Some(junk),
            ..Default::default()
        };
        assert!(matches!(server_config(&opts), Err(Error::TlsConfig(_))));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn generated_certificate_makes_server_and_verifying_client_configs() {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let dir = std::env::temp_dir().join(format!("hv-tls-ok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (crt, key) = (dir.join("c.pem"), dir.join("k.pem"));
        std::fs::write(&crt, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
        let server = TlsOptions {
            crt_file: Some(crt.clone()),
            key_file: Some(key),
            ..Default::default()
        };
        assert!(server_config(&server).is_ok());
        let client = TlsOptions {
            ca_file: Some(crt.clone()),
            verify_peer: true,
            ..Default::default()
        };
        assert!(client_config(&client).is_ok());
        let ca_dir = dir.join("cas");
        std::fs::create_dir_all(&ca_dir).unwrap();
        std::fs::copy(&crt, ca_dir.join("a.pem")).unwrap();
        let by_dir = TlsOptions {
            ca_path: Some(ca_dir.clone()),
            verify_peer: true,
            ..Default::default()
        };
        assert_eq!(
            load_roots(&by_dir).unwrap().len(),
            1,
            "ca_path loads every PEM file in it"
        );
        std::fs::write(ca_dir.join("junk.pem"), "junk").unwrap();
        assert!(matches!(client_config(&by_dir), Err(Error::TlsConfig(_))));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
