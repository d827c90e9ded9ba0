//! TLS client settings for HTTPS health checks, built once per check configuration.
//!
//! Verification is OFF unless a `ca_file` is given. That is the common case in front of a
//! kube-apiserver: its certificate is issued by the cluster's own CA, which the balancer host
//! rarely has, and the check only asks "is this server ready?", it sends no secret. Even then
//! the handshake runs to completion: the server must prove it holds the key of the
//! certificate it presents (the handshake signatures are still checked), so a port that
//! merely accepts TCP, or speaks something else, fails.
//!
//! With `ca_file` the chain must lead to a certificate in that PEM file and the certificate
//! must name `server_name` (a DNS name or an IP address), or the backend's IP address as an
//! IP SAN when no name is set. `client_cert` + `client_key` (PEM) are presented to servers
//! that ask for one (clusters that refuse anonymous `/readyz`).

use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use kubegate_config::model::CheckTls;

/// Everything a probe needs to open a TLS session to one backend.
#[derive(Debug, Clone)]
pub struct ProbeTls {
    config: Arc<ClientConfig>,
    server_name: Option<ServerName<'static>>,
}

impl ProbeTls {
    /// Read the files named in `tls` and build the client settings. The error is a sentence
    /// for the status page ("cannot read ca_file /etc/…: No such file or directory").
    pub fn new(tls: &CheckTls) -> Result<ProbeTls, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS versions: {e}"))?;
        let builder = match &tls.ca_file {
            Some(path) => builder.with_root_certificates(roots(path)?),
            None => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyServerCert::new(provider))),
        };
        let config = match (&tls.client_cert, &tls.client_key) {
            (Some(cert), Some(key)) => {
                let chain = certificates(cert, "client_cert")?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| format!("cannot read client_key {}: {e}", key.display()))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("client certificate: {e}"))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err("client_cert and client_key go together".to_owned()),
        };
        let server_name = match &tls.server_name {
            Some(name) => Some(
                ServerName::try_from(name.clone())
                    .map_err(|_| format!("server_name {name:?} is not a DNS name or IP"))?,
            ),
            None => None,
        };
        Ok(ProbeTls {
            config: Arc::new(config),
            server_name,
        })
    }

    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    /// The name to verify (and to send as SNI when it is a DNS name; RFC 6066 §3 forbids
    /// IP literals in SNI, which rustls honours): `server_name`, or the backend's IP.
    pub fn server_name(&self, ip: IpAddr) -> ServerName<'static> {
        self.server_name
            .clone()
            .unwrap_or_else(|| ServerName::IpAddress(ip.into()))
    }

    /// `server_name` as written, for the `Host` header.
    pub fn host(&self) -> Option<String> {
        match &self.server_name {
            Some(ServerName::DnsName(d)) => Some(d.as_ref().to_owned()),
            Some(ServerName::IpAddress(ip)) => Some(IpAddr::from(*ip).to_string()),
            _ => None,
        }
    }
}

fn certificates(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate in {what} {}", path.display()));
    }
    Ok(certs)
}

fn roots(path: &Path) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(path, "ca_file")? {
        roots
            .add(cert)
            .map_err(|e| format!("ca_file {}: {e}", path.display()))?;
    }
    Ok(roots)
}

/// Accepts any server certificate (see the module comment for why) but still checks the
/// handshake signatures against the presented certificate's key. `kubegate doctor` uses it
/// [`recording`](Self::recording) the chain it was shown, to read the certificate's SANs.
#[derive(Debug)]
pub struct AnyServerCert {
    provider: Arc<CryptoProvider>,
    chain: Option<Mutex<Vec<CertificateDer<'static>>>>,
}

impl AnyServerCert {
    pub fn new(provider: Arc<CryptoProvider>) -> Self {
        AnyServerCert {
            provider,
            chain: None,
        }
    }

    /// One that keeps the last chain presented (leaf first).
    pub fn recording(provider: Arc<CryptoProvider>) -> Self {
        AnyServerCert {
            provider,
            chain: Some(Mutex::new(Vec::new())),
        }
    }

    /// The last chain presented; empty when not recording or before a handshake.
    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.chain
            .as_ref()
            .map(|c| c.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .unwrap_or_default()
    }
}

impl ServerCertVerifier for AnyServerCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(chain) = &self.chain {
            let mut chain = chain.lock().unwrap_or_else(|p| p.into_inner());
            chain.clear();
            chain.push(end_entity.clone().into_owned());
            chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        }
        Ok(ServerCertVerified::assertion())
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
