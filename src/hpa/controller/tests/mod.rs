//! Controller tests on the in-memory cluster: fixtures here, scenarios in the sibling files.

mod api_server;
mod one_hpa;
mod ownership;
mod persistence;
mod queue;
mod zero;

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::autoscaling::v2;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, ObjectMeta, Time};

use super::autoscaler::{self, Autoscaler};
use super::clients::Scale;
use super::history::{self, HISTORY_ANNOTATION};
use super::memory::Cluster;
use super::status::{AutoscalerStatus, StatusCondition};
use super::{Config, Context, Outcome, ReconcileError, reconcile};
use crate::hpa::calc::{ContainerUsage, PodUsage, ResourceList};

/// The instant every scenario starts at.
fn t0() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn at(seconds: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(seconds)
}

fn web_labels() -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_owned(), "web".to_owned())])
}

/// A running pod of `web` requesting 1 CPU, started `started` seconds before t0 and ready since
/// `ready` seconds before t0.
fn pod(name: &str, started: i64, ready: i64) -> core::Pod {
    core::Pod {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("default".to_owned()),
            labels: Some(web_labels()),
            ..ObjectMeta::default()
        },
        spec: Some(core::PodSpec {
            containers: vec![core::Container {
                name: "app".to_owned(),
                resources: Some(core::ResourceRequirements {
                    requests: Some(BTreeMap::from([("cpu".to_owned(), K8sQuantity("1".to_owned()))])),
                    ..core::ResourceRequirements::default()
                }),
                ..core::Container::default()
            }],
            ..core::PodSpec::default()
        }),
        status: Some(core::PodStatus {
            phase: Some("Running".to_owned()),
            start_time: Some(Time(at(-started))),
            conditions: Some(vec![core::PodCondition {
                type_: "Ready".to_owned(),
                status: "True".to_owned(),
                last_transition_time: Some(Time(at(-ready))),
                ..core::PodCondition::default()
            }]),
            ..core::PodStatus::default()
        }),
    }
}

/// A `PodMetrics` item of `name` using `cpu_milli`, sampled at `when` over 30 s.
fn usage(name: &str, cpu_milli: i64, when: Timestamp) -> (BTreeMap<String, String>, PodUsage) {
    (
        web_labels(),
        PodUsage {
            name: name.to_owned(),
            timestamp: when,
            window: SignedDuration::from_secs(30),
            containers: vec![ContainerUsage {
                name: "app".to_owned(),
                usage: ResourceList { cpu: Some(cpu_milli), memory: None },
            }],
        },
    )
}

/// A cluster with Deployment `web` at `replicas` (selector `app=web`) and that many old, ready pods.
fn cluster(replicas: i32) -> Cluster {
    let c = Cluster::default();
    {
        let mut w = c.world();
        w.scales.insert(
            ("default".to_owned(), "web".to_owned()),
            Scale {
                spec_replicas: replicas,
                status_replicas: replicas,
                selector: Some("app=web".to_owned()),
                resource_version: Some("1".to_owned()),
            },
        );
        w.pods = (0..replicas).map(|i| pod(&format!("web-{i}"), 3600, 3600)).collect();
    }
    c
}

/// Every pod of the cluster uses `cpu_milli`, sampled at `when`.
fn set_usage(c: &Cluster, cpu_milli: i64, when: Timestamp) {
    let mut w = c.world();
    let names: Vec<String> = w.pods.iter().filter_map(|p| p.metadata.name.clone()).collect();
    w.pod_metrics = names.iter().map(|n| usage(n, cpu_milli, when)).collect();
}

/// Builder for the HPA `default/web` targeting Deployment `web`.
struct HpaBuilder(v2::HorizontalPodAutoscaler);

