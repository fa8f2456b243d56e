//! Delegated authentication and authorization: the layer over `oneshot` requests, and the
//! certificate paths over real TLS.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use super::fixtures::{FakeClock, Serving, TestServer, client_config, echo_app, fetch};
use super::pki::Ca;
use crate::metrics::api::auth::{AuthenticationConfig, Decision, RequestHeaderConfig, UserInfo};
use crate::server::reviewers::{FnAccessReviewer, ReviewError, StaticTokenReviewer};
use crate::server::serve::{ClientCertificate, PeerIdentity};
use crate::server::tls::ChainTrust;
use crate::server::{AuthOptions, DelegatedAuth, apply_authentication_config, with_delegated_auth};

type Auth = DelegatedAuth<StaticTokenReviewer, FnAccessReviewer>;

const PODS: &str = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods";
const UNAUTHORIZED: &str = concat!(
    r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","#,
    r#""reason":"Unauthorized","code":401}"#,
    "\n"
);

fn user(name: &str, groups: &[&str]) -> UserInfo {
    UserInfo {
        name: name.to_owned(),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        ..UserInfo::default()
    }
}

fn request_header_config(ca_pem: String, allowed: &[&str]) -> RequestHeaderConfig {
    RequestHeaderConfig {
        client_ca_pem: ca_pem,
        allowed_names: allowed.iter().map(|n| (*n).to_owned()).collect(),
        username_headers: vec!["X-Remote-User".to_owned()],
        uid_headers: vec!["X-Remote-Uid".to_owned()],
        group_headers: vec!["X-Remote-Group".to_owned()],
        extra_headers_prefix: vec!["X-Remote-Extra-".to_owned()],
    }
}

/// The auth layer with a fake clock; `anonymous` as given, other options default.
struct Harness {
    auth: Arc<Auth>,
    clock: FakeClock,
    app: Router,
}

fn harness(tokens: StaticTokenReviewer, access: FnAccessReviewer, anonymous: bool) -> Harness {
    let clock = FakeClock::new();
    let options = AuthOptions { anonymous, ..AuthOptions::default() };
    let auth = Arc::new(DelegatedAuth::new(tokens, access, options, clock.clock()));
    let app = with_delegated_auth(echo_app(), auth.clone());
    Harness { auth, clock, app }
}

