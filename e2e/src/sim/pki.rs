//! The simulated cluster's PKI: a CA, a serving certificate for `127.0.0.1`/`localhost`, and client
//! certificates (CN = user, O = groups) signed by the CA, all made fresh with rcgen at start.
//!
//! Keys are ECDSA P-256 (rcgen's default with the ring provider); nothing is written to disk here.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// PKI failures.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Generating the CA failed.
    #[error("generating the cluster CA: {0}")]
    Ca(#[source] rcgen::Error),
    /// Generating the serving certificate failed.
    #[error("generating the serving certificate for {names:?}: {source}")]
    Serving {
        /// Subject alternative names asked for.
        names: Vec<String>,
        /// Cause.
        #[source]
        source: rcgen::Error,
    },
    /// Generating a client certificate failed.
    #[error("generating a client certificate for user {user:?}: {source}")]
    Client {
        /// The certificate's user.
        user: String,
        /// Cause.
        #[source]
        source: rcgen::Error,
    },
}

/// A certificate and its private key.
#[derive(Debug)]
pub struct IssuedCert {
    /// Certificate, DER.
    pub cert_der: CertificateDer<'static>,
    /// Certificate, PEM.
    pub cert_pem: String,
    /// PKCS#8 private key, DER.
    pub key_der: Vec<u8>,
    /// PKCS#8 private key, PEM.
    pub key_pem: String,
}

impl IssuedCert {
    /// The private key in the form rustls takes.
    pub fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// The cluster CA.
pub struct Pki {
    issuer: Issuer<'static, KeyPair>,
    ca_der: CertificateDer<'static>,
    ca_pem: String,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki").field("ca_pem", &self.ca_pem).finish_non_exhaustive()
    }
}

impl Pki {
    /// A fresh CA (`CN=bellows-sim-ca`).
    pub fn generate() -> Result<Self, PkiError> {
        let key = KeyPair::generate().map_err(PkiError::Ca)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(PkiError::Ca)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, "bellows-sim-ca");
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key).map_err(PkiError::Ca)?;
        Ok(Self { ca_der: cert.der().clone(), ca_pem: cert.pem(), issuer: Issuer::new(params, key) })
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> &CertificateDer<'static> {
        &self.ca_der
    }

    /// The CA certificate, PEM.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A serving certificate for the given DNS names / IP addresses.
    pub fn issue_server(&self, names: &[&str]) -> Result<IssuedCert, PkiError> {
        let owned: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let err = |source| PkiError::Serving { names: owned.clone(), source };
        let mut params = CertificateParams::new(owned.clone()).map_err(err)?;
        params.distinguished_name.push(DnType::CommonName, "bellows-sim-apiserver");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(&params).map_err(err)
    }

    /// A client certificate for `user` in `groups`.
    pub fn issue_client(&self, user: &str, groups: &[&str]) -> Result<IssuedCert, PkiError> {
        let err = |source| PkiError::Client { user: user.to_owned(), source };
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params.distinguished_name.push(DnType::CommonName, user);
        for group in groups {
            params.distinguished_name.push(DnType::OrganizationName, *group);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(&params).map_err(err)
    }

    fn sign(&self, params: &CertificateParams) -> Result<IssuedCert, rcgen::Error> {
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCert {
            cert_der: cert.der().clone(),
            cert_pem: cert.pem(),
            key_der: key.serialize_der(),
            key_pem: key.serialize_pem(),
        })
    }
}