fn hpa() -> HpaBuilder {
    HpaBuilder(v2::HorizontalPodAutoscaler {
        metadata: ObjectMeta {
            name: Some("web".to_owned()),
            namespace: Some("default".to_owned()),
            generation: Some(1),
            uid: Some("uid-web".to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(v2::HorizontalPodAutoscalerSpec {
            scale_target_ref: v2::CrossVersionObjectReference {
                api_version: Some("apps/v1".to_owned()),
                kind: "Deployment".to_owned(),
                name: "web".to_owned(),
            },
            min_replicas: Some(1),
            max_replicas: 10,
            metrics: Some(vec![cpu_metric(50)]),
            behavior: None,
        }),
        status: None,
    })
}

fn cpu_metric(percent: i32) -> v2::MetricSpec {
    v2::MetricSpec {
        type_: "Resource".to_owned(),
        resource: Some(v2::ResourceMetricSource {
            name: "cpu".to_owned(),
            target: v2::MetricTarget {
                type_: "Utilization".to_owned(),
                average_utilization: Some(percent),
                ..v2::MetricTarget::default()
            },
        }),
        ..v2::MetricSpec::default()
    }
}

impl HpaBuilder {
    /// `behavior.scaleUp`: at most `pods` pods per `period` seconds, no stabilization.
    fn scale_up_limit(mut self, pods: i32, period: i32) -> Self {
        if let Some(spec) = self.0.spec.as_mut() {
            spec.behavior = Some(v2::HorizontalPodAutoscalerBehavior {
                scale_up: Some(v2::HPAScalingRules {
                    policies: Some(vec![v2::HPAScalingPolicy {
                        type_: "Pods".to_owned(),
                        value: pods,
                        period_seconds: period,
                    }]),
                    stabilization_window_seconds: Some(0),
                    ..v2::HPAScalingRules::default()
                }),
                scale_down: None,
            });
        }
        self
    }

    fn annotation(mut self, key: &str, value: &str) -> Self {
        self.0
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(key.to_owned(), value.to_owned());
        self
    }

    fn status_written_by(mut self, manager: &str, when: Timestamp) -> Self {
        self.0.metadata.managed_fields.get_or_insert_with(Vec::new).push(ManagedFieldsEntry {
            manager: Some(manager.to_owned()),
            operation: Some("Update".to_owned()),
            subresource: Some("status".to_owned()),
            time: Some(Time(when)),
            ..ManagedFieldsEntry::default()
        });
        self
    }

    fn view(self) -> Autoscaler {
        autoscaler::from_hpa(&self.0)
    }
}

fn context(c: &Cluster) -> Context {
    Context::new(c.clients(), Config::default())
}

/// Makes the view look as the API server would after the writes recorded so far: the last status
/// write and annotation patch of `name` are applied.
fn apply_writes(a: &mut Autoscaler, c: &Cluster) {
    let w = c.world();
    let name = a.key.name.clone();
    if let Some((_, status)) = w.hpa_status.iter().rev().find(|(n, _)| *n == name) {
        a.status = AutoscalerStatus::from_hpa(Some(status));
    }
    for (_, patch) in w.annotations.iter().filter(|(n, _)| *n == name) {
        for (k, v) in patch {
            match v {
                Some(v) => a.annotations.insert(k.clone(), v.clone()),
                None => a.annotations.remove(k),
            };
        }
    }
    if let Some((_, status)) = w.policy_status.iter().rev().find(|(n, _)| *n == name) {
        a.status = AutoscalerStatus::from_policy(status);
        a.stored_history = history::from_policy(status.history.as_ref());
        a.policy_status = Some(status.clone());
    } else {
        a.stored_history =
            history::from_annotation(a.annotations.get(HISTORY_ANNOTATION).map(String::as_str));
    }
}

fn condition<'a>(status: &'a AutoscalerStatus, type_: &str) -> &'a StatusCondition {
    status.conditions.iter().find(|c| c.type_ == type_).unwrap()
}

/// Reconciles and returns the result, for brevity.
async fn run(ctx: &Context, a: &Autoscaler, now: Timestamp) -> Result<Outcome, ReconcileError> {
    reconcile(ctx, a, now).await
}
