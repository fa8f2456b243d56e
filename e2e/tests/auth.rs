//! Authentication and authorization over HTTPS: `ServiceAccount` tokens (`TokenRequest` and legacy
//! Secrets), the static admin token, 401/403 Statuses, impersonation, and the review APIs.

mod auth_support;
mod common;

use std::time::Duration;

use auth_support::{AuthClient, binding, service_account};
use base64::Engine as _;
use bellows_e2e::sim::SimHandle;
use bellows_e2e::sim::auth::{self, Attributes, token};
use serde_json::{Value, json};

const PODS: &str = "/api/v1/namespaces/default/pods";
const SAS: &str = "/api/v1/namespaces/default/serviceaccounts";
const ROLEBINDINGS: &str = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings";

async fn sa_token(sim: &SimHandle, name: &str) -> String {
    let admin = AuthClient::admin(sim);
    assert_eq!(admin.post(SAS, &service_account(name)).await.status, 201);
    let reply =
        admin.post(&format!("{SAS}/{name}/token"), &json!({"spec": {"expirationSeconds": 3600}})).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["kind"], "TokenRequest");
    assert!(reply.body["status"]["expirationTimestamp"].is_string());
    reply.body["status"]["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_token_request_token_authenticates_and_rbac_decides_what_it_may_do() {
    let sim = common::start_sim(0).await;
    let token = sa_token(&sim, "robot").await;
    let robot = AuthClient::token(&sim, &token);
    let denied = robot.get(PODS).await;
    assert_eq!((denied.status, denied.body["reason"].as_str()), (403, Some("Forbidden")));
    assert_eq!(
        denied.body["message"],
        "pods is forbidden: User \"system:serviceaccount:default:robot\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    assert_eq!(denied.body["details"], json!({"kind": "pods"}));
    assert_eq!(robot.get("/apis").await.status, 200, "discovery is open to authenticated users");

    let subject = json!({"kind": "ServiceAccount", "name": "robot", "namespace": "default"});
    let created = AuthClient::admin(&sim)
        .post(ROLEBINDINGS, &binding("RoleBinding", "robot-view", "ClusterRole", "view", &subject))
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(robot.get(PODS).await.status, 200);
    assert_eq!(robot.get("/api/v1/namespaces/kube-system/pods").await.status, 403);
}

#[tokio::test]
async fn expired_unknown_and_orphaned_tokens_get_401() {
    let sim = common::start_sim(0).await;
    let fresh = sa_token(&sim, "robot").await;
    let two_hours_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2);
    let expired =
        token::issue_service_account_token(sim.cluster(), "default", "robot", &[], 3600, two_hours_ago)
            .unwrap();
    for bad in [expired.token.as_str(), "garbage", "a.b.c"] {
        let reply = AuthClient::token(&sim, bad).get("/api").await;
        assert_eq!((reply.status, reply.body["reason"].as_str()), (401, Some("Unauthorized")), "{bad}");
    }
    assert_eq!(AuthClient::token(&sim, &fresh).get("/api").await.status, 200);
    let deleted =
        AuthClient::admin(&sim).raw(http::Method::DELETE, &format!("{SAS}/robot"), "", Vec::new()).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(AuthClient::token(&sim, &fresh).get("/api").await.status, 401, "the ServiceAccount is gone");
}

