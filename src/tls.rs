//! rustls configurations built from libhv's `hssl_ctx_opt_t` fields (PEM files on disk).
//!
//! TLS 1.2 and 1.3 only, ring as the crypto provider. A client verifies the server's certificate
//! and host name only when `verify_peer` is set, as libhv does; a server with `verify_peer`
//! requires a client certificate signed by `ca_file`/`ca_path`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
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

/// A server's certificate files, kept so that a reload can read them all again: the default
/// (whose `verify_peer`/`ca_file` also decide client authentication) and one per SNI host name.
#[derive(Debug, Clone, Default)]
pub struct ServerTlsFiles {
    pub default: TlsOptions,
    /// Host names in lower case; `*.example.com` matches one leading label.
    pub sni: Vec<(String, TlsOptions)>,
    /// Resolve no certificate (the server then answers `unrecognized_name`) for an SNI name
    /// that neither an SNI certificate nor the default certificate covers, instead of serving
    /// the default.
    pub refuse_unknown_sni: bool,
}

impl ServerTlsFiles {
    /// These files with `host`'s certificate added, or replacing an earlier one for it.
    pub fn with_sni(mut self, host: &str, opts: TlsOptions) -> Result<Self> {
        if host.is_empty() {
            return Err(Error::InvalidArgument("empty SNI host name".into()));
        }
        let host = host.to_ascii_lowercase();
        self.sni.retain(|(h, _)| *h != host);
        self.sni.push((host, opts));
        Ok(self)
    }
}

/// What SNI certificates need first: the default certificate, to serve everyone else.
pub fn no_default_certificate() -> Error {
    Error::TlsConfig("set the default certificate before SNI certificates".into())
}

/// What a reload needs: certificates given as files.
pub fn nothing_to_reload() -> Error {
    Error::TlsConfig("no certificate files to reload".into())
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// Says which file and what is wrong with it: missing, unreadable, or not PEM.
fn pem_error(path: &Path, what: &str, e: pem::Error) -> Error {
    Error::TlsConfig(match e {
        pem::Error::Io(e) => format!("cannot read {}: {e}", path.display()),
        pem::Error::NoItemsFound => format!("no {what} in {}", path.display()),
        e => format!("bad PEM in {}: {e}", path.display()),
    })
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, "certificate", e))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, "certificate", e))?;
    if certs.is_empty() {
        return Err(pem_error(path, "certificate", pem::Error::NoItemsFound));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| pem_error(path, "private key", e))
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

/// One certificate chain and its key, checked to belong together.
fn certified_key(opts: &TlsOptions) -> Result<Arc<CertifiedKey>> {
    let crt = required(&opts.crt_file, "crt_file")?;
    let certs = load_certs(crt)?;
    let key = load_key(required(&opts.key_file, "key_file")?)?;
    CertifiedKey::from_der(certs, key, &provider())
        .map(Arc::new)
        .map_err(|e| {
            Error::TlsConfig(format!(
                "certificate {} and its key do not match: {e}",
                crt.display()
            ))
        })
}

pub fn server_config(opts: &TlsOptions) -> Result<Arc<ServerConfig>> {
    sni_server_config(&ServerTlsFiles {
        default: opts.clone(),
        ..Default::default()
    })
}

/// Reads every file of `files` now; any error leaves nothing half built.
pub fn sni_server_config(files: &ServerTlsFiles) -> Result<Arc<ServerConfig>> {
    let opts = &files.default;
    let resolver = SniResolver {
        default: certified_key(opts)?,
        by_name: files
            .sni
            .iter()
            .map(|(name, o)| Ok((name.to_ascii_lowercase(), certified_key(o)?)))
            .collect::<Result<_>>()?,
        refuse_unknown: files.refuse_unknown_sni,
    };
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
    Ok(Arc::new(builder.with_cert_resolver(Arc::new(resolver))))
}

