//! `/why/…`: the explanation endpoints, their JSON, methods and authorization.

use std::sync::{Arc, Mutex};

use axum::Router;
use jiff::SignedDuration;

use super::fixtures::{get, send};
use crate::metrics::api::auth::{Decision, UserInfo};
use crate::metrics::api::why::why_router;
use crate::metrics::cli::replay::replay;
use crate::server::reviewers::{FnAccessReviewer, StaticTokenReviewer};
use crate::server::{AuthOptions, DelegatedAuth, with_delegated_auth};

const A: &[u8] = include_bytes!("../../../../tests/fixtures/kubelet/worker-1-a.txt");
const B: &[u8] = include_bytes!("../../../../tests/fixtures/kubelet/worker-1-b.txt");

/// The endpoints over the store after the two `worker-1` payloads.
fn app() -> Router {
    let replayed = replay("worker-1", SignedDuration::from_secs(15), &[A.to_vec(), B.to_vec()]);
    why_router(Arc::new(replayed.store))
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("json body")
}

#[tokio::test]
async fn a_served_node_answers_with_its_timestamp_and_window() {
    let reply = get(app(), "/why/nodes/worker-1").await;
    assert_eq!((reply.status.as_u16(), reply.content_type.as_str()), (200, "application/json"));
    assert!(reply.body.ends_with("}\n"));
    let doc = json(&reply.body);
    assert_eq!(doc["object"], serde_json::json!({"kind": "node", "name": "worker-1"}));
    assert_eq!(doc["served"], true);
    assert_eq!(doc["reason"]["type"], "served");
    assert_eq!(doc["reason"]["timestamp"], "2021-10-03T09:37:04.722Z");
    assert_eq!(
        doc["message"],
        "node worker-1: served: metrics from 2021-10-03T09:37:04.722Z, window 15.002s"
    );
}

#[tokio::test]
async fn a_restarted_pod_answers_why_it_is_not_served() {
    let doc = json(&get(app(), "/why/namespaces/default/pods/crashy").await.body);
    assert_eq!(doc["served"], false);
    assert_eq!(doc["reason"]["type"], "containerRestarted");
    assert_eq!(doc["reason"]["container"], "main");
    assert_eq!(
        doc["message"],
        "pod default/crashy: not served: container main restarted at 2021-10-03T09:36:58Z; served after the \
         next scrape, expected around 2021-10-03T09:37:22.125Z"
    );
}

#[tokio::test]
async fn an_unknown_object_is_an_answer_not_an_error() {
    let reply = get(app(), "/why/nodes/ghost").await;
    assert_eq!(reply.status.as_u16(), 200);
    assert_eq!(json(&reply.body)["message"], "node ghost: not served: never seen in a scrape");
    assert_eq!(json(&reply.body)["reason"]["type"], "neverSeen");
}

#[tokio::test]
async fn other_methods_get_the_405_status() {
    let reply = send(app(), "POST", "/why/nodes/worker-1", &[]).await;
    assert_eq!(reply.status.as_u16(), 405);
    assert_eq!(json(&reply.body)["reason"], "MethodNotAllowed");
}

#[tokio::test]
async fn why_paths_are_authorized_by_subject_access_review_on_the_path() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let access = FnAccessReviewer::new(move |review| {
        let spec = serde_json::to_string(&review.spec).expect("json");
        record.lock().expect("lock").push(spec);
        Ok(Decision::Deny("no RBAC policy matched".to_owned()))
    });
    let user = UserInfo { name: "erin".to_owned(), ..UserInfo::default() };
    let tokens = StaticTokenReviewer::new([("t".to_owned(), user)]);
    let now = jiff::Timestamp::UNIX_EPOCH;
    let auth = Arc::new(DelegatedAuth::new(tokens, access, AuthOptions::default(), Arc::new(move || now)));
    let app = with_delegated_auth(app(), auth);
    let reply = send(app, "GET", "/why/nodes/worker-1", &[("authorization", "Bearer t")]).await;
    assert_eq!(reply.status.as_u16(), 403);
    assert_eq!(
        json(&reply.body)["message"],
        r#"forbidden: User "erin" cannot get path "/why/nodes/worker-1": no RBAC policy matched"#
    );
    assert_eq!(
        *seen.lock().expect("lock"),
        [
            r#"{"nonResourceAttributes":{"path":"/why/nodes/worker-1","verb":"get"},"user":"erin","groups":["system:authenticated"]}"#
        ]
    );
}