#[tokio::test]
async fn in_process_authenticate_and_authorize_agree_with_the_api() {
    let sim = common::start_sim(0).await;
    let token = sa_token(&sim, "scraper").await;
    let user = auth::authenticate_token(sim.cluster(), &token).expect("token authenticates");
    assert_eq!(user.username, "system:serviceaccount:default:scraper");
    assert_eq!(
        user.groups,
        ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]
    );
    assert!(!user.uid.is_empty());
    let metrics = Attributes::resource("get", "", "nodes", "metrics", "", "node-1");
    assert!(!auth::authorize(sim.cluster(), &user, &metrics));
    let cluster_roles = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
    let role = json!({"metadata": {"name": "node-metrics"},
        "rules": [{"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]}]});
    let admin = AuthClient::admin(&sim);
    assert_eq!(admin.post(cluster_roles, &role).await.status, 201);
    let subject = json!({"kind": "ServiceAccount", "name": "scraper", "namespace": "default"});
    let crb = binding("ClusterRoleBinding", "scraper", "ClusterRole", "node-metrics", &subject);
    assert_eq!(admin.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", &crb).await.status, 201);
    assert!(auth::authorize(sim.cluster(), &user, &metrics));
    assert_eq!(auth::authenticate_token(sim.cluster(), "nope"), None);
}

#[tokio::test]
async fn the_static_admin_token_is_in_the_kubeconfig_and_is_a_master() {
    let sim = common::start_sim(0).await;
    let kubeconfig: Value = serde_saphyr::from_str(sim.kubeconfig_yaml()).unwrap();
    let user = kubeconfig["users"].as_array().unwrap().iter().find(|u| u["name"] == "admin-token").unwrap();
    let token = user["user"]["token"].as_str().unwrap();
    let reply = AuthClient::token(&sim, token).get("/api/v1/namespaces/kube-system/secrets").await;
    assert_eq!(reply.status, 200);
    assert_eq!(kubeconfig["current-context"], "bellows-sim", "the certificate user stays current");
}

#[tokio::test]
async fn legacy_token_secrets_are_filled_and_authenticate() {
    let sim = common::start_sim(0).await;
    let admin = AuthClient::admin(&sim);
    assert_eq!(admin.post(SAS, &service_account("legacy")).await.status, 201);
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
        "metadata": {"name": "legacy-token", "annotations": {"kubernetes.io/service-account.name": "legacy"}}});
    assert_eq!(admin.post("/api/v1/namespaces/default/secrets", &secret).await.status, 201);
    let mut filled = Value::Null;
    for _ in 0..50 {
        filled = sim.get("", "secrets", "default", "legacy-token").unwrap();
        if filled["data"]["token"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let token =
        String::from_utf8(b64.decode(filled["data"]["token"].as_str().expect("token filled")).unwrap())
            .unwrap();
    assert_eq!(b64.decode(filled["data"]["namespace"].as_str().unwrap()).unwrap(), b"default");
    assert!(
        String::from_utf8(b64.decode(filled["data"]["ca.crt"].as_str().unwrap()).unwrap())
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    let review = AuthClient::admin(&sim)
        .post("/apis/authentication.k8s.io/v1/tokenreviews", &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}))
        .await;
    assert_eq!(review.body["status"]["authenticated"], true);
    assert_eq!(review.body["status"]["user"]["username"], "system:serviceaccount:default:legacy");
}

#[tokio::test]
async fn token_review_reports_users_and_audiences() {
    let sim = common::start_sim(0).await;
    let token = sa_token(&sim, "robot").await;
    let admin = AuthClient::admin(&sim);
    let path = "/apis/authentication.k8s.io/v1/tokenreviews";
    let review = |t: &str, audiences: Value| json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": t, "audiences": audiences}});
    let ok = admin.post(path, &review(&token, json!([]))).await;
    assert_eq!(ok.status, 201);
    let status = &ok.body["status"];
    assert_eq!(status["authenticated"], true);
    assert_eq!(status["user"]["username"], "system:serviceaccount:default:robot");
    assert_eq!(status["audiences"], json!([token::API_AUDIENCE]));
    let wrong_audience = admin.post(path, &review(&token, json!(["other"]))).await;
    assert_eq!(wrong_audience.body["status"]["authenticated"], false);
    let bad = admin.post(path, &review("garbage", json!([]))).await;
    assert_eq!(bad.body["status"]["authenticated"], false);
    assert!(bad.body["status"]["error"].is_string());
    assert!(sim.get("authentication.k8s.io", "tokenreviews", "", "").is_none(), "reviews are not stored");
    // Creating reviews needs system:auth-delegator; an unprivileged service account is refused.
    let denied = AuthClient::token(&sim, &token).post(path, &review(&token, json!([]))).await;
    assert_eq!(denied.status, 403);
}

#[tokio::test]
async fn subject_access_reviews_answer_for_other_users_and_self() {
    let sim = common::start_sim(0).await;
    let admin = AuthClient::admin(&sim);
    admin
        .post(
            ROLEBINDINGS,
            &binding(
                "RoleBinding",
                "alice-edit",
                "ClusterRole",
                "edit",
                &json!({"kind": "User", "name": "alice"}),
            ),
        )
        .await;
    let sar = |verb: &str, ns: &str| {
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": "alice", "resourceAttributes": {"verb": verb, "resource": "deployments", "group": "apps", "namespace": ns}}})
    };
    let path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    let allowed = admin.post(path, &sar("create", "default")).await;
    assert_eq!(allowed.status, 201);
    assert_eq!(allowed.body["status"]["allowed"], true);
    assert_eq!(
        allowed.body["status"]["reason"],
        "RBAC: allowed by RoleBinding \"alice-edit/default\" of ClusterRole \"edit\" to User \"alice\""
    );
    assert_eq!(admin.post(path, &sar("create", "kube-system")).await.body["status"]["allowed"], false);
    let nonresource =
        json!({"spec": {"user": "alice", "nonResourceAttributes": {"path": "/metrics", "verb": "get"}}});
    assert_eq!(admin.post(path, &nonresource).await.body["status"]["allowed"], false);

    let local = admin
        .post(
            "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews",
            &json!({"spec": {"user": "alice",
            "resourceAttributes": {"verb": "delete", "resource": "pods", "namespace": "default"}}}),
        )
        .await;
    assert_eq!((local.status, &local.body["status"]["allowed"]), (201, &json!(true)));

    let alice = AuthClient::cert(&sim, "alice", &[]);
    let selfsar = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "default"}}});
    let mine = alice.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", &selfsar).await;
    assert_eq!((mine.status, &mine.body["status"]["allowed"]), (201, &json!(true)));
    assert_eq!(alice.post(path, &sar("create", "default")).await.status, 403, "SAR needs auth-delegator");
}

