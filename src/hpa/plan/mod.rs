//! `bellows hpa plan`: one HPA decision from a pasted snapshot, through exactly the code the
//! controller runs ([`super::sync`]).
//!
//! The input is the JSON (or YAML) document of `docs/cli.md`: Kubernetes objects in their API
//! shapes (`kubectl get … -o json` output can be pasted), metric values as quantities, optional
//! history and controller flags. Conversions happen here, once: quantities to milli-units, pods to
//! snapshots, metric values to the samples the calculator expects. The snapshot is taken as what
//! the API servers would have answered at `now`:
//! - pods are filtered by `scale.selector`, and `podMetrics` by the selected pod names, as the
//!   label-selected queries of the real controller would return them;
//! - `podsMetrics`, `objectMetrics` and `externalMetrics` values are stamped `now` (custom metrics
//!   carry their own time upstream; a snapshot has only one);
//! - a metric the input has no value for is reported as unavailable, naming the input field.

mod input;
mod output;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

pub use input::{PlanConfig, PlanInput, PodMetricsInput, ScaleInput};
pub use output::{PlanMetric, PlanOutput};

use super::behavior::NormalizeConfig;
use super::calc::{
    ContainerUsage, MetricSamples, MetricSpec, PerPodSamples, PodMetricSample, PodSnapshot, PodUsage,
    resource_samples,
};
use super::snapshot::{self, SnapshotError};
use super::sync::{ScaleSnapshot, SyncInput, sync};

/// Why a snapshot cannot be planned. Each names the input field.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A Kubernetes object field the calculator cannot use.
    #[error("invalid input: {0}")]
    Snapshot(#[from] SnapshotError),
    /// `hpa.spec` is missing.
    #[error("invalid input: field `hpa.spec` is required")]
    MissingSpec,
    /// A field holds a value the API would reject.
    #[error("invalid input: field `{field}`: {message}")]
    Field {
        /// Path of the field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

fn field(field: impl Into<String>, message: impl std::fmt::Display) -> PlanError {
    PlanError::Field { field: field.into(), message: message.to_string() }
}

/// Runs one plan.
pub fn plan(input: &PlanInput) -> Result<PlanOutput, PlanError> {
    let spec = input.hpa.spec.as_ref().ok_or(PlanError::MissingSpec)?;
    let namespace = input.hpa.metadata.namespace.clone().unwrap_or_else(|| "default".to_owned());
    let metric_specs = spec
        .metrics
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, m)| snapshot::metric_spec(m, i))
        .collect::<Result<Vec<_>, _>>()?;
    // An HPA without metrics is defaulted by the API server to 80% CPU utilization.
    let metric_specs = if metric_specs.is_empty() { vec![default_cpu_metric()] } else { metric_specs };
    let behavior = spec
        .behavior
        .as_ref()
        .map(snapshot::behavior)
        .transpose()
        .map_err(|e| field("hpa.spec.behavior", e))?;
    if let Some(min) = spec.min_replicas
        && (min < 0 || min > spec.max_replicas)
    {
        return Err(field("hpa.spec.minReplicas", format!("{min} must be between 0 and maxReplicas")));
    }
    if spec.max_replicas < 1 {
        return Err(field("hpa.spec.maxReplicas", format!("{} must be greater than 0", spec.max_replicas)));
    }
    if !(input.config.tolerance >= 0.0 && input.config.tolerance.is_finite()) {
        return Err(field(
            "config.tolerance",
            format!("{} must be a finite number >= 0", input.config.tolerance),
        ));
    }
    if input.scale.replicas < 0 {
        return Err(field("scale.replicas", format!("{} must not be negative", input.scale.replicas)));
    }

    let selector =
        input.scale.selector.as_deref().and_then(|s| crate::selectors::LabelSelector::parse(s).ok());
    let pods = input
        .pods
        .iter()
        .filter(|p| {
            let no_labels = std::collections::BTreeMap::new();
            selector.as_ref().is_none_or(|sel| sel.matches(p.metadata.labels.as_ref().unwrap_or(&no_labels)))
        })
        .map(snapshot::pod_snapshot)
        .collect::<Result<Vec<PodSnapshot>, _>>()?;
    let selected: BTreeSet<&str> = pods.iter().map(|p| p.name.as_str()).collect();
    let pod_usages = input
        .pod_metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| selected.contains(m.metadata.name.as_str()))
        .map(|(i, m)| pod_usage(m, i))
        .collect::<Result<Vec<_>, _>>()?;

    let metrics: Vec<(MetricSpec, MetricSamples)> = metric_specs
        .into_iter()
        .map(|spec| {
            let samples = samples_for(&spec, input, &pod_usages);
            (spec, samples)
        })
        .collect();

    let config = &input.config;
    let calc = snapshot::calc_config(
        config.tolerance,
        behavior.as_ref(),
        config.cpu_initialization_period,
        config.initial_readiness_delay,
    );
    let normalize = NormalizeConfig {
        downscale_stabilization: config.downscale_stabilization,
        ..NormalizeConfig::default()
    };
    let target = &spec.scale_target_ref;
    let sync_input = SyncInput {
        reference: format!("{}/{}/{}", target.kind, namespace, target.name),
        namespace: &namespace,
        min_replicas: spec.min_replicas,
        max_replicas: spec.max_replicas,
        behavior,
        scale: ScaleSnapshot {
            spec_replicas: input.scale.replicas,
            status_replicas: input.scale.status_replicas.unwrap_or(input.scale.replicas),
            selector: input.scale.selector.clone(),
        },
        pods: &pods,
        metrics: &metrics,
        calc,
        normalize,
        now: input.now,
        scaled_to_zero: scaled_to_zero(&input.hpa),
    };
    let mut history = input.history.clone();
    let decided = sync(&sync_input, &mut history);
    Ok(PlanOutput::new(&metrics, &decided, history))
}

