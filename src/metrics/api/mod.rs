//! The `metrics.k8s.io/v1beta1` API surface: what kubectl top, the HPA and the VPA read.
//!
//! Model: a [`source::MetricsSource`] (the two-point store plus the node/pod watches) yields
//! already-computed samples; [`router::router`] turns them into the exact objects, lists, Tables,
//! Status errors, discovery documents and health texts metrics-server v0.9 serves (behaviour
//! spec `metrics-server.md` §4). Invariants:
//! - the API layer is stateless and reads the clock only through the injected `now`;
//! - lists are sorted (nodes by name, pods by namespace then name), gets and lists of the same
//!   object serialise identically;
//! - only GET/HEAD are served (no watch), only JSON and Table representations.
//!
//! [`why`] serves the store's explanations (`/why/nodes/{node}`,
//! `/why/namespaces/{namespace}/pods/{pod}`, a bellows extra) for `bellows metrics why`.
//!
//! [`auth`] holds the pure parts of delegated authentication and authorization (front-proxy
//! request headers, `SubjectAccessReview` bodies, decision cache); TLS and the API calls are edges.

pub mod auth;
pub mod discovery;
pub mod health;
pub mod negotiate;
pub mod query;
pub mod router;
/// Selectors moved to the crate root (the HPA selects pods with them too); re-exported here.
pub use crate::selectors;
pub mod source;
pub mod status;
pub mod table;
pub mod types;
pub mod why;

#[cfg(test)]
mod tests;

pub use router::{Clock, RouterConfig, router};
pub use source::{ContainerSample, Lookup, MetricsSource, NodeSample, PodSample, StaticSource};
pub use why::{ExplainSource, why_router};
