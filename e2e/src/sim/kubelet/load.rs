//! The load model: pure functions of scenario time (seconds since the sim started) that give a
//! container's CPU rate, its cumulative CPU time and its memory working set.
//!
//! Model: a workload receives `rps(t)` requests per second ([`LoadCurve`]), split evenly over its
//! Running+Ready pods (unready pods get none). A container's CPU rate in millicores is
//! `(baseCpu + cpuPerRequest × share) × (1 + noise × u)` plus `startupCpuBurst.millicores` while the
//! container is younger than the burst duration, capped at the container's CPU limit (the kernel
//! throttles a container at its quota); memory is `baseMemory + memoryPerRequest × share`.
//!
//! Invariants:
//! - The steady part of the CPU rate is piecewise constant on [`BUCKET_SECONDS`] buckets aligned to
//!   the scenario clock (load and noise are sampled at the bucket start), and the burst is a step at
//!   `start + duration`; so the rate is constant between breakpoints and
//!   [`ContainerLoad::cpu_core_seconds`] is the *exact* integral of [`ContainerLoad::cpu_millicores`]
//!   (a sum over those pieces), and counters built from it are monotonic.
//! - The noise factor `u ∈ [-1, 1]` is a hash of (pod name, bucket): the same run gives the same
//!   numbers, and the factor never leaves `[1 - noise, 1 + noise]`. Rates and memory never go
//!   below zero.

/// Width of the buckets on which the steady CPU rate is constant.
pub const BUCKET_SECONDS: f64 = 1.0;

/// How a workload's containers consume resources (one workload's model applies to every container
/// of its pods).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadModel {
    /// Millicores per request/s of the pod's share.
    pub cpu_per_request: f64,
    /// Millicores used with no load.
    pub base_cpu: f64,
    /// Bytes used with no load.
    pub base_memory: f64,
    /// Bytes per request/s of the pod's share.
    pub memory_per_request: f64,
    /// Extra CPU right after the container starts.
    pub startup_burst: Option<Burst>,
    /// Bound of the relative CPU noise (0.1 = ±10 %).
    pub noise: f64,
}

/// Extra CPU while a container is young.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Burst {
    /// Extra millicores.
    pub millicores: f64,
    /// For how many seconds after the container start.
    pub seconds: f64,
}

/// One segment of a load curve; the segment that started last decides the rate.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// From `at` on, a constant rate.
    Step {
        /// Start (scenario seconds).
        at: f64,
        /// Requests per second.
        rps: f64,
    },
    /// From `from` at `start` linearly to `to` at `end`, then `to`.
    Ramp {
        /// Rate at `start`.
        from: f64,
        /// Rate at and after `end`.
        to: f64,
        /// Start (scenario seconds).
        start: f64,
        /// End (scenario seconds).
        end: f64,
    },
    /// From `start` on, `base + amplitude × sin(2π (t - start) / period)`.
    Sine {
        /// Mean rate.
        base: f64,
        /// Amplitude.
        amplitude: f64,
        /// Period in seconds (> 0).
        period: f64,
        /// Start (scenario seconds).
        start: f64,
    },
    /// A trace of (seconds, rps) points in time order, linear in between, the last value after.
    Points(Vec<(f64, f64)>),
}

impl Segment {
    /// When this segment takes over.
    pub fn start(&self) -> f64 {
        match self {
            Self::Step { at, .. } => *at,
            Self::Ramp { start, .. } | Self::Sine { start, .. } => *start,
            Self::Points(points) => points.first().map_or(f64::INFINITY, |p| p.0),
        }
    }

    /// The rate at `t` (only meaningful for `t >= start()`), never negative.
    pub fn rps_at(&self, t: f64) -> f64 {
        let rps = match self {
            Self::Step { rps, .. } => *rps,
            Self::Ramp { from, to, start, end } => {
                if t >= *end || end <= start {
                    *to
                } else {
                    from + (to - from) * (t - start) / (end - start)
                }
            }
            Self::Sine { base, amplitude, period, start } => {
                base + amplitude * (std::f64::consts::TAU * (t - start) / period).sin()
            }
            Self::Points(points) => interpolate(points, t),
        };
        rps.max(0.0)
    }
}

fn interpolate(points: &[(f64, f64)], t: f64) -> f64 {
    let after = points.partition_point(|p| p.0 <= t);
    match (after.checked_sub(1).and_then(|i| points.get(i)), points.get(after)) {
        (Some(&(t0, v0)), Some(&(t1, v1))) if t1 > t0 => v0 + (v1 - v0) * (t - t0) / (t1 - t0),
        (Some(&(_, v)), _) => v,
        (None, _) => 0.0,
    }
}

