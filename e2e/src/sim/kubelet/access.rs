//! Kubelet authentication and authorization, as `pkg/kubelet/server/auth.go` does them.
//!
//! Who: a client certificate signed by the cluster CA (user = CN, groups = O), else a bearer token
//! checked like a `TokenReview` would, else nobody (401 `Unauthorized`). May they: the request is
//! mapped to resource attributes on `nodes/<subresource>` named after the node — `/metrics…` →
//! `metrics`, `/stats…` → `stats`, `/logs…` → `log`, anything else → `proxy` — with the verb from
//! the HTTP method, and checked like a `SubjectAccessReview` (403 with the kubelet's message).

use crate::sim::certinfo::CertIdentity;
use crate::sim::cluster::Cluster;

/// The group whose members may do everything.
const MASTERS: &str = "system:masters";

/// An authenticated kubelet client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// User name.
    pub name: String,
    /// Groups (including `system:authenticated`).
    pub groups: Vec<String>,
}

/// The subresource of `nodes` a kubelet path is authorized as.
pub fn subresource(path: &str) -> &'static str {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/metrics") {
        "metrics"
    } else if under("/stats") {
        "stats"
    } else if under("/logs") {
        "log"
    } else {
        "proxy"
    }
}

/// The authorization verb of an HTTP method (kubelet `getAuthorizerAttributes`).
pub fn verb(method: &http::Method) -> &'static str {
    match *method {
        http::Method::POST => "create",
        http::Method::PUT => "update",
        http::Method::PATCH => "patch",
        http::Method::DELETE => "delete",
        _ => "get",
    }
}

/// Who is asking: the client certificate, else the bearer token, else `None`.
pub fn authenticate(
    cluster: &Cluster,
    cert: Option<&CertIdentity>,
    authorization: Option<&str>,
) -> Option<Requester> {
    if let Some(id) = cert {
        let mut groups = id.groups.clone();
        groups.push("system:authenticated".to_owned());
        return Some(Requester { name: id.user.clone(), groups });
    }
    let token = authorization?.strip_prefix("Bearer ")?.trim();
    if token.is_empty() {
        return None;
    }
    bearer(cluster, token)
}

fn bearer(cluster: &Cluster, token: &str) -> Option<Requester> {
    let user = crate::sim::auth::authenticate_token(cluster, token)?;
    Some(Requester { name: user.username, groups: user.groups })
}

/// Whether `who` may `verb` the `nodes/<subresource>` of `node`.
pub fn authorize(cluster: &Cluster, who: &Requester, verb: &str, node: &str, subresource: &str) -> bool {
    if who.groups.iter().any(|g| g == MASTERS) {
        return true;
    }
    let groups: Vec<&str> = who.groups.iter().map(String::as_str).collect();
    let user = crate::sim::auth::UserInfo::new(&who.name, &groups);
    let attrs = crate::sim::auth::Attributes::resource(verb, "", "nodes", subresource, "", node);
    crate::sim::auth::authorize(cluster, &user, &attrs)
}

/// The kubelet's 403 body.
pub fn forbidden_message(who: &Requester, verb: &str, subresource: &str) -> String {
    format!("Forbidden (user={}, verb={verb}, resource=nodes, subresource(s)=[{subresource}])", who.name)
}

#[cfg(test)]
mod tests {
    use super::subresource;

    #[test]
    fn paths_map_to_node_subresources_like_the_kubelet() {
        assert_eq!(subresource("/metrics/resource"), "metrics");
        assert_eq!(subresource("/metrics"), "metrics");
        assert_eq!(subresource("/metricsx"), "proxy");
        assert_eq!(subresource("/stats/summary"), "stats");
        assert_eq!(subresource("/logs/"), "log");
        assert_eq!(subresource("/healthz"), "proxy");
    }
}