/// A length-delimited protobuf field.
fn ld(field: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![(field << 3) | 2, u8::try_from(bytes.len()).unwrap()];
    out.extend_from_slice(bytes);
    out
}

#[tokio::test]
async fn self_subject_access_reviews_decode_kubernetes_protobuf() {
    let sim = common::start_sim(0).await;
    let attrs = [ld(1, b"default"), ld(2, b"list"), ld(5, b"pods")].concat();
    let raw = ld(2, &ld(1, &attrs));
    let body = [b"k8s\0".to_vec(), ld(2, &raw)].concat();
    let path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    let bob = AuthClient::cert(&sim, "bob", &[]);
    let reply = bob.raw(http::Method::POST, path, "application/vnd.kubernetes.protobuf", body.clone()).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.body["status"]["allowed"], false);
    assert_eq!(reply.body["spec"]["resourceAttributes"]["resource"], "pods");
    let admin = AuthClient::admin(&sim);
    let reply = admin.raw(http::Method::POST, path, "application/vnd.kubernetes.protobuf", body).await;
    assert_eq!(reply.body["status"]["allowed"], true);
}

#[tokio::test]
async fn impersonation_needs_the_impersonate_verb() {
    let sim = common::start_sim(0).await;
    let as_alice = AuthClient::admin(&sim).with_header("impersonate-user", "alice");
    let denied = as_alice.get(PODS).await;
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.body["message"],
        "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );

    let bob_as_alice = AuthClient::cert(&sim, "bob", &[]).with_header("impersonate-user", "alice");
    let refused = bob_as_alice.get("/api").await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.body["message"],
        "users \"alice\" is forbidden: User \"bob\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );
    let admin = AuthClient::admin(&sim);
    let role = json!({"metadata": {"name": "impersonate-alice"},
        "rules": [{"apiGroups": [""], "resources": ["users"], "resourceNames": ["alice"], "verbs": ["impersonate"]}]});
    assert_eq!(admin.post("/apis/rbac.authorization.k8s.io/v1/clusterroles", &role).await.status, 201);
    let crb = binding(
        "ClusterRoleBinding",
        "bob-impersonates",
        "ClusterRole",
        "impersonate-alice",
        &json!({"kind": "User", "name": "bob"}),
    );
    assert_eq!(admin.post("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", &crb).await.status, 201);
    assert_eq!(bob_as_alice.get("/api").await.status, 200);
    let with_group = AuthClient::cert(&sim, "bob", &[])
        .with_header("impersonate-user", "alice")
        .with_header("impersonate-group", "system:masters");
    let escalation = with_group.get(PODS).await;
    assert_eq!(escalation.status, 403, "impersonating a group needs its own permission");
    assert_eq!(
        escalation.body["message"],
        "groups \"system:masters\" is forbidden: User \"bob\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope"
    );
}

#[tokio::test]
async fn bootstrap_roles_and_the_authentication_configmap_exist() {
    let sim = common::start_sim(0).await;
    for name in ["cluster-admin", "admin", "edit", "view", "system:auth-delegator", "system:discovery"] {
        assert!(sim.get("rbac.authorization.k8s.io", "clusterroles", "", name).is_some(), "{name}");
    }
    let reader = sim.get(
        "rbac.authorization.k8s.io",
        "roles",
        "kube-system",
        "extension-apiserver-authentication-reader",
    );
    assert!(reader.is_some());
    let mut admin_rules = Value::Null;
    for _ in 0..50 {
        admin_rules =
            sim.get("rbac.authorization.k8s.io", "clusterroles", "", "admin").unwrap()["rules"].clone();
        if admin_rules.as_array().is_some_and(|r| !r.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        admin_rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["resources"].as_array().unwrap().contains(&json!("rolebindings")))
    );
    let cm = sim.get("", "configmaps", "kube-system", "extension-apiserver-authentication").unwrap();
    assert_eq!(cm["data"]["client-ca-file"], sim.ca_pem());
    assert_eq!(cm["data"]["requestheader-allowed-names"], "[\"front-proxy-client\"]");
    assert_eq!(cm["data"]["requestheader-username-headers"], "[\"X-Remote-User\"]");
    assert_eq!(cm["data"]["requestheader-group-headers"], "[\"X-Remote-Group\"]");
    assert_eq!(cm["data"]["requestheader-extra-headers-prefix"], "[\"X-Remote-Extra-\"]");
    assert!(cm["data"]["requestheader-client-ca-file"].as_str().unwrap().contains("BEGIN CERTIFICATE"));
    assert_ne!(cm["data"]["requestheader-client-ca-file"], cm["data"]["client-ca-file"]);
}
