//! Samples per metric spec, from the metric clients, in the shapes the calculator expects.
//!
//! Resource and `ContainerResource` metrics share one `PodMetrics` read per sync; Pods and Object
//! metrics go to `custom.metrics.k8s.io`, External ones to `external.metrics.k8s.io`. A failed
//! read becomes [`MetricSamples::Unavailable`] with the client's text, which the calculator wraps
//! into upstream's message.

use k8s_openapi::api::autoscaling::v2;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector as K8sSelector;

use super::Context;
use super::clients::DescribedObject;
use crate::hpa::calc::{MetricSamples, MetricSpec, PodUsage, resource_samples};
use crate::selectors::LabelSelector;

/// A metav1 `LabelSelector` in the string form list queries take (`labels.Selector.String()`).
pub fn selector_query(selector: Option<&K8sSelector>) -> String {
    let Some(selector) = selector else { return String::new() };
    let mut parts: Vec<String> =
        selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            _ => format!("!{}", e.key),
        });
    }
    parts.join(",")
}

/// The pods' selector, parsed and as text.
pub struct PodSelector<'a> {
    /// Parsed.
    pub parsed: &'a LabelSelector,
    /// As the scale reported it.
    pub text: &'a str,
}

/// Samples for every metric, in spec order. `specs` and `metrics` are parallel.
pub async fn samples(
    ctx: &Context,
    namespace: &str,
    selector: &PodSelector<'_>,
    specs: &[v2::MetricSpec],
    metrics: &[MetricSpec],
) -> Vec<MetricSamples> {
    let mut pod_metrics: Option<Result<Vec<PodUsage>, String>> = None;
    let mut out = Vec::with_capacity(metrics.len());
    for (spec, metric) in specs.iter().zip(metrics) {
        let samples = match metric {
            MetricSpec::Resource { name, .. } | MetricSpec::ContainerResource { name, .. } => {
                if pod_metrics.is_none() {
                    pod_metrics = Some(
                        ctx.clients
                            .resource_metrics
                            .pod_metrics(namespace, selector.parsed, selector.text)
                            .await,
                    );
                }
                let container = match metric {
                    MetricSpec::ContainerResource { container, .. } => Some(container.as_str()),
                    _ => None,
                };
                match pod_metrics.as_ref() {
                    Some(Ok(items)) => resource_samples(items, *name, container),
                    Some(Err(reason)) => MetricSamples::Unavailable { reason: reason.clone() },
                    None => MetricSamples::Unavailable { reason: "no metrics read".to_owned() },
                }
            }
            MetricSpec::Pods { metric, .. } => {
                let metric_selector =
                    selector_query(spec.pods.as_ref().and_then(|p| p.metric.selector.as_ref()));
                match ctx
                    .clients
                    .custom_metrics
                    .pods_metric(namespace, &metric.name, selector.text, &metric_selector)
                    .await
                {
                    Ok(pods) => MetricSamples::PerPod(pods),
                    Err(reason) => MetricSamples::Unavailable { reason },
                }
            }
            MetricSpec::Object { metric, described_object, .. } => {
                let metric_selector =
                    selector_query(spec.object.as_ref().and_then(|o| o.metric.selector.as_ref()));
                let object = DescribedObject {
                    api_version: described_object.api_version.clone().unwrap_or_default(),
                    kind: described_object.kind.clone(),
                    name: described_object.name.clone(),
                };
                match ctx
                    .clients
                    .custom_metrics
                    .object_metric(namespace, &object, &metric.name, &metric_selector)
                    .await
                {
                    Ok((value, timestamp)) => MetricSamples::Object { value, timestamp },
                    Err(reason) => MetricSamples::Unavailable { reason },
                }
            }
            MetricSpec::External { metric, .. } => {
                let metric_selector =
                    selector_query(spec.external.as_ref().and_then(|e| e.metric.selector.as_ref()));
                match ctx
                    .clients
                    .external_metrics
                    .external_metric(namespace, &metric.name, &metric_selector)
                    .await
                {
                    Ok((values, timestamp)) => MetricSamples::External { values, timestamp },
                    Err(reason) => MetricSamples::Unavailable { reason },
                }
            }
        };
        out.push(samples);
    }
    out
}