/// Picks the certificate by the client's SNI: an exact host name, then a `*.` wildcard
/// entry, then the default.
#[derive(Debug)]
struct SniResolver {
    default: Arc<CertifiedKey>,
    by_name: HashMap<String, Arc<CertifiedKey>>,
    refuse_unknown: bool,
}

impl SniResolver {
    fn lookup(&self, name: &str) -> Option<&Arc<CertifiedKey>> {
        let name = name.to_ascii_lowercase();
        self.by_name.get(&name).or_else(|| {
            let (_, parent) = name.split_once('.')?;
            self.by_name.get(&format!("*.{parent}"))
        })
    }

    fn default_covers(&self, name: &str) -> bool {
        let (Some(end_entity), Ok(server_name)) =
            (self.default.cert.first(), ServerName::try_from(name))
        else {
            return false;
        };
        webpki::EndEntityCert::try_from(end_entity)
            .is_ok_and(|c| c.verify_is_valid_for_subject_name(&server_name).is_ok())
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match hello.server_name() {
            None => Some(self.default.clone()),
            Some(name) => match self.lookup(name) {
                Some(key) => Some(key.clone()),
                None if self.refuse_unknown && !self.default_covers(name) => None,
                None => Some(self.default.clone()),
            },
        }
    }
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

/// The verified certificate a client presented (with `verify_peer`), for handlers.
#[derive(Debug, Clone)]
pub struct PeerCert {
    pub der: Vec<u8>,
    /// The subject as RFC 4514-style text (`CN=alice, O=Example`); empty when it cannot be
    /// parsed (the handshake verified the certificate, so that is not expected).
    pub subject: String,
}

impl PeerCert {
    pub fn new(der: &CertificateDer<'_>) -> Self {
        let subject = x509_parser::parse_x509_certificate(der)
            .map(|(_, cert)| cert.subject().to_string())
            .unwrap_or_default();
        PeerCert {
            der: der.to_vec(),
            subject,
        }
    }
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

    fn message(r: Result<Arc<ServerConfig>>) -> String {
        match r {
            Err(Error::TlsConfig(m)) => m,
            other => panic!("expected a TLS configuration error, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_file_and_what_is_wrong() {
        let dir = std::env::temp_dir().join(format!("hv-tls-msg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: String| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let a = rcgen::generate_simple_self_signed(vec!["a.test".into()]).unwrap();
        let b = rcgen::generate_simple_self_signed(vec!["b.test".into()]).unwrap();
        let (crt, key) = (
            write("a.crt", a.cert.pem()),
            write("a.key", a.key_pair.serialize_pem()),
        );
        let other_key = write("b.key", b.key_pair.serialize_pem());
        let junk = write("junk.pem", "not PEM".into());
        let opts = |c: &Path, k: &Path| TlsOptions {
            crt_file: Some(c.to_owned()),
            key_file: Some(k.to_owned()),
            ..Default::default()
        };
        let missing = Path::new("/nonexistent/cert.pem");
        let m = message(server_config(&opts(missing, &key)));
        assert!(m.contains("cannot read /nonexistent/cert.pem"), "{m}");
        let m = message(server_config(&opts(&junk, &key)));
        assert!(
            m.contains("no certificate in") && m.contains("junk.pem"),
            "{m}"
        );
        let m = message(server_config(&opts(&crt, &junk)));
        assert!(
            m.contains("no private key in") && m.contains("junk.pem"),
            "{m}"
        );
        let m = message(server_config(&opts(&crt, &other_key)));
        assert!(m.contains("a.crt") && m.contains("do not match"), "{m}");
        let with_bad_sni = ServerTlsFiles {
            default: opts(&crt, &key),
            sni: vec![("b.test".into(), opts(&junk, &other_key))],
            refuse_unknown_sni: false,
        };
        let m = message(sni_server_config(&with_bad_sni));
        assert!(m.contains("junk.pem"), "an SNI file is checked too: {m}");
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
