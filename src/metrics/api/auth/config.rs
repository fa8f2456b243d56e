//! The `kube-system/extension-apiserver-authentication` configmap, parsed.
//!
//! Keys (all optional): `client-ca-file` (PEM), `requestheader-client-ca-file` (PEM),
//! `requestheader-allowed-names`, `requestheader-username-headers`, `requestheader-uid-headers`,
//! `requestheader-group-headers`, `requestheader-extra-headers-prefix` (JSON arrays of strings,
//! empty string = empty list). Front-proxy authentication is enabled only when the requestheader
//! CA is present and non-empty, like the apiserver's dynamic request-header controller.

use std::collections::BTreeMap;

use super::AuthError;

/// Front-proxy (`requestheader`) settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestHeaderConfig {
    /// PEM bundle proxies' client certificates must chain to.
    pub client_ca_pem: String,
    /// Allowed proxy certificate common names; empty = any certificate signed by the CA.
    pub allowed_names: Vec<String>,
    /// Headers holding the user name; the first non-empty one wins.
    pub username_headers: Vec<String>,
    /// Headers holding the user UID; the first non-empty one wins.
    pub uid_headers: Vec<String>,
    /// Headers holding groups; every non-empty value of every header counts.
    pub group_headers: Vec<String>,
    /// Header name prefixes carrying extra attributes.
    pub extra_headers_prefix: Vec<String>,
}

/// What the configmap says about client authentication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthenticationConfig {
    /// PEM bundle for plain client-certificate users, if any.
    pub client_ca_pem: Option<String>,
    /// Front-proxy settings, `None` when the requestheader CA is absent.
    pub request_header: Option<RequestHeaderConfig>,
}

fn string_list(data: &BTreeMap<String, String>, key: &'static str) -> Result<Vec<String>, AuthError> {
    let Some(value) = data.get(key).filter(|v| !v.is_empty()) else {
        return Ok(Vec::new());
    };
    let parsed: Option<Vec<String>> = serde_json::from_str(value)
        .map_err(|e| AuthError::InvalidStringList { key, value: value.clone(), reason: e.to_string() })?;
    Ok(parsed.unwrap_or_default())
}

/// Parses the configmap `data`.
pub fn parse_authentication_configmap(
    data: &BTreeMap<String, String>,
) -> Result<AuthenticationConfig, AuthError> {
    let client_ca_pem = data.get("client-ca-file").filter(|v| !v.is_empty()).cloned();
    let request_header = match data.get("requestheader-client-ca-file").filter(|v| !v.is_empty()) {
        None => None,
        Some(ca) => Some(RequestHeaderConfig {
            client_ca_pem: ca.clone(),
            allowed_names: string_list(data, "requestheader-allowed-names")?,
            username_headers: string_list(data, "requestheader-username-headers")?,
            uid_headers: string_list(data, "requestheader-uid-headers")?,
            group_headers: string_list(data, "requestheader-group-headers")?,
            extra_headers_prefix: string_list(data, "requestheader-extra-headers-prefix")?,
        }),
    };
    Ok(AuthenticationConfig { client_ca_pem, request_header })
}
