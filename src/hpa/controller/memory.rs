//! In-memory implementations of every I/O trait, for tests: one [`Cluster`] that holds scales,
//! pods, metric values and failures to inject, and records every write and event.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures::future::{BoxFuture, FutureExt};
use jiff::Timestamp;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscalerStatus;
use k8s_openapi::api::core::v1::Pod;

use super::Clients;
use super::clients::{
    ClientError, CustomMetrics, DescribedObject, EventObject, EventRecorder, ExternalMetrics, ObjectKey,
    PodLister, ResourceMetrics, Scale, ScaleClient, StatusWriter, TargetRef,
};
use crate::hpa::calc::{PerPodSamples, PodUsage};
use crate::hpa::sync::Event;
use crate::policy::AutoscalingPolicyStatus;
use crate::selectors::LabelSelector;

/// Everything the fake cluster holds and records.
#[derive(Debug, Default)]
pub struct World {
    /// Scales by `(namespace, name)` of the target.
    pub scales: HashMap<(String, String), Scale>,
    /// `GET /scale` fails with this.
    pub get_scale_error: Option<ClientError>,
    /// The next `PUT /scale` calls fail with these, in order.
    pub update_errors: Vec<ClientError>,
    /// Pods.
    pub pods: Vec<Pod>,
    /// `PodMetrics` items (filtered by the pods' labels on read).
    pub pod_metrics: Vec<(BTreeMap<String, String>, PodUsage)>,
    /// Resource metrics fail with this text.
    pub resource_error: Option<String>,
    /// Object metric values by metric name.
    pub object_metrics: HashMap<String, (i64, Timestamp)>,
    /// External metric values by metric name.
    pub external_metrics: HashMap<String, (Vec<i64>, Timestamp)>,
    /// `PUT /scale` calls that succeeded: `(target name, replicas)`.
    pub scale_writes: Vec<(String, i32)>,
    /// `PUT /scale` attempts, failed or not.
    pub scale_attempts: usize,
    /// `GET /scale` calls.
    pub scale_reads: usize,
    /// HPA status writes.
    pub hpa_status: Vec<(String, HorizontalPodAutoscalerStatus)>,
    /// HPA annotation patches.
    pub annotations: Vec<(String, BTreeMap<String, Option<String>>)>,
    /// Policy status writes.
    pub policy_status: Vec<(String, AutoscalingPolicyStatus)>,
    /// Events.
    pub events: Vec<(ObjectKey, Event)>,
}

/// The fake cluster; cheap to clone (shared state).
#[derive(Debug, Clone, Default)]
pub struct Cluster(pub Arc<Mutex<World>>);

impl Cluster {
    /// The shared state.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every port backed by this cluster.
    pub fn clients(&self) -> Clients {
        Clients {
            scale: Arc::new(self.clone()),
            pods: Arc::new(self.clone()),
            resource_metrics: Arc::new(self.clone()),
            custom_metrics: Arc::new(self.clone()),
            external_metrics: Arc::new(self.clone()),
            status: Arc::new(self.clone()),
            events: Arc::new(self.clone()),
        }
    }

    /// Reasons of the recorded events, in order.
    pub fn event_reasons(&self) -> Vec<String> {
        self.world().events.iter().map(|(_, e)| e.reason.clone()).collect()
    }
}

impl ScaleClient for Cluster {
    fn get_scale<'a>(
        &'a self,
        namespace: &'a str,
        target: &'a TargetRef,
    ) -> BoxFuture<'a, Result<Scale, ClientError>> {
        let mut w = self.world();
        w.scale_reads += 1;
        let result = match &w.get_scale_error {
            Some(err) => Err(err.clone()),
            None => w.scales.get(&(namespace.to_owned(), target.name.clone())).cloned().ok_or_else(|| {
                ClientError::NotFound {
                    resource: format!("{} {:?}", target.kind, target.name),
                    message: format!("{} {:?} not found", target.kind, target.name),
                }
            }),
        };
        async move { result }.boxed()
    }

    fn update_scale<'a>(
        &'a self,
        namespace: &'a str,
        target: &'a TargetRef,
        scale: &'a Scale,
        replicas: i32,
    ) -> BoxFuture<'a, Result<Scale, ClientError>> {
        let mut w = self.world();
        w.scale_attempts += 1;
        let result = if w.update_errors.is_empty() {
            let key = (namespace.to_owned(), target.name.clone());
            let current = w.scales.get(&key).cloned();
            match current {
                Some(current) if current.resource_version == scale.resource_version => {
                    let version = current.resource_version.as_deref().and_then(|v| v.parse::<u64>().ok());
                    let updated = Scale {
                        spec_replicas: replicas,
                        resource_version: Some(version.map_or(1, |v| v + 1).to_string()),
                        ..current
                    };
                    w.scales.insert(key, updated.clone());
                    w.scale_writes.push((target.name.clone(), replicas));
                    Ok(updated)
                }
                Some(_) => Err(ClientError::Conflict {
                    resource: format!("{} {:?}", target.kind, target.name),
                    message: format!(
                        "Operation cannot be fulfilled on {} {:?}: the object has been modified; please apply your \
                         changes to the latest version and try again",
                        target.kind, target.name
                    ),
                }),
                None => Err(ClientError::NotFound {
                    resource: target.name.clone(),
                    message: format!("{} {:?} not found", target.kind, target.name),
                }),
            }
        } else {
            Err(w.update_errors.remove(0))
        };
        async move { result }.boxed()
    }
}

