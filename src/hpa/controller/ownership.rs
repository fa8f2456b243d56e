//! Who else acts on the same pods or the same HPA: the selector index (`AmbiguousSelector`) and
//! competing-writer detection.
//!
//! - [`SelectorIndex`] remembers the scale selector of every autoscaler (HPAs *and* policies) after
//!   its last read, as upstream's selector tracker does. An autoscaler is ambiguous when a pod it
//!   selects is also selected by another autoscaler of the namespace (partial overlap counts).
//! - [`CompetingWriters`] watches `metadata.managedFields`: an entry for the `status` subresource
//!   whose manager is not ours means another controller (kube-controller-manager's HPA controller)
//!   writes this HPA's status. Server-side field ownership moves to the last writer, so an entry can
//!   vanish after our own write; the tracker therefore remembers the newest foreign write it saw and
//!   reports competition until that writer has been quiet for two sync periods.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::core::v1::Pod;

use super::clients::ObjectKey;
use crate::selectors::LabelSelector;

/// Our field manager.
pub const FIELD_MANAGER: &str = "bellows";

/// Scale selectors of the autoscalers seen so far.
#[derive(Debug, Default)]
pub struct SelectorIndex {
    selectors: BTreeMap<ObjectKey, LabelSelector>,
}

impl SelectorIndex {
    /// Records `key`'s current selector.
    pub fn set(&mut self, key: &ObjectKey, selector: LabelSelector) {
        self.selectors.insert(key.clone(), selector);
    }

    /// Forgets `key` (deleted, out of scope, or its scale lost its selector).
    pub fn remove(&mut self, key: &ObjectKey) {
        self.selectors.remove(key);
    }

    /// Every autoscaler of `key`'s namespace (including `key`) whose selector matches one of
    /// `pods`, sorted; more than one entry means `AmbiguousSelector`.
    pub fn selecting(&self, key: &ObjectKey, pods: &[Pod]) -> Vec<ObjectKey> {
        let empty = BTreeMap::new();
        self.selectors
            .iter()
            .filter(|(other, _)| other.namespace == key.namespace)
            .filter(|(other, selector)| {
                *other == key
                    || pods.iter().any(|p| selector.matches(p.metadata.labels.as_ref().unwrap_or(&empty)))
            })
            .map(|(other, _)| other.clone())
            .collect()
    }
}

/// The `AmbiguousSelector` message (upstream wording, keys as `namespace/name`).
pub fn ambiguous_message(selector: &str, keys: &[ObjectKey]) -> String {
    let names: Vec<String> = keys.iter().map(ToString::to_string).collect();
    format!("pods by selector {selector} are controlled by multiple HPAs: [{}]", names.join(" "))
}

/// A status write by someone else, from `managedFields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignWrite {
    /// The other field manager.
    pub manager: String,
    /// When it last wrote.
    pub time: Timestamp,
}

/// The newest `status` write by a manager other than [`FIELD_MANAGER`] in `managedFields`.
pub fn foreign_status_write(
    fields: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry],
) -> Option<ForeignWrite> {
    fields
        .iter()
        .filter(|f| f.subresource.as_deref() == Some("status"))
        .filter(|f| f.manager.as_deref().is_some_and(|m| m != FIELD_MANAGER))
        .filter_map(|f| Some(ForeignWrite { manager: f.manager.clone()?, time: f.time.as_ref()?.0 }))
        .max_by_key(|w| w.time)
}

/// What the tracker says about one HPA this sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Competition {
    /// Nobody else writes: act.
    None,
    /// Another manager wrote recently: stand back. `first` is true on the first sync of an
    /// episode (the Warning event is emitted once).
    Competing {
        /// The other writer.
        write: ForeignWrite,
        /// First sync of this episode.
        first: bool,
    },
}

/// Remembers foreign status writes per HPA.
#[derive(Debug, Default)]
pub struct CompetingWriters {
    seen: HashMap<ObjectKey, (ForeignWrite, bool)>,
}

impl CompetingWriters {
    /// Updates the memory with `observed` and decides: competing while the newest foreign write is
    /// younger than `quiet` (two sync periods).
    pub fn check(
        &mut self,
        key: &ObjectKey,
        observed: Option<ForeignWrite>,
        now: Timestamp,
        quiet: SignedDuration,
    ) -> Competition {
        if let Some(w) = observed {
            match self.seen.get_mut(key) {
                Some((known, _)) if known.time >= w.time => {}
                Some((known, _)) => *known = w,
                None => {
                    self.seen.insert(key.clone(), (w, false));
                }
            }
        }
        let Some((write, warned)) = self.seen.get_mut(key) else { return Competition::None };
        if now.duration_since(write.time) >= quiet {
            self.seen.remove(key);
            return Competition::None;
        }
        let first = !*warned;
        *warned = true;
        Competition::Competing { write: write.clone(), first }
    }

    /// Forgets `key`.
    pub fn remove(&mut self, key: &ObjectKey) {
        self.seen.remove(key);
    }
}

/// The `AbleToScale=False/CompetingController` message.
pub fn competing_message(manager: &str, quiet: SignedDuration) -> String {
    format!(
        "the status of this HPA is also written by field manager {manager:?}; bellows does not scale it until \
         that writer has been quiet for {}s. Disable the other HPA controller (kube-controller-manager \
         --controllers=*,-horizontalpodautoscaling) or leave this HPA to it (bellows --hpa-scope=annotated)",
        quiet.as_secs()
    )
}
