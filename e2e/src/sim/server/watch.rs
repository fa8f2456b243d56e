//! Watch: a streamed, newline-delimited JSON body of `{"type": …, "object": …}` events.
//!
//! Start point (`resourceVersion` parameter): absent, `""` or `"0"` sends the current objects as
//! synthetic `ADDED` events first; a number `N` sends every event after `N` from the resource's
//! log, or a single `ERROR` event with a 410 `Expired` Status when the log no longer reaches back
//! to `N` (the HTTP status is 200, as kube-apiserver streams it). Then the stream follows the
//! store's change signal. With `allowWatchBookmarks` a `BOOKMARK` carrying the latest revision is
//! sent every bookmark interval; `sendInitialEvents=true` ends the initial events with a bookmark
//! annotated `k8s.io/initial-events-end: "true"`. The stream ends after `timeoutSeconds` (default
//! from the server settings), when the client goes away, or when an API fault drops it (at once
//! through `SimHandle::drop_watches`, or on a fault's `dropWatchesEvery` schedule; see
//! [`super::fault`]).
//!
//! Events are filtered by the path namespace and the label/field selectors: a modification that
//! moves an object into the selection is sent as `ADDED`, one that moves it out as `DELETED`, as
//! kube-apiserver's watch cache does. When `Accept` asks for a Table, each event's object is a
//! one-row Table (with column definitions), as `kubectl get -w` expects; when it asks for
//! `PartialObjectMetadata`, each event's object is that.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::body::{self, Body};
use super::fault::RequestFacts;
use super::handlers::{Target, field_selector, partial, select, wants_metadata, wants_table};
use super::present::Presented;
use super::{ApiRequest, ApiState};
use crate::sim::resources::ResourceInfo;
use crate::sim::selector::{FieldSelector, LabelSelector};
use crate::sim::status::ApiError;
use crate::sim::store::{EventType, ResourceKey};
use crate::sim::table::{self, IncludeObject};

/// What one watch stream needs, detached from the request.
struct WatchJob {
    state: Arc<ApiState>,
    key: ResourceKey,
    info: ResourceInfo,
    api_version: String,
    /// The view the watched version is served through, if any.
    view: Option<crate::sim::views::View>,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
    bookmarks: bool,
    timeout: Duration,
    /// `Some` when the client asked for Table output.
    table: Option<IncludeObject>,
    /// The client asked for `PartialObjectMetadata`.
    metadata_only: bool,
}

/// One watch event on the wire; fields in the sorted order a `Value` map would give them.
#[derive(serde::Serialize)]
struct Line<'a, T: serde::Serialize> {
    object: &'a T,
    #[serde(rename = "type")]
    kind: &'a str,
}

