//! Pure delegated-auth parts: configmap, front-proxy headers, attributes, reviews, cache.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use super::fixtures::ts;
use crate::metrics::api::auth::attributes::{
    authorize_locally, default_always_allow_paths, forbidden_status, unauthorized_status,
};
use crate::metrics::api::auth::config::parse_authentication_configmap;
use crate::metrics::api::auth::sar::{build_review, parse_review_response};
use crate::metrics::api::auth::{
    AuthCache, AuthError, Decision, PeerCertificate, RequestAttributes, RequestHeaderConfig, RequestTarget,
    UserInfo, authenticate_request_header, strip_auth_headers,
};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The configuration kubeadm clusters publish.
fn kubeadm_config() -> RequestHeaderConfig {
    RequestHeaderConfig {
        client_ca_pem: "-----BEGIN CERTIFICATE-----\nfront\n-----END CERTIFICATE-----\n".to_owned(),
        allowed_names: strings(&["front-proxy-client"]),
        username_headers: strings(&["X-Remote-User"]),
        uid_headers: strings(&["X-Remote-Uid"]),
        group_headers: strings(&["X-Remote-Group"]),
        extra_headers_prefix: strings(&["X-Remote-Extra-"]),
    }
}

fn proxy(cn: &str) -> PeerCertificate {
    PeerCertificate { common_name: cn.to_owned(), verified_by_request_header_ca: true }
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    map
}

