//! The front-proxy PKI and the `kube-system/extension-apiserver-authentication` `ConfigMap`.
//!
//! kube-apiserver proves to extension API servers that a request comes from it by presenting the
//! front-proxy client certificate (signed by a CA separate from the cluster CA, CN
//! `front-proxy-client`) and passing the user in `X-Remote-*` headers; extension servers learn
//! which CA and names to trust from the `ConfigMap`. The sim makes a fresh front-proxy CA and
//! client certificate at start and keeps them in the Secret
//! `kube-system/bellows-sim-front-proxy` (kube-apiserver keeps them in files).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;

use super::AUTH_CONFIGMAP;
use crate::sim::cluster::Cluster;
use crate::sim::status::ApiError;
use crate::sim::store::ResourceKey;

/// The Secret with the front-proxy CA, client certificate and key (PEM).
pub const SECRET: &str = "bellows-sim-front-proxy";
/// CN of the front-proxy client certificate (and the only allowed name).
pub const CLIENT_NAME: &str = "front-proxy-client";

/// The front-proxy client identity, loaded from its Secret.
#[derive(Debug)]
pub struct FrontProxy {
    /// The front-proxy CA certificate, PEM.
    pub ca_pem: String,
    /// The client certificate chain.
    pub cert: Vec<CertificateDer<'static>>,
    /// The client private key.
    pub key: PrivateKeyDer<'static>,
}

fn internal(what: &str, e: &dyn std::fmt::Display) -> ApiError {
    ApiError::new(500, "InternalError", format!("{what}: {e}"))
}

/// Make the front-proxy CA and client certificate (unless the Secret exists) and publish the
/// `extension-apiserver-authentication` `ConfigMap` trusting `cluster_ca_pem` for client
/// certificates.
pub fn seed(cluster: &Cluster, cluster_ca_pem: &str) -> Result<(), ApiError> {
    let secrets = ResourceKey::new("", "secrets");
    if cluster.get(&secrets, "kube-system", SECRET).is_none() {
        let err = |e: rcgen::Error| internal("generating the front-proxy certificates", &e);
        let ca_key = KeyPair::generate().map_err(err)?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "bellows-sim-front-proxy-ca");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
        let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = KeyPair::generate().map_err(err)?;
        let mut client = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        client.distinguished_name.push(DnType::CommonName, CLIENT_NAME);
        client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = client.signed_by(&key, &issuer).map_err(err)?;
        let b64 = |s: &str| STANDARD.encode(s);
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": SECRET, "namespace": "kube-system"},
            "data": {"ca.crt": b64(&ca_cert.pem()), "tls.crt": b64(&cert.pem()), "tls.key": b64(&key.serialize_pem())}});
        cluster.create(&secrets, secret, false)?;
    }
    let proxy = load(cluster).ok_or_else(|| internal("loading the front-proxy secret", &"unreadable"))?;
    let configmaps = ResourceKey::new("", "configmaps");
    if cluster.get(&configmaps, "kube-system", AUTH_CONFIGMAP).is_none() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": AUTH_CONFIGMAP, "namespace": "kube-system"},
        "data": {
            "client-ca-file": cluster_ca_pem,
            "requestheader-client-ca-file": proxy.ca_pem,
            "requestheader-allowed-names": format!("[\"{CLIENT_NAME}\"]"),
            "requestheader-username-headers": "[\"X-Remote-User\"]",
            "requestheader-group-headers": "[\"X-Remote-Group\"]",
            "requestheader-extra-headers-prefix": "[\"X-Remote-Extra-\"]",
        }});
        cluster.create(&configmaps, cm, false)?;
    }
    Ok(())
}

/// The front-proxy identity from its Secret, or `None` if it is missing or unreadable.
pub fn load(cluster: &Cluster) -> Option<FrontProxy> {
    let secret = cluster.get(&ResourceKey::new("", "secrets"), "kube-system", SECRET)?;
    let field = |k: &str| -> Option<Vec<u8>> { STANDARD.decode(secret["data"][k].as_str()?).ok() };
    let ca_pem = String::from_utf8(field("ca.crt")?).ok()?;
    let cert_pem = field("tls.crt")?;
    let key_pem = field("tls.key")?;
    let cert: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&cert_pem).filter_map(Result::ok).collect();
    let key = PrivateKeyDer::from_pem_slice(&key_pem).ok()?;
    (!cert.is_empty()).then_some(FrontProxy { ca_pem, cert, key })
}