fn line<T: serde::Serialize>(kind: &str, object: &T) -> Bytes {
    let mut bytes = serde_json::to_vec(&Line { object, kind }).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

impl WatchJob {
    fn matches(&self, obj: &Value) -> bool {
        let ns_ok =
            self.namespace.as_deref().is_none_or(|ns| obj["metadata"]["namespace"].as_str() == Some(ns));
        ns_ok && self.labels.matches(obj) && self.fields.matches(obj)
    }

    fn present(&self, obj: &Value) -> Value {
        let mut obj = match self.view {
            Some(view) => view.from_storage(obj.clone()),
            None => obj.clone(),
        };
        obj["apiVersion"] = json!(self.api_version);
        obj["kind"] = json!(self.info.kind);
        obj
    }

    /// One event line; with a Table watch the object is a one-row Table. Without a view the
    /// stored object is serialised as it is shared (no copy per watcher).
    fn event(&self, kind: &str, obj: &Value) -> Bytes {
        match self.table {
            Some(include) => {
                let meta = json!({"resourceVersion": obj["metadata"]["resourceVersion"]});
                let obj = self.present(obj);
                let t =
                    table::render(&self.info, &self.api_version, &[obj], Timestamp::now(), include, &meta);
                line(kind, &t)
            }
            None if self.metadata_only => line(kind, &partial(obj)),
            None if self.view.is_some() => line(kind, &self.present(obj)),
            None => line(kind, &Presented { obj, api_version: &self.api_version, kind: &self.info.kind }),
        }
    }

    fn bookmark(&self, revision: u64, initial_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": revision.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        line("BOOKMARK", &json!({"kind": self.info.kind, "apiVersion": self.api_version, "metadata": meta}))
    }

    /// This watch as the API faults see it.
    fn facts(&self) -> RequestFacts<'_> {
        RequestFacts {
            verb: "watch",
            group: &self.info.group,
            resource: &self.info.plural,
            subresource: "",
            internal: false,
        }
    }

    async fn run(self, tx: mpsc::Sender<Bytes>, mut since: u64, subscriptions: Subscriptions) {
        let Subscriptions { mut changes, mut drops, mut fault_changes } = subscriptions;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let interval = self.state.settings.bookmark_interval;
        let mut next_bookmark = tokio::time::Instant::now() + interval;
        loop {
            changes.borrow_and_update();
            match self.state.cluster.events_since(&self.key, since) {
                Ok((events, revision)) => {
                    for event in events {
                        let now_in = self.matches(&event.object);
                        let was_in = event.previous.as_ref().is_some_and(|p| self.matches(p));
                        let kind = match (event.kind, was_in, now_in) {
                            (EventType::Modified, true, true) => "MODIFIED",
                            (EventType::Modified, false, true) | (EventType::Added, _, true) => "ADDED",
                            (EventType::Modified, true, false) | (EventType::Deleted, _, true) => "DELETED",
                            _ => continue,
                        };
                        if tx.send(self.event(kind, &event.object)).await.is_err() {
                            return;
                        }
                    }
                    since = revision;
                }
                Err(err) => {
                    let _ = tx.send(line("ERROR", &err.to_status())).await;
                    return;
                }
            }
            let next_drop = self.state.faults.next_drop(&self.facts());
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                // A dropped watch ends its stream, as a restarted apiserver or a cut connection does.
                _ = drops.changed() => return,
                () = sleep_until_some(next_drop) => return,
                changed = fault_changes.changed() => if changed.is_err() { return },
                () = tokio::time::sleep_until(next_bookmark), if self.bookmarks => {
                    if tx.send(self.bookmark(since, false)).await.is_err() {
                        return;
                    }
                    next_bookmark = tokio::time::Instant::now() + interval;
                }
                () = tokio::time::sleep_until(deadline) => return,
                () = tx.closed() => return,
            }
        }
    }
}

/// The change feeds a watch listens to. They are taken before the response goes out, so a
/// drop or a write that happens right after the client sees the headers is never missed.
struct Subscriptions {
    changes: tokio::sync::watch::Receiver<u64>,
    drops: tokio::sync::watch::Receiver<u64>,
    fault_changes: tokio::sync::watch::Receiver<u64>,
}

/// Sleep until `at`, or forever without one.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Start a watch on `target` and return the streaming response.
pub fn start(
    state: &Arc<ApiState>,
    req: &ApiRequest,
    target: &Target<'_>,
) -> Result<Response<Body>, ApiError> {
    let labels = LabelSelector::parse(req.query.get("labelSelector").unwrap_or_default())?;
    let fields = field_selector(req, target)?;
    let timeout = req
        .query
        .non_empty("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map_or(state.settings.watch_timeout, Duration::from_secs);
    let job = WatchJob {
        state: Arc::clone(state),
        key: target.key.clone(),
        info: target.info.clone(),
        api_version: target.api_version(),
        view: target.view(),
        namespace: target.path.namespace.clone(),
        labels,
        fields,
        bookmarks: matches!(req.query.get("allowWatchBookmarks"), Some("true" | "1")),
        timeout,
        table: wants_table(req).then(|| IncludeObject::parse(req.query.get("includeObject"))),
        metadata_only: wants_metadata(req),
    };
    let subscriptions = Subscriptions {
        changes: state.cluster.subscribe(),
        drops: state.faults.subscribe_drops(),
        fault_changes: state.faults.subscribe_changes(),
    };
    let (tx, rx) = mpsc::channel(256);
    let requested = req.query.non_empty("resourceVersion").filter(|rv| *rv != "0");
    let initial = requested.is_none() || req.query.get("sendInitialEvents") == Some("true");
    let mut prelude = Vec::new();
    let since = if initial {
        let (objects, revision) = select(state, req, target)?;
        prelude.extend(objects.iter().map(|o| job.event("ADDED", o)));
        if req.query.get("sendInitialEvents") == Some("true") && job.bookmarks {
            prelude.push(job.bookmark(revision, true));
        }
        revision
    } else {
        let rv = requested.unwrap_or_default();
        rv.parse::<u64>().map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv:?}")))?
    };
    tokio::spawn(async move {
        for chunk in prelude {
            if tx.send(chunk).await.is_err() {
                return;
            }
        }
        job.run(tx, since, subscriptions).await;
    });
    Ok(body::stream(rx))
}
