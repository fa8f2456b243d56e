//! The authentication and authorization steps of an HTTP request, as kube-apiserver's filter
//! chain runs them: client certificate, else bearer token, else 401; then impersonation
//! (`Impersonate-User`/`-Group`/`-Uid`/`-Extra-*`, each checked with the `impersonate` verb);
//! then RBAC on the request's attributes, else 403.
//!
//! Request attributes come from the URL alone, like upstream's `RequestInfoFactory`: `/api/v1/…`
//! and `/apis/<group>/<version>/…` with at least a resource are resource requests (namespace
//! from `namespaces/<ns>/…`, verb from the method, `list`/`watch`/`deletecollection` for
//! collections), everything else is a non-resource request with the lower-case method as verb.

use std::collections::BTreeMap;

use http::{HeaderMap, Method};

use super::{Attributes, UserInfo, rbac, token};
use crate::sim::certinfo::CertIdentity;
use crate::sim::cluster::Cluster;
use crate::sim::server::query::Query;
use crate::sim::status::ApiError;
use crate::sim::store::ResourceKey;

const IMPERSONATE_USER: &str = "impersonate-user";
const IMPERSONATE_GROUP: &str = "impersonate-group";
const IMPERSONATE_UID: &str = "impersonate-uid";
const IMPERSONATE_EXTRA: &str = "impersonate-extra-";

/// The attributes of a request (upstream `RequestInfoFactory.NewRequestInfo`).
pub fn request_attributes(method: &Method, path: &str, query: Option<&str>) -> Attributes {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let non_resource = || Attributes::non_resource(&method.as_str().to_lowercase(), path);
    let (group, rest) = match parts.as_slice() {
        ["api", rest @ ..] if rest.len() >= 2 => ("", rest),
        ["apis", group, rest @ ..] if rest.len() >= 2 => (*group, rest),
        _ => return non_resource(),
    };
    let (version, mut rest) = (rest[0], &rest[1..]);
    let mut verb = match *method {
        Method::POST => "create",
        Method::GET | Method::HEAD => "get",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => "",
    };
    if let [special @ ("watch" | "proxy"), tail @ ..] = rest
        && !tail.is_empty()
    {
        verb = special;
        rest = tail;
    }
    let mut namespace = "";
    if let ["namespaces", ns, tail @ ..] = rest {
        namespace = ns;
        if !tail.is_empty() && !matches!(tail[0], "status" | "finalize") {
            rest = tail;
        }
    }
    let resource = rest.first().copied().unwrap_or_default();
    let mut name = rest.get(1).copied().unwrap_or_default().to_owned();
    let subresource = if verb == "proxy" { "" } else { rest.get(2).copied().unwrap_or_default() };
    let query = Query::parse(query);
    if name.is_empty() && verb == "get" {
        verb = if query.flag("watch") { "watch" } else { "list" };
        if let Some(selected) = query
            .get("fieldSelector")
            .and_then(|f| f.strip_prefix("metadata.name="))
            .filter(|n| !n.contains(',') && !n.is_empty())
        {
            selected.clone_into(&mut name);
        }
    }
    if name.is_empty() && verb == "delete" {
        verb = "deletecollection";
    }
    Attributes::Resource {
        verb: verb.to_owned(),
        group: group.to_owned(),
        version: version.to_owned(),
        resource: resource.to_owned(),
        subresource: subresource.to_owned(),
        namespace: namespace.to_owned(),
        name,
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// Who sent the request: the client certificate's identity, else the bearer token's user, else
/// 401; then impersonation, if asked for and allowed (403 otherwise).
pub fn authenticate(
    cluster: &Cluster,
    cert: Option<&CertIdentity>,
    headers: &HeaderMap,
) -> Result<UserInfo, ApiError> {
    let user = if let Some(cert) = cert {
        let groups: Vec<&str> = cert.groups.iter().map(String::as_str).collect();
        UserInfo::new(&cert.user, &groups)
    } else {
        let token = bearer(headers).ok_or_else(ApiError::unauthorized)?;
        super::authenticate_token(cluster, token).ok_or_else(ApiError::unauthorized)?
    };
    impersonate(cluster, user, headers)
}

fn header_values<'h>(headers: &'h HeaderMap, name: &str) -> Vec<&'h str> {
    headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect()
}

