//! The server's certificate and both sides' rustls configurations.
//!
//! azure-core refuses to send a bearer token over plain HTTP and az has no switch to allow it
//! (real-clients.md §1), so the server speaks HTTPS only. On first start it makes one
//! self-signed certificate that is also its own CA (`basicConstraints=critical,CA:TRUE`), with
//! `IP:127.0.0.1` in its SAN because clients connect by IP: the same file is then the
//! `REQUESTS_CA_BUNDLE` az, MSAL and the SDK trust. It passes OpenSSL's `VERIFY_X509_STRICT`
//! (on by default in Python ≥ 3.13): critical basic constraints, key usage with `keyCertSign`,
//! subject and authority key identifiers.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use serde_json::{json, Value};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// How long a generated certificate is valid. Regenerated on start once fewer than
/// [`RENEW_BEFORE_DAYS`] remain (clients then need the new file, which has the same path).
const VALID_DAYS: i64 = 825;
const RENEW_BEFORE_DAYS: i64 = 30;

/// The ring provider: the one crypto backend of every TLS endpoint in vnetlab (it builds
/// with a C compiler alone, unlike aws-lc-rs which also wants cmake on some hosts).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A certificate and key on disk.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// True when this start generated them.
    pub created: bool,
}

/// The generated certificate in `dir` (`cert.pem`, `key.pem`), created or renewed as needed.
/// Its SAN holds `IP:127.0.0.1`, `IP:::1`, `DNS:localhost` and `listen_ip`.
pub fn ensure_self_signed(dir: &Path, listen_ip: IpAddr) -> Result<CertFiles, String> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let info_path = dir.join("cert-info.json");
    let mut ips: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
    if !ips.contains(&listen_ip) {
        ips.push(listen_ip);
    }
    let sans: Vec<String> = ips.iter().map(|ip| format!("IP:{ip}")).collect();
    let now_days = unix_now() / 86_400;
    // Reuse the existing pair when it covers the listen address and is not about to expire.
    if let Ok(text) = std::fs::read_to_string(&info_path) {
        if let Ok(info) = serde_json::from_str::<Value>(&text) {
            let covered = info["sans"]
                .as_array()
                .is_some_and(|have| sans.iter().all(|s| have.iter().any(|h| h == s)));
            let fresh = info["notAfterDays"]
                .as_i64()
                .is_some_and(|d| d - now_days > RENEW_BEFORE_DAYS);
            if covered && fresh && cert.is_file() && key.is_file() {
                return Ok(CertFiles {
                    cert,
                    key,
                    created: false,
                });
            }
        }
    }
    let (cert_pem, key_pem) = generate(&ips, now_days)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    write_private(&key, key_pem.as_bytes())?;
    std::fs::write(&cert, cert_pem).map_err(|e| format!("cannot write {}: {e}", cert.display()))?;
    let info = json!({ "sans": sans, "notAfterDays": now_days + VALID_DAYS });
    std::fs::write(&info_path, info.to_string())
        .map_err(|e| format!("cannot write {}: {e}", info_path.display()))?;
    Ok(CertFiles {
        cert,
        key,
        created: true,
    })
}

/// A self-signed CA certificate for `ips` and `localhost`, as PEM (certificate, key).
pub fn generate(ips: &[IpAddr], now_days: i64) -> Result<(String, String), String> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose, SanType,
    };
    let err = |e: rcgen::Error| format!("cannot generate the certificate: {e}");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).map_err(err)?;
    for ip in ips {
        params.subject_alt_names.push(SanType::IpAddress(*ip));
    }
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "vnetlab serve (localhost)");
    dn.push(DnType::OrganizationName, "vnetlab");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let (y, m, d) = civil_from_days(now_days - 1);
    params.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = civil_from_days(now_days + VALID_DAYS);
    params.not_after = rcgen::date_time_ymd(y, m, d);
    let key = KeyPair::generate().map_err(err)?;
    let cert = params.self_signed(&key).map_err(err)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// The server side: the certificate chain and key from PEM files.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let chain = load_certs(cert)?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read a private key from {}: {e}", key.display()))?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate {} and its key: {e}", cert.display()))?;
    // requests/urllib3 speak HTTP/1.1 only (real-clients.md §1); offer nothing else.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Every certificate in a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot parse {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate in {}", path.display()));
    }
    Ok(certs)
}

/// The client side: trusts the certificates in `trusted` — as roots, and also as exact pins,
/// because a self-signed CA certificate served as the leaf (ours, or one made with the
/// `openssl req -x509 … CA:TRUE` recipe) is refused by webpki as "CA used as end entity"
/// while Python's OpenSSL accepts it. The handshake signature is always verified.
pub fn client_config(trusted: Vec<CertificateDer<'static>>) -> Result<Arc<ClientConfig>, String> {
    let provider = provider();
    let mut roots = RootCertStore::empty();
    for c in &trusted {
        // A certificate webpki cannot use as an anchor can still be pinned.
        let _ = roots.add(c.clone());
    }
    let webpki = if roots.is_empty() {
        None
    } else {
        Some(
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider.clone(),
            )
            .build()
            .map_err(|e| e.to_string())?,
        )
    };
    let verifier = Arc::new(PinnedOrWebPki {
        pinned: trusted,
        webpki,
        provider: provider.clone(),
    });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct PinnedOrWebPki {
    pinned: Vec<CertificateDer<'static>>,
    webpki: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            return Ok(ServerCertVerified::assertion());
        }
        match &self.webpki {
            Some(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
            None => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    ((if m <= 2 { y + 1 } else { y }) as i32, m as u8, d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn generated_pair_is_reused_then_renewed_for_a_new_address() {
        let dir = std::env::temp_dir().join(format!("vnetlab-tls-{}", uuid::Uuid::new_v4()));
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let first = ensure_self_signed(&dir, lo).unwrap();
        assert!(first.created);
        let pem = std::fs::read_to_string(&first.cert).unwrap();
        let again = ensure_self_signed(&dir, lo).unwrap();
        assert!(!again.created);
        assert_eq!(std::fs::read_to_string(&again.cert).unwrap(), pem);
        let other = ensure_self_signed(&dir, "127.0.0.2".parse().unwrap()).unwrap();
        assert!(
            other.created,
            "a listen address outside the SAN needs a new certificate"
        );
        assert!(server_config(&other.cert, &other.key).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&other.key).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o077,
                0,
                "the private key is readable by its owner only"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
