//! Authorization attributes of a request, local decisions and 401/403 Status bodies.
//!
//! [`RequestAttributes::from_request`] follows the apiserver's `RequestInfoFactory`: paths under
//! `/apis/<group>/<version>/...` (and `/api/<version>/...`) are resource requests, everything else
//! (including the discovery documents `/apis`, `/apis/<group>`, `/apis/<group>/<version>`) is a
//! non-resource request with the lowercased method as verb. A GET without a name is `list` (or
//! `watch` with `watch=true`); a `fieldSelector=metadata.name=<n>` names the object.
//! [`authorize_locally`] answers without a `SubjectAccessReview` for always-allowed paths
//! (non-resource only; a trailing `*` matches a prefix) and the `system:masters` group.

use super::UserInfo;
use crate::metrics::api::query::{first, parse_go_bool, parse_query};
use crate::metrics::api::selectors::{FieldOp, FieldSelector};
use crate::metrics::api::status::{Status, StatusDetails};

/// What a request targets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestTarget {
    /// An API resource.
    Resource {
        /// Namespace (empty for cluster scope).
        namespace: String,
        /// API group (empty for the core group).
        group: String,
        /// API version.
        version: String,
        /// Plural resource.
        resource: String,
        /// Subresource (empty if none).
        subresource: String,
        /// Object name (empty for collections).
        name: String,
    },
    /// A plain path.
    NonResource {
        /// The request path.
        path: String,
    },
}

/// Authorization attributes (`authorizer.Attributes`) without the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestAttributes {
    /// Verb (`get`, `list`, `watch`, ... or the lowercased method for non-resource requests).
    pub verb: String,
    /// Target.
    pub target: RequestTarget,
}

/// An authorization outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Denied, with the reviewer's reason (may be empty).
    Deny(String),
}

fn split_path(path: &str) -> Vec<&str> {
    path.trim_matches('/').split('/').filter(|p| !p.is_empty()).collect()
}

impl RequestAttributes {
    /// Attributes of an HTTP request (its method, path and query).
    pub fn of<B>(request: &http::Request<B>) -> Self {
        Self::from_request(request.method().as_str(), request.uri().path(), request.uri().query())
    }

    /// Attributes of `method path?query`.
    pub fn from_request(method: &str, path: &str, query: Option<&str>) -> Self {
        let non_resource = || Self {
            verb: method.to_ascii_lowercase(),
            target: RequestTarget::NonResource { path: path.to_owned() },
        };
        let parts = split_path(path);
        let (group, rest) = match parts.as_slice() {
            ["api", rest @ ..] if !rest.is_empty() => ("", rest),
            ["apis", group, rest @ ..] if rest.len() >= 2 => (*group, rest),
            _ => return non_resource(),
        };
        let version = rest[0];
        let mut parts = &rest[1..];
        let mut verb = match method {
            "POST" => "create",
            "GET" | "HEAD" => "get",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "",
        };
        if let [special @ ("watch" | "proxy"), tail @ ..] = parts {
            verb = special;
            parts = tail;
        }
        let mut namespace = "";
        if let ["namespaces", ns, tail @ ..] = parts {
            namespace = ns;
            if !tail.is_empty() && !matches!(tail[0], "status" | "finalize") {
                parts = tail;
            }
        }
        let resource = parts.first().copied().unwrap_or_default().to_owned();
        let mut name = parts.get(1).copied().unwrap_or_default().to_owned();
        let subresource = if verb == "proxy" {
            String::new()
        } else {
            parts.get(2).copied().unwrap_or_default().to_owned()
        };
        if name.is_empty() && verb == "get" {
            let pairs = parse_query(query);
            let watch = first(&pairs, "watch").and_then(parse_go_bool).unwrap_or(false);
            verb = if watch { "watch" } else { "list" };
            if let Some(exact) = first(&pairs, "fieldSelector")
                .and_then(|f| FieldSelector::parse(f).ok())
                .and_then(|f| exact_name(&f))
            {
                name = exact;
            }
        }
        Self {
            verb: verb.to_owned(),
            target: RequestTarget::Resource {
                namespace: namespace.to_owned(),
                group: group.to_owned(),
                version: version.to_owned(),
                resource,
                subresource,
                name,
            },
        }
    }
}

/// `metadata.name=<n>` required exactly by the selector, if valid as a path segment.
fn exact_name(selector: &FieldSelector) -> Option<String> {
    selector
        .requirements
        .iter()
        .find(|r| r.field == "metadata.name" && r.op == FieldOp::Equals)
        .map(|r| r.value.clone())
        .filter(|n| !n.is_empty() && n != "." && n != ".." && !n.contains('/') && !n.contains('%'))
}

/// Decides without a `SubjectAccessReview` when possible: `Some(Allow)` for always-allowed
/// non-resource paths and members of `system:masters`, `None` when a review is needed.
pub fn authorize_locally(
    user: &UserInfo,
    attributes: &RequestAttributes,
    always_allow_paths: &[String],
) -> Option<Decision> {
    if let RequestTarget::NonResource { path } = &attributes.target {
        let allowed = always_allow_paths.iter().any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == pattern,
        });
        if allowed {
            return Some(Decision::Allow);
        }
    }
    user.groups.iter().any(|g| g == "system:masters").then_some(Decision::Allow)
}

/// The default `--authorization-always-allow-paths`.
pub fn default_always_allow_paths() -> Vec<String> {
    ["/healthz", "/readyz", "/livez"].iter().map(|p| (*p).to_owned()).collect()
}

/// The 401 Status body (`Unauthorized`).
pub fn unauthorized_status() -> Status {
    Status {
        kind: "Status",
        api_version: "v1",
        metadata: crate::metrics::api::types::ListMeta {},
        status: "Failure",
        message: "Unauthorized".to_owned(),
        reason: "Unauthorized",
        details: None,
        code: 401,
    }
}

/// The 403 Status body for a denied request, worded like `responsewriters.Forbidden`.
pub fn forbidden_status(user: &UserInfo, attributes: &RequestAttributes, reason: &str) -> Status {
    let verb = &attributes.verb;
    let user_name = &user.name;
    let (message, details) = match &attributes.target {
        RequestTarget::NonResource { path } => {
            (format!("forbidden: User {user_name:?} cannot {verb} path {path:?}"), None)
        }
        RequestTarget::Resource { namespace, group, resource, subresource, name, .. } => {
            let full =
                if subresource.is_empty() { resource.clone() } else { format!("{resource}/{subresource}") };
            let scope = if namespace.is_empty() {
                "at the cluster scope".to_owned()
            } else {
                format!("in the namespace {namespace:?}")
            };
            let qualified = if group.is_empty() { resource.clone() } else { format!("{resource}.{group}") };
            let what = if name.is_empty() { qualified } else { format!("{qualified} {name:?}") };
            (
                format!(
                    "{what} is forbidden: User {user_name:?} cannot {verb} resource {full:?} in API group {group:?} {scope}"
                ),
                Some(StatusDetails { name: name.clone(), group: group.clone(), kind: resource.clone() }),
            )
        }
    };
    let message = if reason.is_empty() { message } else { format!("{message}: {reason}") };
    Status {
        kind: "Status",
        api_version: "v1",
        metadata: crate::metrics::api::types::ListMeta {},
        status: "Failure",
        message,
        reason: "Forbidden",
        details,
        code: 403,
    }
}