async fn call(
    app: &Router,
    path: &str,
    headers: &[(&str, &str)],
    peer: Option<PeerIdentity>,
) -> (u16, String) {
    let mut builder = Request::builder().uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    if let Some(peer) = peer {
        builder = builder.extension(peer);
    }
    let response =
        app.clone().oneshot(builder.body(Body::empty()).expect("request")).await.expect("infallible");
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn peer(common_name: &str, organizations: &[&str], trust: ChainTrust) -> PeerIdentity {
    PeerIdentity {
        certificate: Some(ClientCertificate {
            chain: Vec::new(),
            common_name: common_name.to_owned(),
            organizations: organizations.iter().map(|o| (*o).to_owned()).collect(),
            trust,
        }),
    }
}

// === over real TLS ===

struct TlsHarness {
    serving: Serving,
    front_proxy_ca: Ca,
    client_ca: Ca,
    server: TestServer,
    auth: Arc<Auth>,
}

async fn tls_harness(anonymous: bool) -> TlsHarness {
    let serving = Serving::new();
    let (front_proxy_ca, client_ca) = (Ca::new("front-proxy-ca"), Ca::new("client-ca"));
    let Harness { auth, app, .. } =
        harness(StaticTokenReviewer::default(), FnAccessReviewer::allow_all(), anonymous);
    let tls = serving.tls();
    let config = AuthenticationConfig {
        client_ca_pem: Some(client_ca.pem()),
        request_header: Some(request_header_config(front_proxy_ca.pem(), &["front-proxy-client"])),
    };
    apply_authentication_config(&tls, &auth, config).expect("config");
    let server = TestServer::start(tls, app).await;
    TlsHarness { serving, front_proxy_ca, client_ca, server, auth }
}

#[tokio::test]
async fn front_proxy_certificate_with_allowed_name_authenticates_the_remote_user() {
    let h = tls_harness(false).await;
    let proxy = h.front_proxy_ca.client("front-proxy-client", &[]);
    let headers = [("X-Remote-User", "alice"), ("X-Remote-Group", "devs"), ("X-Remote-Extra-Scopes", "read")];
    let reply =
        fetch(h.server.addr, client_config(&h.serving.ca.der(), Some(proxy), &[]), Some("/whoami"), &headers)
            .await
            .expect("request");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"alice ["devs", "system:authenticated"] {"scopes": ["read"]} leaked=false"#);
    assert_eq!(h.auth.access_reviewer().calls(), 1);
    h.server.stop().await;
}

#[tokio::test]
async fn front_proxy_certificate_with_another_name_is_unauthorized() {
    let h = tls_harness(true).await;
    let proxy = h.front_proxy_ca.client("someone-else", &[]);
    let reply = fetch(
        h.server.addr,
        client_config(&h.serving.ca.der(), Some(proxy), &[]),
        Some("/whoami"),
        &[("X-Remote-User", "alice")],
    )
    .await
    .expect("request");
    assert_eq!((reply.status, reply.body.as_str()), (401, UNAUTHORIZED));
    h.server.stop().await;
}

#[tokio::test]
async fn remote_user_headers_without_front_proxy_certificate_are_stripped_and_unauthorized() {
    let h = tls_harness(false).await;
    let headers = [("X-Remote-User", "system:admin"), ("X-Remote-Group", "system:masters")];
    let reply =
        fetch(h.server.addr, client_config(&h.serving.ca.der(), None, &[]), Some("/whoami"), &headers)
            .await
            .expect("request");
    assert_eq!((reply.status, reply.body.as_str()), (401, UNAUTHORIZED));
    assert_eq!(h.auth.access_reviewer().calls(), 0);
    h.server.stop().await;
}

#[tokio::test]
async fn remote_user_headers_without_front_proxy_certificate_are_anonymous_when_allowed() {
    let h = tls_harness(true).await;
    let headers = [("X-Remote-User", "system:admin"), ("X-Remote-Group", "system:masters")];
    let reply =
        fetch(h.server.addr, client_config(&h.serving.ca.der(), None, &[]), Some("/whoami"), &headers)
            .await
            .expect("request");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"system:anonymous ["system:unauthenticated"] {} leaked=false"#);
    h.server.stop().await;
}

#[tokio::test]
async fn client_ca_certificate_user_comes_from_common_name_and_organizations() {
    let h = tls_harness(false).await;
    // rcgen keeps one entry per DN attribute type, so one organization here.
    let client = h.client_ca.client("bob", &["ops"]);
    let reply =
        fetch(h.server.addr, client_config(&h.serving.ca.der(), Some(client), &[]), Some("/whoami"), &[])
            .await
            .expect("request");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, r#"bob ["ops", "system:authenticated"] {} leaked=false"#);
    h.server.stop().await;
}

// === over oneshot ===

#[tokio::test]
async fn bearer_token_is_reviewed_once_then_cached_for_ten_seconds() {
    let tokens = StaticTokenReviewer::new([("t0ken".to_owned(), user("carol", &["team"]))]);
    let h = harness(tokens, FnAccessReviewer::allow_all(), false);
    let bearer = [("Authorization", "Bearer t0ken")];
    let expected = r#"carol ["team", "system:authenticated"] {} leaked=false"#;
    assert_eq!(call(&h.app, "/whoami", &bearer, None).await, (200, expected.to_owned()));
    h.clock.advance_secs(9);
    assert_eq!(call(&h.app, "/whoami", &bearer, None).await, (200, expected.to_owned()));
    assert_eq!(h.auth.token_reviewer().calls(), 1);
    assert_eq!(h.auth.access_reviewer().calls(), 1, "the access decision is cached too");
    h.clock.advance_secs(1);
    assert_eq!(call(&h.app, "/whoami", &bearer, None).await, (200, expected.to_owned()));
    assert_eq!(h.auth.token_reviewer().calls(), 2);
    assert_eq!(h.auth.access_reviewer().calls(), 2);
}

#[tokio::test]
async fn invalid_bearer_token_is_unauthorized_and_the_rejection_is_cached() {
    let h = harness(StaticTokenReviewer::default(), FnAccessReviewer::allow_all(), true);
    let bearer = [("Authorization", "Bearer nope")];
    assert_eq!(call(&h.app, "/whoami", &bearer, None).await, (401, UNAUTHORIZED.to_owned()));
    assert_eq!(call(&h.app, "/whoami", &bearer, None).await, (401, UNAUTHORIZED.to_owned()));
    assert_eq!(h.auth.token_reviewer().calls(), 1);
}

#[tokio::test]
async fn token_review_error_is_an_internal_error() {
    let h = harness(
        StaticTokenReviewer::failing("TokenReview request failed: 503"),
        FnAccessReviewer::allow_all(),
        true,
    );
    let (status, body) = call(&h.app, "/whoami", &[("Authorization", "Bearer x")], None).await;
    assert_eq!(status, 500);
    assert_eq!(
        body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","#,
            r#""message":"Internal error occurred: TokenReview request failed: 503","reason":"InternalError","code":500}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn access_review_denial_is_forbidden_with_the_upstream_status() {
    let tokens = StaticTokenReviewer::new([("t".to_owned(), user("dave", &[]))]);
    let h = harness(tokens, FnAccessReviewer::deny_all("no RBAC policy matched"), false);
    let (status, body) = call(&h.app, PODS, &[("Authorization", "Bearer t")], None).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        concat!(
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods.metrics.k8s.io is "#,
            r#"forbidden: User \"dave\" cannot list resource \"pods\" in API group \"metrics.k8s.io\" in the "#,
            r#"namespace \"default\": no RBAC policy matched","reason":"Forbidden","details":{"group":"#,
            r#""metrics.k8s.io","kind":"pods"},"code":403}"#,
            "\n"
        )
    );
}

#[tokio::test]
async fn access_review_sees_the_user_and_resource_attributes() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let access = FnAccessReviewer::new(move |review| {
        record.lock().expect("lock").push(serde_json::to_string(&review.spec).expect("json"));
        Ok(Decision::Allow)
    });
    let h = harness(StaticTokenReviewer::new([("t".to_owned(), user("erin", &["g"]))]), access, false);
    assert_eq!(call(&h.app, PODS, &[("Authorization", "Bearer t")], None).await.0, 200);
    assert_eq!(
        *seen.lock().expect("lock"),
        [concat!(
            r#"{"resourceAttributes":{"namespace":"default","verb":"list","group":"metrics.k8s.io","#,
            r#""version":"v1beta1","resource":"pods"},"user":"erin","groups":["g","system:authenticated"]}"#
        )]
    );
}