/// Whether the input HPA's `status.conditions` hold `ScaledToZero=True` (the only part of the
/// status a sync reads).
fn scaled_to_zero(hpa: &k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler) -> bool {
    hpa.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "ScaledToZero"))
        .is_some_and(|c| c.status == "True")
}

fn default_cpu_metric() -> MetricSpec {
    MetricSpec::Resource {
        name: super::calc::ResourceName::Cpu,
        target: super::calc::MetricTarget::utilization(80),
    }
}

fn pod_usage(m: &PodMetricsInput, index: usize) -> Result<PodUsage, PlanError> {
    let window = crate::goduration::parse(&m.window)
        .map_err(|e| field(format!("podMetrics[{index}].window"), e))
        .and_then(|w| {
            jiff::SignedDuration::try_from(w).map_err(|e| field(format!("podMetrics[{index}].window"), e))
        })?;
    let containers = m
        .containers
        .iter()
        .map(|c| {
            let usage = snapshot::resource_list(Some(&c.usage), &|r| {
                format!("podMetrics[{index}] container {} usage.{r}", c.name)
            })?;
            Ok(ContainerUsage { name: c.name.clone(), usage })
        })
        .collect::<Result<Vec<_>, SnapshotError>>()?;
    Ok(PodUsage { name: m.metadata.name.clone(), timestamp: m.timestamp, window, containers })
}

/// The samples the controller's metric clients would have returned for `spec`.
fn samples_for(spec: &MetricSpec, input: &PlanInput, pod_usages: &[PodUsage]) -> MetricSamples {
    let now = input.now;
    match spec {
        MetricSpec::Resource { name, .. } => resource_samples(pod_usages, *name, None),
        MetricSpec::ContainerResource { name, container, .. } => {
            resource_samples(pod_usages, *name, Some(container))
        }
        MetricSpec::Pods { metric, .. } => {
            let pods = input
                .pods_metrics
                .get(&metric.name)
                .map(|values| {
                    values
                        .iter()
                        .map(|(pod, q)| {
                            let sample = PodMetricSample {
                                value: q.milli_value(),
                                timestamp: now,
                                window: jiff::SignedDuration::from_mins(1),
                            };
                            (pod.clone(), sample)
                        })
                        .collect()
                })
                .unwrap_or_default();
            MetricSamples::PerPod(PerPodSamples { pods, timestamp: Some(now) })
        }
        MetricSpec::Object { metric, .. } => match input.object_metrics.get(&metric.name) {
            Some(q) => MetricSamples::Object { value: q.milli_value(), timestamp: now },
            None => MetricSamples::Unavailable {
                reason: format!("no value for metric {:?} in objectMetrics", metric.name),
            },
        },
        MetricSpec::External { metric, .. } => match input.external_metrics.get(&metric.name) {
            Some(values) => MetricSamples::External {
                values: values.iter().map(|q| q.milli_value()).collect(),
                timestamp: now,
            },
            None => MetricSamples::Unavailable {
                reason: format!("no values for metric {:?} in externalMetrics", metric.name),
            },
        },
    }
}
