//! The sim clock: scenario time is seconds since the sim started; samples and container start
//! times are Unix times derived from it.

use std::time::Instant;

use jiff::Timestamp;

/// The sim clock: scenario seconds since start, and the wall time of the start.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
    start_unix: f64,
}

impl Clock {
    /// A clock starting now.
    pub fn start() -> Self {
        Self { start: Instant::now(), start_unix: Timestamp::now().as_nanosecond() as f64 / 1e9 }
    }

    /// A clock whose scenario time 0 is the Unix time `start_unix` (for tests on a virtual clock,
    /// which pass scenario times to [`Kubelets::advance`] themselves).
    pub fn starting_at(start_unix: f64) -> Self {
        Self { start: Instant::now(), start_unix }
    }

    /// Scenario seconds now.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Unix seconds of scenario time `t`.
    pub fn unix(&self, t: f64) -> f64 {
        self.start_unix + t
    }

    /// Scenario time of Unix seconds `unix`.
    pub fn scenario(&self, unix: f64) -> f64 {
        unix - self.start_unix
    }
}
