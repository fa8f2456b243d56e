//! Fixture builders: single pods (`pod("p0").unready().started(..)`) and upstream-shaped
//! scenarios (`Scenario::new(3).cpu(3, 1000).levels(&[300, 500, 700])`).

use jiff::{SignedDuration, Timestamp};

use crate::hpa::calc::{
    CalcConfig, CalcContext, ConditionStatus, ContainerRequests, ContainerUsage, MetricFailure,
    MetricProposal, MetricSamples, PerPodSamples, PodMetricSample, PodPhase, PodSnapshot, PodUsage,
    ReadyCondition, Replicas, ResourceList, ResourceName, Tolerances, compute_replicas_for_metric,
    resource_samples, spec::MetricSpec,
};

pub(super) const T: ConditionStatus = ConditionStatus::True;
pub(super) const F: ConditionStatus = ConditionStatus::False;
pub(super) const RUN: PodPhase = PodPhase::Running;
pub(super) const PEND: PodPhase = PodPhase::Pending;
pub(super) const FAIL: PodPhase = PodPhase::Failed;
pub(super) const SUCC: PodPhase = PodPhase::Succeeded;

/// The fixed evaluation instant.
pub(super) fn now() -> Timestamp {
    Timestamp::from_second(1_767_225_600).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Stand-in for Go's zero time, which upstream fixtures leave in unset timestamps.
pub(super) fn zero_time() -> Timestamp {
    Timestamp::UNIX_EPOCH
}

/// `now - d`.
pub(super) fn ago(d: SignedDuration) -> Timestamp {
    now().checked_sub(d).unwrap_or(Timestamp::MIN)
}

/// Upstream `hotCPUCreationTime` / `timeNow`: a pod that just started.
pub(super) fn hot() -> Timestamp {
    now()
}

/// Upstream `coolCPUCreationTime` / `time3MinsAgo`.
pub(super) fn cool() -> Timestamp {
    ago(SignedDuration::from_mins(3))
}

/// Upstream test flags: tolerance 0.1, CPU initialization 2m, readiness delay 10s.
pub(super) fn test_config(tolerances: Option<Tolerances>) -> CalcConfig {
    CalcConfig {
        tolerances: tolerances.unwrap_or_default(),
        cpu_initialization_period: SignedDuration::from_mins(2),
        delay_of_initial_readiness_status: SignedDuration::from_secs(10),
        pod_level_resources: true,
    }
}

/// Builder for one pod; starts Running, started and Ready since the zero time.
pub(super) struct PodBuilder(PodSnapshot);

/// A running, ready pod named `name` without containers.
pub(super) fn pod(name: &str) -> PodBuilder {
    PodBuilder(PodSnapshot {
        name: name.to_owned(),
        phase: RUN,
        deleting: false,
        start_time: Some(zero_time()),
        ready: Some(ReadyCondition { status: T, last_transition_time: zero_time() }),
        containers: Vec::new(),
        init_containers: Vec::new(),
        pod_requests: None,
    })
}

impl PodBuilder {
    pub(super) fn phase(mut self, phase: PodPhase) -> Self {
        self.0.phase = phase;
        self
    }

    pub(super) fn deleting(mut self) -> Self {
        self.0.deleting = true;
        self
    }

    pub(super) fn started(mut self, at: Timestamp) -> Self {
        self.0.start_time = Some(at);
        self
    }

    pub(super) fn no_start_time(mut self) -> Self {
        self.0.start_time = None;
        self
    }

    pub(super) fn ready_condition(mut self, status: ConditionStatus, since: Timestamp) -> Self {
        self.0.ready = Some(ReadyCondition { status, last_transition_time: since });
        self
    }

    pub(super) fn readiness(mut self, status: ConditionStatus) -> Self {
        if let Some(c) = self.0.ready.as_mut() {
            c.status = status;
        }
        self
    }

    pub(super) fn no_ready_condition(mut self) -> Self {
        self.0.ready = None;
        self
    }

    pub(super) fn container(mut self, name: &str, cpu: Option<i64>) -> Self {
        self.0.containers.push(ContainerRequests {
            name: name.to_owned(),
            requests: ResourceList { cpu, memory: None },
            restartable: false,
        });
        self
    }

    pub(super) fn init_container(mut self, name: &str, cpu: Option<i64>, restartable: bool) -> Self {
        self.0.init_containers.push(ContainerRequests {
            name: name.to_owned(),
            requests: ResourceList { cpu, memory: None },
            restartable,
        });
        self
    }

    pub(super) fn pod_cpu_request(mut self, cpu: i64) -> Self {
        self.0.pod_requests = Some(ResourceList { cpu: Some(cpu), memory: None });
        self
    }

    pub(super) fn build(self) -> PodSnapshot {
        self.0
    }
}

/// A sample of `value` taken at `at` over `window`.
pub(super) fn sample(value: i64, at: Timestamp, window: SignedDuration) -> PodMetricSample {
    PodMetricSample { value, timestamp: at, window }
}

/// Upstream's fake cluster: `max(current, len(phase))` pods `test-pod-<i>` with containers
/// `container1`/`container2` that both request `requests[i]` CPU, plus metric levels per container.
#[derive(Debug, Clone, Default)]
pub(super) struct Scenario {
    pub current: i32,
    requests: Vec<i64>,
    levels: Vec<Vec<i64>>,
    metric_names: Vec<&'static str>,
    readiness: Vec<ConditionStatus>,
    start: Vec<Timestamp>,
    phase: Vec<PodPhase>,
    deleted: Vec<bool>,
    pub container: Option<&'static str>,
}

impl Scenario {
    pub(super) fn new(current: i32) -> Self {
        Self { current, ..Self::default() }
    }

    /// Per-pod CPU requests (each of the two containers requests this much).
    pub(super) fn requests(mut self, requests: &[i64]) -> Self {
        self.requests = requests.to_vec();
        self
    }

    /// `n` pods requesting `milli` per container (upstream `cpuRequests`).
    pub(super) fn cpu(self, n: usize, milli: i64) -> Self {
        self.requests(&vec![milli; n])
    }

    /// Every container of pod `i` uses `levels[i]` (upstream `makePodMetricLevels`).
    pub(super) fn levels(mut self, levels: &[i64]) -> Self {
        self.levels = levels.iter().map(|&l| vec![l, l]).collect();
        self
    }

    /// Per-container usage rows; short rows leave a nameless container without usage.
    pub(super) fn container_levels(mut self, rows: &[&[i64]]) -> Self {
        self.levels = rows.iter().map(|r| r.to_vec()).collect();
        self
    }

    pub(super) fn metric_names(mut self, names: &[&'static str]) -> Self {
        self.metric_names = names.to_vec();
        self
    }

    pub(super) fn readiness(mut self, r: &[ConditionStatus]) -> Self {
        self.readiness = r.to_vec();
        self
    }

    pub(super) fn start(mut self, s: &[Timestamp]) -> Self {
        self.start = s.to_vec();
        self
    }

    pub(super) fn phases(mut self, p: &[PodPhase]) -> Self {
        self.phase = p.to_vec();
        self
    }

    pub(super) fn deleted(mut self, d: &[bool]) -> Self {
        self.deleted = d.to_vec();
        self
    }

    pub(super) fn container(mut self, name: &'static str) -> Self {
        self.container = Some(name);
        self
    }

    pub(super) fn pods(&self) -> Vec<PodSnapshot> {
        let count = usize::try_from(self.current).unwrap_or(0).max(self.phase.len());
        (0..count)
            .map(|i| {
                let request = self.requests.get(i).copied();
                let mut b = pod(&format!("test-pod-{i}"))
                    .phase(self.phase.get(i).copied().unwrap_or(RUN))
                    .started(self.start.get(i).copied().unwrap_or(zero_time()))
                    .readiness(self.readiness.get(i).copied().unwrap_or(T))
                    .container("container1", request)
                    .container("container2", request);
                if self.deleted.get(i).copied().unwrap_or(false) {
                    b = b.deleting();
                }
                b.build()
            })
            .collect()
    }

    /// The `metrics.k8s.io` items the fake resource metrics client returns.
    pub(super) fn pod_usage(&self) -> Vec<PodUsage> {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let name =
                    self.metric_names.get(i).map_or_else(|| format!("test-pod-{i}"), |n| (*n).to_owned());
                let containers = (0..2)
                    .map(|j| match row.get(j) {
                        Some(&v) => ContainerUsage {
                            name: format!("container{}", j + 1),
                            usage: ResourceList { cpu: Some(v), memory: None },
                        },
                        None => ContainerUsage { name: String::new(), usage: ResourceList::default() },
                    })
                    .collect();
                PodUsage { name, timestamp: zero_time(), window: SignedDuration::from_mins(1), containers }
            })
            .collect()
    }

    /// Resource samples as the resource metrics client would produce them.
    pub(super) fn resource_samples(&self) -> MetricSamples {
        resource_samples(&self.pod_usage(), ResourceName::Cpu, self.container)
    }

    /// Custom-metric samples: `levels[i]` for pod `test-pod-<i>`, as the custom metrics client.
    pub(super) fn custom_samples(levels: &[i64]) -> MetricSamples {
        let pods = levels
            .iter()
            .enumerate()
            .map(|(i, &v)| (format!("test-pod-{i}"), sample(v, zero_time(), SignedDuration::from_mins(1))))
            .collect();
        MetricSamples::PerPod(PerPodSamples { pods, timestamp: Some(zero_time()) })
    }

    /// Runs one metric through the dispatcher with spec and status replicas both `current`.
    pub(super) fn run(
        &self,
        spec: &MetricSpec,
        samples: &MetricSamples,
        tolerances: Option<Tolerances>,
    ) -> Result<MetricProposal, MetricFailure> {
        let pods = self.pods();
        let config = test_config(tolerances);
        let ctx = CalcContext { pods: &pods, config: &config, namespace: "test-namespace", now: now() };
        let replicas = Replicas { spec: self.current, status: self.current };
        compute_replicas_for_metric(&ctx, replicas, spec, samples)
    }
}
