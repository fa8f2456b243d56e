//! URL paths of the Kubernetes API, parsed into [`Route`]s.
//!
//! Resource paths: `/api/v1/…` (core) and `/apis/<group>/<version>/…`, then either
//! `namespaces/<ns>/<resource>[/<name>[/<subresource>]]` for a namespaced resource or
//! `<resource>[/<name>[/<subresource>]]`. `namespaces/<name>/<x>` is ambiguous (namespace `name`
//! with resource `x`, or the `x` subresource of namespace `name`); like kube-apiserver's mux the
//! namespaced reading wins when `x` is a namespaced resource of that group version.

/// A resource URL, decomposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    /// API group (`""` for core).
    pub group: String,
    /// API version.
    pub version: String,
    /// Plural resource name.
    pub plural: String,
    /// Namespace from the path, if any.
    pub namespace: Option<String>,
    /// Object name, if any.
    pub name: Option<String>,
    /// Subresource, if any.
    pub subresource: Option<String>,
}

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz`.
    Healthz,
    /// `/api`.
    Api,
    /// `/apis`.
    Apis,
    /// `/apis/<group>`.
    ApiGroup(String),
    /// `/api/v1` or `/apis/<group>/<version>`.
    GroupVersion {
        /// Group.
        group: String,
        /// Version.
        version: String,
    },
    /// `/openapi/v3`.
    OpenApiV3Index,
    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`.
    OpenApiV3 {
        /// Group.
        group: String,
        /// Version.
        version: String,
    },
    /// `/openapi/v2`.
    OpenApiV2,
    /// A resource, collection, object or subresource.
    Resource(ResourcePath),
    /// Nothing served here.
    NotFound,
}

/// Parse a path; `is_namespaced(group, version, plural)` tells namespaced resources apart.
pub fn parse(path: &str, is_namespaced: &dyn Fn(&str, &str, &str) -> bool) -> Route {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Healthz,
        ["api"] => Route::Api,
        ["apis"] => Route::Apis,
        ["apis", group] => Route::ApiGroup((*group).to_owned()),
        ["api", version, rest @ ..] => group_version("", version, rest, is_namespaced),
        ["apis", group, version, rest @ ..] => group_version(group, version, rest, is_namespaced),
        ["openapi", "v3"] => Route::OpenApiV3Index,
        ["openapi", "v3", "api", version] => {
            Route::OpenApiV3 { group: String::new(), version: (*version).to_owned() }
        }
        ["openapi", "v3", "apis", group, version] => {
            Route::OpenApiV3 { group: (*group).to_owned(), version: (*version).to_owned() }
        }
        ["openapi", "v2"] => Route::OpenApiV2,
        _ => Route::NotFound,
    }
}

fn group_version(
    group: &str,
    version: &str,
    rest: &[&str],
    is_namespaced: &dyn Fn(&str, &str, &str) -> bool,
) -> Route {
    let resource = |namespace: Option<&str>, plural: &str, tail: &[&str]| {
        if tail.len() > 2 {
            return Route::NotFound;
        }
        Route::Resource(ResourcePath {
            group: group.to_owned(),
            version: version.to_owned(),
            plural: plural.to_owned(),
            namespace: namespace.map(str::to_owned),
            name: tail.first().map(|s| (*s).to_owned()),
            subresource: tail.get(1).map(|s| (*s).to_owned()),
        })
    };
    match rest {
        [] => Route::GroupVersion { group: group.to_owned(), version: version.to_owned() },
        ["namespaces", namespace, plural, tail @ ..] if is_namespaced(group, version, plural) => {
            resource(Some(namespace), plural, tail)
        }
        [plural, tail @ ..] => resource(None, plural, tail),
    }
}

#[cfg(test)]
mod tests {
    use super::{ResourcePath, Route, parse};

    fn namespaced(_: &str, _: &str, plural: &str) -> bool {
        matches!(plural, "pods" | "deployments")
    }

    fn res(group: &str, plural: &str, ns: Option<&str>, name: Option<&str>, sub: Option<&str>) -> Route {
        Route::Resource(ResourcePath {
            group: group.into(),
            version: "v1".into(),
            plural: plural.into(),
            namespace: ns.map(Into::into),
            name: name.map(Into::into),
            subresource: sub.map(Into::into),
        })
    }

    #[test]
    fn resource_paths_parse_into_their_parts() {
        let table = [
            ("/api/v1/pods", res("", "pods", None, None, None)),
            ("/api/v1/namespaces/default/pods", res("", "pods", Some("default"), None, None)),
            (
                "/api/v1/namespaces/default/pods/web/status",
                res("", "pods", Some("default"), Some("web"), Some("status")),
            ),
            ("/api/v1/namespaces/default", res("", "namespaces", None, Some("default"), None)),
            (
                "/api/v1/namespaces/kube-system/status",
                res("", "namespaces", None, Some("kube-system"), Some("status")),
            ),
            (
                "/apis/apps/v1/namespaces/a/deployments/web/scale",
                res("apps", "deployments", Some("a"), Some("web"), Some("scale")),
            ),
            ("/api/v1/nodes/node-1", res("", "nodes", None, Some("node-1"), None)),
        ];
        for (path, want) in table {
            assert_eq!(parse(path, &namespaced), want, "{path}");
        }
    }

    #[test]
    fn discovery_and_openapi_paths_parse() {
        assert_eq!(parse("/version", &namespaced), Route::Version);
        assert_eq!(parse("/apis/apps", &namespaced), Route::ApiGroup("apps".into()));
        assert_eq!(
            parse("/apis/apps/v1", &namespaced),
            Route::GroupVersion { group: "apps".into(), version: "v1".into() }
        );
        assert_eq!(
            parse("/openapi/v3/api/v1", &namespaced),
            Route::OpenApiV3 { group: String::new(), version: "v1".into() }
        );
        assert_eq!(parse("/api/v1/pods/a/b/c", &namespaced), Route::NotFound);
        assert_eq!(parse("/metrics", &namespaced), Route::NotFound);
    }
}