#[tokio::test]
async fn access_review_error_is_an_internal_error_and_not_cached() {
    let access =
        FnAccessReviewer::new(|_| Err(ReviewError::AccessReviewRequest("connection refused".to_owned())));
    let h = harness(StaticTokenReviewer::default(), access, true);
    let (status, body) = call(&h.app, "/whoami", &[], None).await;
    assert_eq!(status, 500);
    assert!(
        body.contains(
            r#""message":"Internal error occurred: SubjectAccessReview request failed: connection refused""#
        ),
        "{body}"
    );
    assert_eq!(call(&h.app, "/whoami", &[], None).await.0, 500);
    assert_eq!(h.auth.access_reviewer().calls(), 2);
}

#[tokio::test]
async fn health_paths_bypass_authentication_and_authorization() {
    let h = harness(StaticTokenReviewer::failing("unused"), FnAccessReviewer::deny_all("unused"), false);
    assert_eq!(
        call(&h.app, "/healthz", &[("Authorization", "Bearer x")], None).await,
        (200, "ok".to_owned())
    );
    assert_eq!(h.auth.token_reviewer().calls(), 0);
    assert_eq!(h.auth.access_reviewer().calls(), 0);
}

#[tokio::test]
async fn system_masters_from_the_front_proxy_needs_no_access_review() {
    let h = harness(StaticTokenReviewer::default(), FnAccessReviewer::deny_all("no"), false);
    h.auth.set_config(AuthenticationConfig {
        client_ca_pem: None,
        request_header: Some(request_header_config(String::new(), &[])),
    });
    let aggregator = peer("front-proxy-client", &[], ChainTrust { client_ca: false, request_header: true });
    let headers = [("X-Remote-User", "system:kube-aggregator"), ("X-Remote-Group", "system:masters")];
    let (status, body) = call(&h.app, PODS, &headers, Some(aggregator)).await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"system:kube-aggregator ["system:masters", "system:authenticated"] {} leaked=false"#);
    assert_eq!(h.auth.access_reviewer().calls(), 0);
}

#[tokio::test]
async fn certificate_outside_the_client_ca_is_unauthorized_even_with_a_valid_token() {
    let tokens = StaticTokenReviewer::new([("t".to_owned(), user("frank", &[]))]);
    let h = harness(tokens, FnAccessReviewer::allow_all(), true);
    h.auth.set_config(AuthenticationConfig { client_ca_pem: Some("pem".to_owned()), request_header: None });
    let untrusted = peer("frank", &[], ChainTrust::default());
    // A token still wins: the union returns the first success (upstream `unionauth`).
    assert_eq!(
        call(&h.app, "/whoami", &[("Authorization", "Bearer t")], Some(untrusted.clone())).await.0,
        200
    );
    assert_eq!(call(&h.app, "/whoami", &[], Some(untrusted)).await, (401, UNAUTHORIZED.to_owned()));
}
