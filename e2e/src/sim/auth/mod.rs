//! Authentication and authorization of the simulated API server, as kube-apiserver does them.
//!
//! Model:
//! - **Who**: a client certificate (see [`crate::sim::certinfo`]) or a bearer token
//!   ([`authenticate_token`]): `ServiceAccount` tokens (`TokenRequest` and legacy
//!   `kubernetes.io/service-account-token` Secrets) and the static admin token of the kubeconfig,
//!   all JWTs signed with a per-cluster HMAC key kept in a kube-system Secret ([`token`]).
//!   Impersonation headers then replace the user ([`request`]).
//! - **May they**: RBAC over the Role/ClusterRole/binding objects in the store ([`rbac`]), with
//!   `system:masters` always allowed ([`authorize`]).
//! - **Reviews**: `TokenReview`, `SubjectAccessReview` (+ Local/Self) and `TokenRequest` handlers
//!   ([`reviews`]); a minimal protobuf decoder for `SelfSubjectAccessReview` ([`protobuf`]).
//!
//! Invariants: every authenticated user carries the group `system:authenticated`; authorization
//! reads the store at decision time, so RBAC changes apply to the next request.

pub mod bootstrap;
pub mod controller;
pub mod protobuf;
pub mod rbac;
pub mod request;
pub mod reviews;
pub mod token;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::cluster::Cluster;
use super::resources::ResourceInfo;

/// The group of every authenticated user.
pub const AUTHENTICATED: &str = "system:authenticated";
/// The group whose members may do everything.
pub const MASTERS: &str = "system:masters";

/// An authenticated user, as kube-apiserver's `user.Info`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserInfo {
    /// User name, e.g. `alice` or `system:serviceaccount:default:bellows`.
    pub username: String,
    /// User uid (the `ServiceAccount`'s uid for its tokens; empty for certificate users).
    pub uid: String,
    /// Groups, including `system:authenticated`.
    pub groups: Vec<String>,
    /// Extra attributes.
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// A user with `groups` plus `system:authenticated` (added once).
    pub fn new(username: &str, groups: &[&str]) -> Self {
        let mut user = Self { username: username.to_owned(), ..Self::default() };
        user.groups = groups.iter().map(|g| (*g).to_owned()).collect();
        user.ensure_authenticated();
        user
    }

    /// Add `system:authenticated` unless present.
    pub fn ensure_authenticated(&mut self) {
        if !self.groups.iter().any(|g| g == AUTHENTICATED) {
            self.groups.push(AUTHENTICATED.to_owned());
        }
    }

    /// The `UserInfo` JSON of `authentication.k8s.io/v1` (`TokenReview` status).
    pub fn to_json(&self) -> Value {
        let mut v = json!({"username": self.username, "groups": self.groups});
        if !self.uid.is_empty() {
            v["uid"] = json!(self.uid);
        }
        if !self.extra.is_empty() {
            v["extra"] = json!(self.extra);
        }
        v
    }
}

/// What a request asks to do, as kube-apiserver's `authorizer.Attributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attributes {
    /// A request on an API resource.
    Resource {
        /// Verb: get, list, watch, create, update, patch, delete, deletecollection, impersonate, …
        verb: String,
        /// API group (`""` for core).
        group: String,
        /// API version (not used by RBAC).
        version: String,
        /// Plural resource.
        resource: String,
        /// Subresource (`""` for none).
        subresource: String,
        /// Namespace (`""` for cluster scope).
        namespace: String,
        /// Object name (`""` for collections).
        name: String,
    },
    /// A request on a non-resource URL (`/apis`, `/healthz`, `/metrics`, …).
    NonResource {
        /// Lower-case HTTP method (`get`, `post`, …).
        verb: String,
        /// URL path.
        path: String,
    },
}

impl Attributes {
    /// A resource request (all fields owned).
    pub fn resource(
        verb: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        namespace: &str,
        name: &str,
    ) -> Self {
        Self::Resource {
            verb: verb.to_owned(),
            group: group.to_owned(),
            version: String::new(),
            resource: resource.to_owned(),
            subresource: subresource.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// A non-resource request.
    pub fn non_resource(verb: &str, path: &str) -> Self {
        Self::NonResource { verb: verb.to_owned(), path: path.to_owned() }
    }

    /// The verb.
    pub fn verb(&self) -> &str {
        match self {
            Self::Resource { verb, .. } | Self::NonResource { verb, .. } => verb,
        }
    }
}

/// The user a bearer token names (with `system:authenticated`), or `None` for an unknown,
/// badly signed or expired token, or one whose `ServiceAccount` or Secret is gone.
pub fn authenticate_token(cluster: &Cluster, token: &str) -> Option<UserInfo> {
    token::authenticate(cluster, token, jiff::Timestamp::now()).map(|(user, _)| user)
}

/// Whether `user` may do `attrs`: `system:masters` always may, everyone else as RBAC allows.
pub fn authorize(cluster: &Cluster, user: &UserInfo, attrs: &Attributes) -> bool {
    rbac::decide(cluster, user, attrs).allowed
}

/// The `authentication.k8s.io` and `authorization.k8s.io` review resources (create-only) for the
/// resource table.
pub fn resources() -> Vec<ResourceInfo> {
    let create_only = |mut info: ResourceInfo| {
        info.verbs = vec!["create".to_owned()];
        info.columns = Vec::new();
        info
    };
    vec![
        create_only(ResourceInfo::new("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false)),
        create_only(ResourceInfo::new(
            "authorization.k8s.io",
            "v1",
            "SubjectAccessReview",
            "subjectaccessreviews",
            false,
        )),
        create_only(ResourceInfo::new(
            "authorization.k8s.io",
            "v1",
            "SelfSubjectAccessReview",
            "selfsubjectaccessreviews",
            false,
        )),
        create_only(ResourceInfo::new(
            "authorization.k8s.io",
            "v1",
            "LocalSubjectAccessReview",
            "localsubjectaccessreviews",
            true,
        )),
    ]
}