fn percent_decode(s: &str) -> String {
    Query::parse(Some(&format!("k={}", s.replace('+', "%2B")))).get("k").unwrap_or_default().to_owned()
}

/// Apply the impersonation headers: each requested identity part must be allowed by the
/// `impersonate` verb for the *real* user (upstream `WithImpersonation`).
pub fn impersonate(cluster: &Cluster, real: UserInfo, headers: &HeaderMap) -> Result<UserInfo, ApiError> {
    let user = header_values(headers, IMPERSONATE_USER).first().map(|u| (*u).to_owned());
    let groups: Vec<String> =
        header_values(headers, IMPERSONATE_GROUP).iter().map(|g| (*g).to_owned()).collect();
    let uid = header_values(headers, IMPERSONATE_UID).first().map(|u| (*u).to_owned());
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        if let Some(key) = name.as_str().strip_prefix(IMPERSONATE_EXTRA)
            && let Ok(v) = value.to_str()
        {
            extra.entry(percent_decode(key)).or_default().push(v.to_owned());
        }
    }
    let Some(username) = user else {
        if groups.is_empty() && uid.is_none() && extra.is_empty() {
            return Ok(real);
        }
        return Err(ApiError::bad_request(
            "requested impersonation of groups, uid or extra without impersonating a user",
        ));
    };
    let mut checks = Vec::new();
    if let Some(sa) = username.strip_prefix("system:serviceaccount:")
        && let Some((ns, name)) = sa.split_once(':')
    {
        checks.push(Attributes::resource("impersonate", "", "serviceaccounts", "", ns, name));
    } else {
        checks.push(Attributes::resource("impersonate", "", "users", "", "", &username));
    }
    for g in &groups {
        checks.push(Attributes::resource("impersonate", "", "groups", "", "", g));
    }
    if let Some(u) = &uid {
        checks.push(Attributes::resource("impersonate", "authentication.k8s.io", "uids", "", "", u));
    }
    for (k, values) in &extra {
        for v in values {
            checks.push(Attributes::resource("impersonate", "authentication.k8s.io", "userextras", k, "", v));
        }
    }
    for attrs in &checks {
        authorize_request(cluster, &real, attrs)?;
    }
    let mut groups = groups;
    if groups.is_empty()
        && let Some(sa) = username.strip_prefix("system:serviceaccount:")
        && let Some((ns, _)) = sa.split_once(':')
    {
        groups = token::service_account_groups(ns);
    }
    let mut out = UserInfo { username, uid: uid.unwrap_or_default(), groups, extra };
    if out.username == "system:anonymous" {
        if !out.groups.iter().any(|g| g == "system:unauthenticated") {
            out.groups.push("system:unauthenticated".to_owned());
        }
    } else {
        out.ensure_authenticated();
    }
    Ok(out)
}

/// RBAC check of one request: `Ok` if allowed, else the upstream 403 `Forbidden` Status.
pub fn authorize_request(cluster: &Cluster, user: &UserInfo, attrs: &Attributes) -> Result<(), ApiError> {
    if rbac::decide(cluster, user, attrs).allowed {
        return Ok(());
    }
    Err(forbidden(user, attrs))
}

/// The 403 error for a denied request.
pub fn forbidden(user: &UserInfo, attrs: &Attributes) -> ApiError {
    let err = ApiError::new(403, "Forbidden", rbac::forbidden_message(user, attrs));
    match attrs {
        Attributes::Resource { group, resource, name, .. } => {
            err.about(&ResourceKey::new(group, resource), name)
        }
        Attributes::NonResource { .. } => err,
    }
}

#[cfg(test)]
mod tests;
