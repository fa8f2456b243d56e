//! Pod snapshots, `groupPods` (readiness windows) and `calculateRequests`.
//!
//! A [`PodSnapshot`] carries only what the calculator reads from a v1 Pod. [`group_pods`] sorts the
//! listed pods into ready / unready / missing / ignored exactly as upstream, in this order:
//! deleted or terminal → ignored; `Pending` → unready (even without samples); no sample → missing;
//! then, for CPU only, the readiness windows. All time comparisons are strict, so a pod exactly at
//! a boundary counts as ready.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::CalcConfig;
use super::error::CalcError;
use super::numeric::add_saturating;
use super::outcome::SkipReason;
use super::samples::PodMetricSample;

/// A compute resource that the resource metrics API reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceName {
    /// `cpu`, in millicores.
    Cpu,
    /// `memory`, in milli-bytes (`MilliValue` of a byte quantity).
    Memory,
}

impl fmt::Display for ResourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
        })
    }
}

/// Requests (or usages) per resource in milli-units; `None` means not set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceList {
    /// CPU in millicores.
    pub cpu: Option<i64>,
    /// Memory in milli-bytes.
    pub memory: Option<i64>,
}

impl ResourceList {
    /// The value for `resource`, if set.
    pub fn get(&self, resource: ResourceName) -> Option<i64> {
        match resource {
            ResourceName::Cpu => self.cpu,
            ResourceName::Memory => self.memory,
        }
    }

    /// Whether any resource is set (upstream `IsPodLevelRequestsSet` for supported resources).
    pub fn is_set(&self) -> bool {
        self.cpu.is_some() || self.memory.is_some()
    }
}

/// Pod lifecycle phase (`status.phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PodPhase {
    /// Accepted but not all containers running (includes unscheduled pods).
    Pending,
    /// Bound and at least one container running.
    Running,
    /// All containers terminated successfully (terminal).
    Succeeded,
    /// All containers terminated, at least one in failure (terminal).
    Failed,
    /// State could not be obtained.
    Unknown,
}

/// Status of a pod condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConditionStatus {
    /// `True`.
    True,
    /// `False`.
    False,
    /// `Unknown`.
    Unknown,
}

/// The pod's `Ready` condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyCondition {
    /// Condition status.
    pub status: ConditionStatus,
    /// When the status last changed.
    pub last_transition_time: Timestamp,
}

/// One container's name and requests (regular or init container).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerRequests {
    /// Container name.
    pub name: String,
    /// `resources.requests`.
    #[serde(default)]
    pub requests: ResourceList,
    /// Init containers only: `restartPolicy: Always` (a native sidecar, counted in requests).
    #[serde(default)]
    pub restartable: bool,
}

/// What the calculator needs to know about one listed pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSnapshot {
    /// `metadata.name` (the key that matches metric samples).
    pub name: String,
    /// `status.phase`.
    pub phase: PodPhase,
    /// `metadata.deletionTimestamp` is set.
    #[serde(default)]
    pub deleting: bool,
    /// `status.startTime`.
    #[serde(default)]
    pub start_time: Option<Timestamp>,
    /// The `Ready` condition, if the pod has one.
    #[serde(default)]
    pub ready: Option<ReadyCondition>,
    /// `spec.containers`.
    #[serde(default)]
    pub containers: Vec<ContainerRequests>,
    /// `spec.initContainers`.
    #[serde(default)]
    pub init_containers: Vec<ContainerRequests>,
    /// `spec.resources.requests` (pod-level resources), if set.
    #[serde(default)]
    pub pod_requests: Option<ResourceList>,
}

impl PodSnapshot {
    /// Upstream `podutil.IsPodTerminal`.
    pub fn is_terminal(&self) -> bool {
        matches!(self.phase, PodPhase::Failed | PodPhase::Succeeded)
    }

    /// Upstream `podutil.IsPodReady`: the Ready condition is `True`.
    pub fn is_ready(&self) -> bool {
        self.ready.is_some_and(|c| c.status == ConditionStatus::True)
    }
}

/// The four sets `groupPods` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodGroups {
    /// Pods with a sample that count towards the usage.
    pub ready_count: usize,
    /// Pending pods, and (CPU only) pods not ready or still initialising; dropped from the
    /// usage and re-added at zero only on a scale-up.
    pub unready: BTreeMap<String, SkipReason>,
    /// Pods without a sample; re-added in both directions.
    pub missing: BTreeSet<String>,
    /// Deleted and terminal pods; never counted.
    pub ignored: BTreeMap<String, SkipReason>,
}

