//! Resource metrics pipeline, the part of metrics-server that bellows replaces.
//!
//! Data flow, one scrape cycle every `--metric-resolution`:
//!
//! ```text
//! kubelet /metrics/resource (Prometheus text)
//!     │  decode::decode(payload, node, request_time)       pure, per node
//!     ▼
//! decode::Batch  {nodes, pods, dropped}                     one per node (or merged)
//!     │  store::Store::store / store_cycle                    pure, per cycle
//!     ▼
//! store::Store   two points (last, prev) per node and per container
//!     │  node_usage / pod_usage / nodes / pods / why_*       computed on read
//!     ▼
//! metrics.k8s.io/v1beta1 API (api::types shapes), HPA, VPA recommender
//! ```
//!
//! Everything here is pure: no I/O, no clock reads (the request time of a scrape is a parameter),
//! no async runtime and no Kubernetes client types. The scraper and the API server are thin edges
//! around these modules. Upstream behaviour (kubernetes-sigs/metrics-server v0.9,
//! `pkg/scraper/client/resource/decode.go` and `pkg/storage`) is the contract; where bellows
//! deviates (NaN handling, deterministic ordering, explanations) the item documents it.

pub mod api;
pub mod cli;
pub mod decode;
pub mod kubelet;
pub mod runtime;
pub mod scraper;
pub mod store;
pub mod target;