#[test]
fn configmap_keys_parse_into_the_config() {
    let data: BTreeMap<String, String> = [
        ("client-ca-file", "CLIENT CA"),
        ("requestheader-client-ca-file", "FRONT CA"),
        ("requestheader-allowed-names", r#"["front-proxy-client"]"#),
        ("requestheader-username-headers", r#"["X-Remote-User"]"#),
        ("requestheader-group-headers", r#"["X-Remote-Group"]"#),
        ("requestheader-extra-headers-prefix", r#"["X-Remote-Extra-"]"#),
        ("requestheader-uid-headers", ""),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let config = parse_authentication_configmap(&data).expect("valid configmap");
    assert_eq!(config.client_ca_pem.as_deref(), Some("CLIENT CA"));
    let rh = config.request_header.expect("front proxy configured");
    assert_eq!(rh.client_ca_pem, "FRONT CA");
    assert_eq!(rh.allowed_names, ["front-proxy-client"]);
    assert_eq!(rh.username_headers, ["X-Remote-User"]);
    assert_eq!(rh.group_headers, ["X-Remote-Group"]);
    assert_eq!(rh.extra_headers_prefix, ["X-Remote-Extra-"]);
    assert!(rh.uid_headers.is_empty());
}

#[test]
fn configmap_without_requestheader_ca_disables_front_proxy_auth() {
    let data: BTreeMap<String, String> =
        [("client-ca-file".to_owned(), "CA".to_owned())].into_iter().collect();
    let config = parse_authentication_configmap(&data).expect("valid configmap");
    assert_eq!(config.request_header, None);
}

#[test]
fn configmap_with_a_non_array_list_is_rejected_naming_the_key() {
    let data: BTreeMap<String, String> = [
        ("requestheader-client-ca-file".to_owned(), "CA".to_owned()),
        ("requestheader-allowed-names".to_owned(), "front-proxy-client".to_owned()),
    ]
    .into_iter()
    .collect();
    let err = parse_authentication_configmap(&data).expect_err("not JSON");
    assert!(matches!(err, AuthError::InvalidStringList { key: "requestheader-allowed-names", .. }), "{err}");
}

#[test]
fn aggregator_request_is_authenticated_as_the_header_user() {
    let h = headers(&[("X-Remote-User", "system:kube-aggregator"), ("X-Remote-Group", "system:masters")]);
    let user = authenticate_request_header(&kubeadm_config(), Some(&proxy("front-proxy-client")), &h)
        .expect("trusted proxy")
        .expect("user present");
    assert_eq!(user.name, "system:kube-aggregator");
    assert_eq!(user.groups, ["system:masters"]);
    assert!(user.extra.is_empty());
}

#[test]
fn empty_allowed_names_accept_any_certificate_from_the_ca() {
    let config = RequestHeaderConfig { allowed_names: Vec::new(), ..kubeadm_config() };
    let h = headers(&[("x-remote-user", "alice")]);
    let user = authenticate_request_header(&config, Some(&proxy("anything")), &h).expect("allowed");
    assert_eq!(user.map(|u| u.name), Some("alice".to_owned()));
}

#[test]
fn proxy_certificates_that_fail_checks_are_errors() {
    let h = headers(&[("X-Remote-User", "alice")]);
    assert_eq!(
        authenticate_request_header(&kubeadm_config(), Some(&proxy("intruder")), &h),
        Err(AuthError::CommonNameNotAllowed("intruder".to_owned()))
    );
    assert_eq!(
        AuthError::CommonNameNotAllowed("intruder".to_owned()).to_string(),
        "x509: subject with cn=intruder is not in the allowed list"
    );
    let untrusted = PeerCertificate {
        common_name: "front-proxy-client".to_owned(),
        verified_by_request_header_ca: false,
    };
    assert_eq!(
        authenticate_request_header(&kubeadm_config(), Some(&untrusted), &h),
        Err(AuthError::UntrustedProxyCertificate)
    );
}

#[test]
fn requests_without_certificate_or_user_header_are_not_claimed() {
    let h = headers(&[("X-Remote-User", "alice")]);
    assert_eq!(authenticate_request_header(&kubeadm_config(), None, &h), Ok(None));
    let no_user = headers(&[("X-Remote-User", ""), ("X-Remote-Group", "g")]);
    assert_eq!(
        authenticate_request_header(&kubeadm_config(), Some(&proxy("front-proxy-client")), &no_user),
        Ok(None)
    );
}

#[test]
fn first_non_empty_username_header_wins_and_all_group_values_count() {
    let config = RequestHeaderConfig {
        username_headers: strings(&["X-Remote-User", "X-Other-User"]),
        group_headers: strings(&["X-Remote-Group", "X-Other-Group"]),
        ..kubeadm_config()
    };
    let h = headers(&[
        ("X-Remote-User", ""),
        ("X-Other-User", "bob"),
        ("X-Other-Group", "three"),
        ("X-Remote-Group", "one"),
        ("X-Remote-Group", ""),
        ("X-Remote-Group", "two"),
    ]);
    let user = authenticate_request_header(&config, Some(&proxy("front-proxy-client")), &h)
        .expect("trusted")
        .expect("user");
    assert_eq!(user.name, "bob");
    assert_eq!(user.groups, ["one", "two", "three"]);
}

#[test]
fn extra_headers_are_lowercased_and_percent_unescaped() {
    let h = headers(&[
        ("X-Remote-User", "alice"),
        ("X-Remote-Uid", "42"),
        ("X-Remote-Extra-Scopes", "openid"),
        ("X-Remote-Extra-Scopes", "profile"),
        ("X-Remote-Extra-Example.com%2fKey", "v"),
        ("X-Remote-Extra-Bad%zz", "kept"),
    ]);
    let user = authenticate_request_header(&kubeadm_config(), Some(&proxy("front-proxy-client")), &h)
        .expect("trusted")
        .expect("user");
    assert_eq!(user.uid, "42");
    let expected: BTreeMap<String, Vec<String>> =
        [("scopes", vec!["openid", "profile"]), ("example.com/key", vec!["v"]), ("bad%zz", vec!["kept"])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(user.extra, expected);
}

#[test]
fn stripping_removes_every_identity_header() {
    let mut h = headers(&[
        ("X-Remote-User", "alice"),
        ("X-Remote-Group", "g"),
        ("X-Remote-Uid", "1"),
        ("X-Remote-Extra-Scopes", "s"),
        ("Accept", "application/json"),
    ]);
    strip_auth_headers(&kubeadm_config(), &mut h);
    let left: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
    assert_eq!(left, ["accept"]);
}

fn resource(verb: &str, namespace: &str, resource: &str, name: &str) -> RequestAttributes {
    RequestAttributes {
        verb: verb.to_owned(),
        target: RequestTarget::Resource {
            namespace: namespace.to_owned(),
            group: "metrics.k8s.io".to_owned(),
            version: "v1beta1".to_owned(),
            resource: resource.to_owned(),
            subresource: String::new(),
            name: name.to_owned(),
        },
    }
}

fn non_resource(verb: &str, path: &str) -> RequestAttributes {
    RequestAttributes { verb: verb.to_owned(), target: RequestTarget::NonResource { path: path.to_owned() } }
}

#[test]
fn requests_map_to_authorization_attributes() {
    let api = "/apis/metrics.k8s.io/v1beta1";
    let cases: Vec<(&str, String, Option<&str>, RequestAttributes)> = vec![
        ("GET", format!("{api}/nodes"), None, resource("list", "", "nodes", "")),
        ("GET", format!("{api}/nodes/n1"), None, resource("get", "", "nodes", "n1")),
        ("GET", format!("{api}/pods"), Some("labelSelector=a"), resource("list", "", "pods", "")),
        ("GET", format!("{api}/namespaces/ns/pods"), None, resource("list", "ns", "pods", "")),
        ("GET", format!("{api}/namespaces/ns/pods/p"), None, resource("get", "ns", "pods", "p")),
        ("GET", format!("{api}/namespaces/ns/pods"), Some("watch=true"), resource("watch", "ns", "pods", "")),
        (
            "GET",
            format!("{api}/nodes"),
            Some("fieldSelector=metadata.name%3Dn2"),
            resource("list", "", "nodes", "n2"),
        ),
        ("POST", format!("{api}/nodes"), None, resource("create", "", "nodes", "")),
        ("GET", api.to_owned(), None, non_resource("get", api)),
        ("GET", "/apis".to_owned(), None, non_resource("get", "/apis")),
        ("GET", "/healthz".to_owned(), None, non_resource("get", "/healthz")),
        ("POST", "/metrics".to_owned(), None, non_resource("post", "/metrics")),
    ];
    for (method, path, query, expected) in cases {
        assert_eq!(RequestAttributes::from_request(method, &path, query), expected, "{method} {path}");
    }
}

#[test]
fn health_paths_and_system_masters_need_no_review() {
    let anonymous = UserInfo::anonymous();
    let masters = UserInfo {
        name: "system:kube-aggregator".to_owned(),
        groups: strings(&["system:masters"]),
        ..UserInfo::default()
    };
    let allow = default_always_allow_paths();
    assert_eq!(authorize_locally(&anonymous, &non_resource("get", "/readyz"), &allow), Some(Decision::Allow));
    assert_eq!(authorize_locally(&anonymous, &non_resource("get", "/metrics"), &allow), None);
    assert_eq!(authorize_locally(&anonymous, &resource("list", "", "nodes", ""), &allow), None);
    assert_eq!(
        authorize_locally(&masters, &resource("list", "", "nodes", ""), &allow),
        Some(Decision::Allow)
    );
    let prefix = strings(&["/debug/*"]);
    assert_eq!(
        authorize_locally(&anonymous, &non_resource("get", "/debug/pprof/heap"), &prefix),
        Some(Decision::Allow)
    );
    assert_eq!(authorize_locally(&anonymous, &non_resource("get", "/healthz/ping"), &allow), None);
}

#[test]
fn review_body_for_a_namespaced_list() {
    let user = UserInfo {
        name: "alice".to_owned(),
        uid: String::new(),
        groups: strings(&["dev", "system:authenticated"]),
        extra: [("scopes".to_owned(), strings(&["openid"]))].into_iter().collect(),
    };
    let review = build_review(&user, &resource("list", "default", "pods", ""));
    assert_eq!(
        serde_json::to_string(&review).expect("serialisable"),
        concat!(
            r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"#,
            r#""spec":{"resourceAttributes":{"namespace":"default","verb":"list","group":"metrics.k8s.io","#,
            r#""version":"v1beta1","resource":"pods"},"user":"alice","groups":["dev","system:authenticated"],"#,
            r#""extra":{"scopes":["openid"]}},"status":{"allowed":false}}"#
        )
    );
}

#[test]
fn review_body_for_a_non_resource_path() {
    let review = build_review(&UserInfo::anonymous(), &non_resource("get", "/metrics"));
    assert_eq!(
        serde_json::to_string(&review).expect("serialisable"),
        concat!(
            r#"{"kind":"SubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"#,
            r#""spec":{"nonResourceAttributes":{"path":"/metrics","verb":"get"},"user":"system:anonymous","#,
            r#""groups":["system:unauthenticated"]},"status":{"allowed":false}}"#
        )
    );
}

#[test]
fn review_responses_become_decisions() {
    assert_eq!(parse_review_response(br#"{"status":{"allowed":true}}"#), Ok(Decision::Allow));
    assert_eq!(
        parse_review_response(br#"{"status":{"allowed":false,"reason":"no RBAC policy matched"}}"#),
        Ok(Decision::Deny("no RBAC policy matched".to_owned()))
    );
    assert_eq!(parse_review_response(b"{}"), Ok(Decision::Deny(String::new())));
    assert!(matches!(parse_review_response(b"<html>"), Err(AuthError::InvalidReviewResponse(_))));
}

#[test]
fn denials_render_apiserver_forbidden_messages() {
    let alice = UserInfo { name: "alice".to_owned(), ..UserInfo::default() };
    let namespaced = forbidden_status(&alice, &resource("list", "default", "pods", ""), "");
    assert_eq!(
        namespaced.message,
        r#"pods.metrics.k8s.io is forbidden: User "alice" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "default""#
    );
    assert_eq!(namespaced.code, 403);
    let named = forbidden_status(&alice, &resource("get", "", "nodes", "n1"), "RBAC: denied");
    assert_eq!(
        named.message,
        r#"nodes.metrics.k8s.io "n1" is forbidden: User "alice" cannot get resource "nodes" in API group "metrics.k8s.io" at the cluster scope: RBAC: denied"#
    );
    let path = forbidden_status(&alice, &non_resource("get", "/metrics"), "");
    assert_eq!(path.message, r#"forbidden: User "alice" cannot get path "/metrics""#);
    assert_eq!(
        serde_json::to_string(&unauthorized_status()).expect("serialisable"),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
    );
}

#[test]
fn cached_decisions_expire_after_the_ttl() {
    let mut cache: AuthCache<String, bool> = AuthCache::default();
    let t0 = ts("2026-01-01T00:00:00Z");
    cache.insert("alice".to_owned(), true, t0);
    assert_eq!(cache.get(&"alice".to_owned(), ts("2026-01-01T00:00:09.999Z")), Some(true));
    assert_eq!(cache.get(&"alice".to_owned(), ts("2026-01-01T00:00:10Z")), None);
    cache.insert_with_ttl("bob".to_owned(), false, t0, Duration::from_secs(1));
    assert_eq!(cache.get(&"bob".to_owned(), ts("2026-01-01T00:00:00.5Z")), Some(false));
    assert_eq!(cache.get(&"bob".to_owned(), ts("2026-01-01T00:00:01Z")), None);
}

#[test]
fn full_cache_evicts_expired_then_soonest_expiring_entries() {
    let mut cache: AuthCache<u32, u32> = AuthCache::new(Duration::from_secs(10), 2);
    let t0 = ts("2026-01-01T00:00:00Z");
    cache.insert(1, 1, t0);
    cache.insert(2, 2, ts("2026-01-01T00:00:05Z"));
    cache.insert(3, 3, ts("2026-01-01T00:00:06Z"));
    assert_eq!(cache.len(), 2);
    let later = ts("2026-01-01T00:00:07Z");
    assert_eq!((cache.get(&1, later), cache.get(&2, later), cache.get(&3, later)), (None, Some(2), Some(3)));
    cache.insert(4, 4, ts("2026-01-01T00:00:15.5Z"));
    let end = ts("2026-01-01T00:00:15.5Z");
    assert_eq!((cache.get(&2, end), cache.get(&3, end), cache.get(&4, end)), (None, Some(3), Some(4)));
}
