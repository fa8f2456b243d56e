//! Front-proxy (`requestheader`) authentication, as `k8s.io/apiserver`'s `x509request.Verifier`
//! wrapping the request-header authenticator.
//!
//! Steps: no client certificate → not this authenticator (`Ok(None)`); certificate not chaining to
//! the requestheader CA → error; allowed names non-empty and CN not listed → error; no non-empty
//! username header → `Ok(None)`; otherwise the user is: name = first non-empty username header
//! value, uid likewise, groups = every non-empty value of every group header in header order,
//! extra = for each prefix, every header starting with it (case-insensitively), key = rest of the
//! name lowercased then `%`-unescaped (kept as is when the escape is malformed), values appended.

use axum::http::HeaderMap;

use super::config::RequestHeaderConfig;
use super::{AuthError, UserInfo};
use crate::metrics::api::query::{is_valid_escape, percent_decode};

/// Facts about the TLS client certificate, established by the TLS layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    /// Subject common name.
    pub common_name: String,
    /// Whether the chain verified against the requestheader client CA.
    pub verified_by_request_header_ca: bool,
}

fn header_text(value: &axum::http::HeaderValue) -> String {
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

fn first_non_empty(headers: &HeaderMap, names: &[String]) -> Option<String> {
    names.iter().find_map(|name| headers.get(name.as_str()).map(header_text).filter(|v| !v.is_empty()))
}

/// Decides the front-proxied user of a request (see the module docs for the rules).
pub fn authenticate_request_header(
    config: &RequestHeaderConfig,
    peer: Option<&PeerCertificate>,
    headers: &HeaderMap,
) -> Result<Option<UserInfo>, AuthError> {
    let Some(peer) = peer else { return Ok(None) };
    if !peer.verified_by_request_header_ca {
        return Err(AuthError::UntrustedProxyCertificate);
    }
    if !config.allowed_names.is_empty() && !config.allowed_names.contains(&peer.common_name) {
        return Err(AuthError::CommonNameNotAllowed(peer.common_name.clone()));
    }
    let Some(name) = first_non_empty(headers, &config.username_headers) else {
        return Ok(None);
    };
    let uid = first_non_empty(headers, &config.uid_headers).unwrap_or_default();
    let groups = config
        .group_headers
        .iter()
        .flat_map(|h| headers.get_all(h.as_str()).iter().map(header_text))
        .filter(|v| !v.is_empty())
        .collect();
    let mut extra = std::collections::BTreeMap::<String, Vec<String>>::new();
    for prefix in &config.extra_headers_prefix {
        let prefix = prefix.to_ascii_lowercase();
        // HeaderMap keys are lowercase already.
        for key in headers.keys() {
            let Some(rest) = key.as_str().strip_prefix(prefix.as_str()) else {
                continue;
            };
            let extra_key = if is_valid_escape(rest) { percent_decode(rest, false) } else { rest.to_owned() };
            extra.entry(extra_key).or_default().extend(headers.get_all(key).iter().map(header_text));
        }
    }
    Ok(Some(UserInfo { name, uid, groups, extra }))
}

/// Removes every header the front proxy may set, so handlers never see client-supplied
/// identities (`ClearAuthenticationHeaders`).
pub fn strip_auth_headers(config: &RequestHeaderConfig, headers: &mut HeaderMap) {
    for name in config.username_headers.iter().chain(&config.uid_headers).chain(&config.group_headers) {
        headers.remove(name.as_str());
    }
    let prefixes: Vec<String> = config.extra_headers_prefix.iter().map(|p| p.to_ascii_lowercase()).collect();
    let doomed: Vec<_> = headers
        .keys()
        .filter(|k| prefixes.iter().any(|p| k.as_str().starts_with(p.as_str())))
        .cloned()
        .collect();
    for key in doomed {
        headers.remove(key);
    }
}