/// A workload's request rate over time: 0 until the first segment starts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadCurve {
    /// Segments; the one with the latest start not after `t` applies (ties: the later one).
    pub segments: Vec<Segment>,
}

impl LoadCurve {
    /// A constant rate from the start.
    pub fn constant(rps: f64) -> Self {
        Self { segments: vec![Segment::Step { at: 0.0, rps }] }
    }

    /// Requests per second at scenario time `t`.
    pub fn rps_at(&self, t: f64) -> f64 {
        let mut current: Option<&Segment> = None;
        for segment in &self.segments {
            if segment.start() <= t && current.is_none_or(|c| c.start() <= segment.start()) {
                current = Some(segment);
            }
        }
        current.map_or(0.0, |s| s.rps_at(t))
    }
}

/// Everything that decides one container's usage over an interval in which the set of ready pods
/// of its workload does not change.
#[derive(Debug, Clone, Copy)]
pub struct ContainerLoad<'a> {
    /// The workload's model.
    pub model: &'a LoadModel,
    /// The workload's request rate.
    pub curve: &'a LoadCurve,
    /// Pod name (seeds the noise).
    pub pod: &'a str,
    /// Whether the pod is Running and Ready (only those get requests).
    pub ready: bool,
    /// How many pods of the workload are Running and Ready.
    pub ready_pods: usize,
    /// When the container (re)started, scenario seconds.
    pub started: f64,
    /// The container's CPU limit in millicores, if it has one.
    pub cpu_limit: Option<f64>,
}

impl ContainerLoad<'_> {
    /// This pod's share of the requests at `t` (sampled at the bucket start).
    pub fn rps_share(&self, t: f64) -> f64 {
        if !self.ready || self.ready_pods == 0 {
            return 0.0;
        }
        self.curve.rps_at(bucket_start(t)) / self.ready_pods as f64
    }

    fn steady_millicores(&self, bucket: f64) -> f64 {
        let load = self.model.base_cpu + self.model.cpu_per_request * self.rps_share(bucket);
        (load * (1.0 + self.model.noise * noise_unit(self.pod, bucket))).max(0.0)
    }

    fn burst_millicores(&self, t: f64) -> f64 {
        match self.model.startup_burst {
            Some(b) if t >= self.started && t < self.started + b.seconds => b.millicores.max(0.0),
            _ => 0.0,
        }
    }

    /// CPU rate at `t`, millicores.
    pub fn cpu_millicores(&self, t: f64) -> f64 {
        let rate = self.steady_millicores(bucket_start(t)) + self.burst_millicores(t);
        self.cpu_limit.map_or(rate, |limit| rate.min(limit.max(0.0)))
    }

    /// CPU time used in `[t0, t1]`, core-seconds: the exact integral of [`Self::cpu_millicores`],
    /// summed over the pieces between bucket boundaries and the burst's start and end, on each of
    /// which the rate is constant (sampled at the piece's midpoint).
    pub fn cpu_core_seconds(&self, t0: f64, t1: f64) -> f64 {
        if t1 <= t0 {
            return 0.0;
        }
        let mut breaks = Vec::new();
        if let Some(b) = self.model.startup_burst {
            breaks
                .extend([self.started, self.started + b.seconds].into_iter().filter(|x| *x > t0 && *x < t1));
        }
        let mut millis = 0.0;
        let mut a = t0;
        while a < t1 {
            let bucket_end = bucket_start(a) + BUCKET_SECONDS;
            let b = breaks.iter().copied().filter(|x| *x > a).fold(bucket_end.min(t1), f64::min);
            millis += self.cpu_millicores(a + (b - a) / 2.0) * (b - a);
            a = b;
        }
        millis / 1000.0
    }

    /// Memory working set at `t`, bytes.
    pub fn memory_bytes(&self, t: f64) -> f64 {
        (self.model.base_memory + self.model.memory_per_request * self.rps_share(t)).max(0.0)
    }
}

/// Start of the bucket holding `t`.
pub fn bucket_start(t: f64) -> f64 {
    (t / BUCKET_SECONDS).floor() * BUCKET_SECONDS
}

/// A deterministic value in `[-1, 1]` from (pod, bucket): FNV-1a then a splitmix64 finaliser.
pub fn noise_unit(pod: &str, bucket: f64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in pod.bytes().chain(((bucket / BUCKET_SECONDS) as i64).to_le_bytes()) {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    // 53 random bits → [0, 1], then → [-1, 1].
    ((h >> 11) as f64 / ((1u64 << 53) - 1) as f64) * 2.0 - 1.0
}

#[cfg(test)]
mod tests;
