//! Two small controllers of the auth part, run after every change of the store:
//! - **`ClusterRole` aggregation**: a `ClusterRole` with `aggregationRule` gets as `rules` the union
//!   of the rules of the `ClusterRoles` its selectors match (upstream `clusterroleaggregation`);
//! - **legacy `ServiceAccount` token Secrets**: a Secret of type
//!   `kubernetes.io/service-account-token` naming an existing `ServiceAccount` (annotation
//!   `kubernetes.io/service-account.name`) gets `data.token`, `data.ca.crt`, `data.namespace`
//!   and the `kubernetes.io/service-account.uid` annotation (upstream `tokens_controller`).
//!
//! [`reconcile`] is one synchronous pass (idempotent; conflicts are retried on the next pass);
//! [`run`] repeats it on changes until shutdown.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::rbac::{self, GROUP};
use super::token;
use crate::sim::cluster::Cluster;
use crate::sim::store::{ResourceKey, UpdateScope};

/// Secret type of legacy `ServiceAccount` tokens.
pub const SA_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
const SA_NAME: &str = "kubernetes.io/service-account.name";
const SA_UID: &str = "kubernetes.io/service-account.uid";

/// One pass of both controllers.
pub fn reconcile(cluster: &Cluster) {
    aggregate_cluster_roles(cluster);
    fill_token_secrets(cluster);
}

/// Repeat [`reconcile`] after changes (at most every 50 ms) until `shutdown` becomes true.
pub async fn run(cluster: Arc<Cluster>, mut shutdown: watch::Receiver<bool>) {
    let mut changes = cluster.subscribe();
    loop {
        reconcile(&cluster);
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { break },
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn aggregate_cluster_roles(cluster: &Cluster) {
    let key = ResourceKey::new(GROUP, "clusterroles");
    let (roles, _) = cluster.list(&key, None);
    for role in roles.iter().filter(|r| r["aggregationRule"].is_object()) {
        let name = role["metadata"]["name"].as_str().unwrap_or_default();
        let rules = Value::Array(rbac::cluster_role_rules(cluster, name));
        if role["rules"] != rules && !(rules.as_array().is_some_and(Vec::is_empty) && role["rules"].is_null())
        {
            let mut updated = role.clone();
            updated["rules"] = rules;
            let _ = cluster.update(&key, updated, UpdateScope::Whole, false);
        }
    }
}

fn ca_pem(cluster: &Cluster) -> String {
    cluster
        .get(&ResourceKey::new("", "configmaps"), "kube-system", crate::sim::aggregator::AUTH_CONFIGMAP)
        .and_then(|cm| cm["data"]["client-ca-file"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn fill_token_secrets(cluster: &Cluster) {
    let key = ResourceKey::new("", "secrets");
    let (secrets, _) = cluster.list(&key, None);
    let pending = secrets.iter().filter(|s| s["type"] == SA_TOKEN_TYPE && s["data"]["token"].is_null());
    for secret in pending {
        let meta = &secret["metadata"];
        let ns = meta["namespace"].as_str().unwrap_or_default();
        let name = meta["name"].as_str().unwrap_or_default();
        let Some(sa_name) = meta["annotations"][SA_NAME].as_str() else { continue };
        let Some(sa) = cluster.get(&ResourceKey::new("", "serviceaccounts"), ns, sa_name) else { continue };
        let uid = sa["metadata"]["uid"].as_str().unwrap_or_default();
        let Ok(jwt) = token::legacy_token(cluster, ns, name, sa_name, uid) else { continue };
        let mut updated = secret.clone();
        updated["metadata"]["annotations"][SA_UID] = json!(uid);
        if !updated["data"].is_object() {
            updated["data"] = json!({});
        }
        updated["data"]["token"] = json!(STANDARD.encode(jwt));
        updated["data"]["ca.crt"] = json!(STANDARD.encode(ca_pem(cluster)));
        updated["data"]["namespace"] = json!(STANDARD.encode(ns));
        let _ = cluster.update(&key, updated, UpdateScope::Whole, false);
    }
}