/// Upstream `groupPods`. `resource` is the resource of a Resource/`ContainerResource` metric and
/// `None` for Pods metrics; the readiness windows only apply to [`ResourceName::Cpu`].
pub fn group_pods(
    pods: &[PodSnapshot],
    metrics: &BTreeMap<String, PodMetricSample>,
    resource: Option<ResourceName>,
    config: &CalcConfig,
    now: Timestamp,
) -> PodGroups {
    let windows = ReadinessWindows {
        cpu_initialization_period: config.cpu_initialization_period,
        delay_of_initial_readiness_status: config.delay_of_initial_readiness_status,
    };
    let mut groups = PodGroups::default();
    for pod in pods {
        if pod.deleting || pod.is_terminal() {
            let reason = match pod.phase {
                _ if pod.deleting => SkipReason::Deleted,
                PodPhase::Succeeded => SkipReason::Succeeded,
                _ => SkipReason::Failed,
            };
            groups.ignored.insert(pod.name.clone(), reason);
            continue;
        }
        if pod.phase == PodPhase::Pending {
            groups.unready.insert(pod.name.clone(), SkipReason::Pending);
            continue;
        }
        let Some(sample) = metrics.get(&pod.name) else {
            groups.missing.insert(pod.name.clone());
            continue;
        };
        if resource == Some(ResourceName::Cpu)
            && let Some(reason) = windows.cpu_unready_reason(pod, sample, now)
        {
            groups.unready.insert(pod.name.clone(), reason);
            continue;
        }
        groups.ready_count += 1;
    }
    groups
}

/// The two CPU readiness windows.
struct ReadinessWindows {
    cpu_initialization_period: SignedDuration,
    delay_of_initial_readiness_status: SignedDuration,
}

impl ReadinessWindows {
    /// Why a CPU sample of a running pod must not be trusted, if it must not.
    fn cpu_unready_reason(
        &self,
        pod: &PodSnapshot,
        sample: &PodMetricSample,
        now: Timestamp,
    ) -> Option<SkipReason> {
        let (Some(cond), Some(start)) = (pod.ready, pod.start_time) else {
            // Without a Ready condition or a start time readiness cannot be judged.
            return Some(SkipReason::Unready);
        };
        if add_saturating(start, self.cpu_initialization_period) > now {
            // Still initialising: CPU bursts at start-up would inflate usage, so only a sample
            // covering a full window after the last readiness transition is trusted.
            if cond.status == ConditionStatus::False {
                return Some(SkipReason::Unready);
            }
            if sample.timestamp < add_saturating(cond.last_transition_time, sample.window) {
                return Some(SkipReason::Initializing);
            }
            return None;
        }
        // After the initialisation period only a pod that has never become ready is dropped:
        // its last transition happened within the initial readiness delay after start.
        let never_ready = cond.status == ConditionStatus::False
            && add_saturating(start, self.delay_of_initial_readiness_status) > cond.last_transition_time;
        never_ready.then_some(SkipReason::Unready)
    }
}

/// Upstream `getReadyPodsCount`: pods `Running` with `Ready=True`, terminating ones included.
pub fn ready_pods_count(pods: &[PodSnapshot]) -> Result<i64, CalcError> {
    if pods.is_empty() {
        return Err(CalcError::NoPodsForReadyCount);
    }
    let ready = pods.iter().filter(|p| p.phase == PodPhase::Running && p.is_ready()).count();
    Ok(i64::try_from(ready).unwrap_or(i64::MAX))
}

/// Upstream `calculateRequests`: the request of every listed pod (ignored and unready ones
/// included, so one pod without a request fails the whole metric, as upstream does).
pub fn calculate_requests(
    pods: &[PodSnapshot],
    container: Option<&str>,
    resource: ResourceName,
    pod_level_resources: bool,
) -> Result<BTreeMap<String, i64>, CalcError> {
    let mut requests = BTreeMap::new();
    for pod in pods {
        let pod_level = pod.pod_requests.filter(|r| pod_level_resources && container.is_none() && r.is_set());
        let request = match pod_level {
            Some(list) => pod_level_request(pod, &list, resource)?,
            None => container_requests(pod, container, resource)?,
        };
        requests.insert(pod.name.clone(), request);
    }
    Ok(requests)
}

/// Regular containers plus restartable init containers, in spec order.
fn counted_containers(pod: &PodSnapshot) -> impl Iterator<Item = &ContainerRequests> {
    pod.containers.iter().chain(pod.init_containers.iter().filter(|c| c.restartable))
}

/// Upstream `calculatePodRequestsFromContainers`.
fn container_requests(
    pod: &PodSnapshot,
    container: Option<&str>,
    resource: ResourceName,
) -> Result<i64, CalcError> {
    let mut request: i64 = 0;
    for c in counted_containers(pod) {
        if container.is_none_or(|name| name == c.name) {
            let Some(value) = c.requests.get(resource) else {
                return Err(CalcError::MissingRequest {
                    resource,
                    container: c.name.clone(),
                    pod: pod.name.clone(),
                });
            };
            request = request.saturating_add(value);
        }
        // Container names are unique inside a pod.
        if container == Some(c.name.as_str()) {
            return Ok(request);
        }
    }
    match container {
        Some(name) => Err(CalcError::ContainerNotFound { container: name.to_owned(), pod: pod.name.clone() }),
        None => Ok(request),
    }
}

/// Upstream `calculatePodLevelRequests` (via `resourcehelpers.PodRequests`): the pod-level
/// request when set for `resource`, else the sum of the containers that request it.
fn pod_level_request(
    pod: &PodSnapshot,
    list: &ResourceList,
    resource: ResourceName,
) -> Result<i64, CalcError> {
    if let Some(value) = list.get(resource) {
        return Ok(value);
    }
    counted_containers(pod)
        .filter_map(|c| c.requests.get(resource))
        .reduce(i64::saturating_add)
        .ok_or_else(|| CalcError::MissingPodLevelRequest { resource, pod: pod.name.clone() })
}
