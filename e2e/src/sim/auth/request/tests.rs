use http::{HeaderMap, HeaderValue, Method};
use serde_json::json;

use super::{authenticate, request_attributes};
use crate::sim::auth::{Attributes, bootstrap};
use crate::sim::certinfo::CertIdentity;
use crate::sim::cluster::Cluster;
use crate::sim::store::ResourceKey;

fn res(
    verb: &str,
    group: &str,
    version: &str,
    resource: &str,
    sub: &str,
    ns: &str,
    name: &str,
) -> Attributes {
    Attributes::Resource {
        verb: verb.into(),
        group: group.into(),
        version: version.into(),
        resource: resource.into(),
        subresource: sub.into(),
        namespace: ns.into(),
        name: name.into(),
    }
}

#[test]
fn request_attributes_follow_the_upstream_request_info_rules() {
    // Cases modelled on staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo_test.go
    // TestGetAPIRequestInfo.
    let table = [
        (Method::GET, "/api/v1/namespaces/other/pods", None, res("list", "", "v1", "pods", "", "other", "")),
        (
            Method::GET,
            "/api/v1/namespaces/other/pods/foo",
            None,
            res("get", "", "v1", "pods", "", "other", "foo"),
        ),
        (Method::GET, "/api/v1/pods", None, res("list", "", "v1", "pods", "", "", "")),
        (Method::GET, "/api/v1/pods", Some("watch=true"), res("watch", "", "v1", "pods", "", "", "")),
        (
            Method::GET,
            "/api/v1/watch/namespaces/other/pods",
            None,
            res("watch", "", "v1", "pods", "", "other", ""),
        ),
        (Method::GET, "/api/v1/namespaces", None, res("list", "", "v1", "namespaces", "", "", "")),
        (
            Method::GET,
            "/api/v1/namespaces/other",
            None,
            res("get", "", "v1", "namespaces", "", "other", "other"),
        ),
        (
            Method::PUT,
            "/api/v1/namespaces/other/finalize",
            None,
            res("update", "", "v1", "namespaces", "finalize", "other", "other"),
        ),
        (
            Method::POST,
            "/api/v1/namespaces/other/pods",
            None,
            res("create", "", "v1", "pods", "", "other", ""),
        ),
        (
            Method::DELETE,
            "/api/v1/namespaces/other/pods",
            None,
            res("deletecollection", "", "v1", "pods", "", "other", ""),
        ),
        (
            Method::DELETE,
            "/api/v1/namespaces/other/pods/foo",
            None,
            res("delete", "", "v1", "pods", "", "other", "foo"),
        ),
        (
            Method::PATCH,
            "/apis/apps/v1/namespaces/other/deployments/web/scale",
            None,
            res("patch", "apps", "v1", "deployments", "scale", "other", "web"),
        ),
        (
            Method::GET,
            "/apis/metrics.k8s.io/v1beta1/nodes",
            None,
            res("list", "metrics.k8s.io", "v1beta1", "nodes", "", "", ""),
        ),
        (
            Method::GET,
            "/api/v1/nodes",
            Some("fieldSelector=metadata.name%3Dnode-1"),
            res("list", "", "v1", "nodes", "", "", "node-1"),
        ),
    ];
    for (method, path, query, want) in table {
        assert_eq!(request_attributes(&method, path, query), want, "{method} {path}");
    }
}

#[test]
fn discovery_and_other_urls_are_non_resource_requests() {
    for path in
        ["/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/healthz", "/openapi/v3", "/metrics"]
    {
        assert_eq!(
            request_attributes(&Method::GET, path, None),
            Attributes::non_resource("get", path),
            "{path}"
        );
    }
    assert_eq!(request_attributes(&Method::POST, "/logs", None), Attributes::non_resource("post", "/logs"));
}

fn cluster() -> Cluster {
    let c = Cluster::new(100);
    c.create(&ResourceKey::new("", "namespaces"), json!({"metadata": {"name": "kube-system"}}), false)
        .unwrap();
    bootstrap::seed(&c).unwrap();
    c
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(http::HeaderName::try_from(*k).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    h
}

#[test]
fn no_certificate_and_no_token_is_401_and_a_bad_token_too() {
    let c = cluster();
    assert_eq!(authenticate(&c, None, &HeaderMap::new()).unwrap_err().code, 401);
    let bad = headers(&[("authorization", "Bearer not-a-jwt")]);
    assert_eq!(authenticate(&c, None, &bad).unwrap_err().code, 401);
}

#[test]
fn masters_may_impersonate_and_the_impersonated_user_is_authenticated() {
    let c = cluster();
    let admin = CertIdentity { user: "admin".into(), groups: vec!["system:masters".into()] };
    let h = headers(&[
        ("impersonate-user", "alice"),
        ("impersonate-group", "devs"),
        ("impersonate-group", "ops"),
        ("impersonate-extra-scopes", "view"),
        ("impersonate-uid", "1234"),
    ]);
    let user = authenticate(&c, Some(&admin), &h).unwrap();
    assert_eq!(user.username, "alice");
    assert_eq!(user.groups, ["devs", "ops", "system:authenticated"]);
    assert_eq!(user.uid, "1234");
    assert_eq!(user.extra.get("scopes"), Some(&vec!["view".to_owned()]));
}

#[test]
fn impersonating_a_service_account_gives_its_groups() {
    let c = cluster();
    let admin = CertIdentity { user: "admin".into(), groups: vec!["system:masters".into()] };
    let h = headers(&[("impersonate-user", "system:serviceaccount:kube-system:bellows")]);
    let user = authenticate(&c, Some(&admin), &h).unwrap();
    assert_eq!(
        user.groups,
        ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]
    );
}

#[test]
fn impersonation_without_the_verb_is_forbidden_with_the_upstream_message() {
    let c = cluster();
    let bob = CertIdentity { user: "bob".into(), groups: vec![] };
    let err = authenticate(&c, Some(&bob), &headers(&[("impersonate-user", "alice")])).unwrap_err();
    assert_eq!((err.code, err.reason), (403, "Forbidden"));
    assert_eq!(
        err.message,
        "users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );
    let groups_only = authenticate(&c, Some(&bob), &headers(&[("impersonate-group", "x")])).unwrap_err();
    assert_eq!(groups_only.code, 400);
}

proptest::proptest! {
    #[test]
    fn request_attributes_never_panic(path in "(/[a-z0-9.:-]{0,8}){0,8}", query in "[a-z=&%0-9.]{0,20}") {
        let _ = request_attributes(&Method::GET, &path, Some(&query));
        let _ = request_attributes(&Method::DELETE, &path, None);
    }
}