impl PodLister for Cluster {
    fn list(&self, namespace: &str, selector: &LabelSelector) -> Vec<Pod> {
        let empty = BTreeMap::new();
        self.world()
            .pods
            .iter()
            .filter(|p| p.metadata.namespace.as_deref() == Some(namespace))
            .filter(|p| selector.matches(p.metadata.labels.as_ref().unwrap_or(&empty)))
            .cloned()
            .collect()
    }
}

impl ResourceMetrics for Cluster {
    fn pod_metrics<'a>(
        &'a self,
        _namespace: &'a str,
        selector: &'a LabelSelector,
        _selector_text: &'a str,
    ) -> BoxFuture<'a, Result<Vec<PodUsage>, String>> {
        let w = self.world();
        let result = match &w.resource_error {
            Some(err) => Err(err.clone()),
            None => Ok(w
                .pod_metrics
                .iter()
                .filter(|(labels, _)| selector.matches(labels))
                .map(|(_, usage)| usage.clone())
                .collect()),
        };
        async move { result }.boxed()
    }
}

impl CustomMetrics for Cluster {
    fn pods_metric<'a>(
        &'a self,
        _namespace: &'a str,
        _metric: &'a str,
        _pod_selector: &'a str,
        _metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<PerPodSamples, String>> {
        async move { Err("no metrics returned from custom metrics API".to_owned()) }.boxed()
    }

    fn object_metric<'a>(
        &'a self,
        _namespace: &'a str,
        _object: &'a DescribedObject,
        metric: &'a str,
        _metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<(i64, Timestamp), String>> {
        let result = self
            .world()
            .object_metrics
            .get(metric)
            .copied()
            .ok_or_else(|| "unable to fetch metrics from custom metrics API: not found".to_owned());
        async move { result }.boxed()
    }
}

impl ExternalMetrics for Cluster {
    fn external_metric<'a>(
        &'a self,
        _namespace: &'a str,
        metric: &'a str,
        _metric_selector: &'a str,
    ) -> BoxFuture<'a, Result<(Vec<i64>, Timestamp), String>> {
        let result = self
            .world()
            .external_metrics
            .get(metric)
            .cloned()
            .ok_or_else(|| "unable to fetch metrics from external metrics API: not found".to_owned());
        async move { result }.boxed()
    }
}

impl StatusWriter for Cluster {
    fn write_hpa_status<'a>(
        &'a self,
        _namespace: &'a str,
        name: &'a str,
        status: &'a HorizontalPodAutoscalerStatus,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        self.world().hpa_status.push((name.to_owned(), status.clone()));
        async { Ok(()) }.boxed()
    }

    fn patch_hpa_annotations<'a>(
        &'a self,
        _namespace: &'a str,
        name: &'a str,
        annotations: &'a BTreeMap<String, Option<String>>,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        self.world().annotations.push((name.to_owned(), annotations.clone()));
        async { Ok(()) }.boxed()
    }

    fn write_policy_status<'a>(
        &'a self,
        _namespace: &'a str,
        name: &'a str,
        status: &'a AutoscalingPolicyStatus,
    ) -> BoxFuture<'a, Result<(), ClientError>> {
        self.world().policy_status.push((name.to_owned(), status.clone()));
        async { Ok(()) }.boxed()
    }
}

impl EventRecorder for Cluster {
    fn record<'a>(&'a self, object: &'a EventObject, event: &'a Event) -> BoxFuture<'a, ()> {
        self.world().events.push((object.key.clone(), event.clone()));
        async {}.boxed()
    }
}
