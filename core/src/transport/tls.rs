//! The rustls client configuration: the `ring` provider, the Mozilla roots from
//! `webpki-roots`, plus any extra certificate authorities (a corporate TLS-inspecting proxy, a
//! local test endpoint) from a PEM bundle.
//!
//! The roots are compiled in rather than read from the operating system, so the transport works
//! the same in a scratch container as on a laptop; `AWS_CA_BUNDLE` (the variable the AWS CLI
//! and SDKs read) or [`HyperTransportBuilder::ca_bundle`](super::HyperTransportBuilder::ca_bundle)
//! adds to them.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use super::error::TransportBuildError;

/// Extra certificate authorities, as configured.
#[derive(Clone)]
pub(crate) enum CaSource {
    /// A PEM file.
    File(PathBuf),
    /// PEM bytes held in memory.
    Pem(Arc<[u8]>),
}

impl CaSource {
    fn describe(&self) -> String {
        match self {
            CaSource::File(path) => format!("the CA bundle {}", path.display()),
            CaSource::Pem(_) => "the in-memory CA bundle".to_owned(),
        }
    }

    fn read(&self) -> Result<Vec<u8>, TransportBuildError> {
        match self {
            CaSource::File(path) => read_file(path),
            CaSource::Pem(bytes) => Ok(bytes.to_vec()),
        }
    }
}

impl std::fmt::Debug for CaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaSource::File(path) => f.debug_tuple("File").field(path).finish(),
            CaSource::Pem(pem) => write!(f, "Pem({} bytes)", pem.len()),
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, TransportBuildError> {
    std::fs::read(path).map_err(|e| {
        TransportBuildError::with_source(
            format!("could not read the CA bundle {}", path.display()),
            e,
        )
    })
}

/// Adds the certificates of a PEM bundle to `roots`.
///
/// A certificate webpki cannot use as a trust anchor is skipped with a warning, as
/// `rustls-native-certs` users do: system bundles (the usual target of `AWS_CA_BUNDLE`) often
/// hold a few such legacy certificates, and refusing the whole bundle for them would break
/// every request. A bundle that yields no usable certificate at all is an error: it is almost
/// always the wrong file (a key, a DER file, an empty file).
fn add_bundle(roots: &mut RootCertStore, source: &CaSource) -> Result<(), TransportBuildError> {
    let pem = source.read()?;
    let mut added = 0usize;
    let mut first_rejected = None;
    let mut rejected = 0usize;
    for (index, cert) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let cert: CertificateDer<'static> = cert.map_err(|e| {
            TransportBuildError::with_source(format!("{} is not valid PEM", source.describe()), e)
        })?;
        match roots.add(cert) {
            Ok(()) => added += 1,
            Err(e) => {
                rejected += 1;
                first_rejected.get_or_insert((index + 1, e));
            }
        }
    }
    match (added, first_rejected) {
        (0, None) => Err(TransportBuildError::new(format!(
            "{} contains no PEM certificate (expected -----BEGIN CERTIFICATE----- sections)",
            source.describe()
        ))),
        (0, Some((index, e))) => Err(TransportBuildError::with_source(
            format!(
                "{} holds no usable CA certificate (certificate {index} was rejected)",
                source.describe()
            ),
            e,
        )),
        (_, Some((index, e))) => {
            tracing::warn!(
                rejected,
                added,
                first = index,
                error = %e,
                "skipped CA certificates that cannot be trust anchors in {}",
                source.describe()
            );
            Ok(())
        }
        (_, None) => Ok(()),
    }
}

/// The client configuration: TLS 1.2 and 1.3 with the `ring` provider, webpki roots plus the
/// extra authorities. ALPN is left empty; the HTTPS connector sets it.
pub(crate) fn client_config(extra: &[CaSource]) -> Result<ClientConfig, TransportBuildError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for source in extra {
        add_bundle(&mut roots, source)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportBuildError::with_source("rustls rejected the TLS configuration", e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_bundle_is_an_error() {
        let source = CaSource::Pem(Arc::from(&b"not a certificate"[..]));
        let err = client_config(&[source]).unwrap_err();
        assert!(
            err.to_string().contains("contains no PEM certificate"),
            "{err}"
        );
    }

    #[test]
    fn broken_pem_section_is_an_error() {
        let pem = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let err = client_config(&[CaSource::Pem(Arc::from(&pem[..]))]).unwrap_err();
        assert!(err.to_string().contains("not valid PEM"), "{err}");
    }

    #[test]
    fn unusable_certificates_are_skipped_when_others_are_usable() {
        let good = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
            .unwrap()
            .cert
            .pem();
        let bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let pem = format!("{bad}{good}");
        client_config(&[CaSource::Pem(Arc::from(pem.as_bytes()))]).unwrap();
        let err = client_config(&[CaSource::Pem(Arc::from(bad.as_bytes()))]).unwrap_err();
        assert!(
            err.to_string().contains("holds no usable CA certificate"),
            "{err}"
        );
    }

    #[test]
    fn default_roots_build() {
        let config = client_config(&[]).unwrap();
        assert!(config.alpn_protocols.is_empty());
    }
}
