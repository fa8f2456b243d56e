//! The retry delay of bellows' watches.
//!
//! kube-runtime's `StreamBackoff` resets its backoff on every successful item, and a watcher
//! yields a successful `Init` event *before* each initial list. So a list that keeps failing (the
//! `AutoscalingPolicy` CRD is not installed: 404; RBAC forbids it: 403; the API server answers 5xx)
//! was retried every 0.8 s, forever, instead of backing off to 30 s.
//!
//! [`WatchBackoff`] is kube's default backoff (exponential from 0.8 s, jittered) that ignores
//! those resets and is capped at [`MAX_DELAY`] (client-go's reflector caps at 30 s; 10 s keeps
//! the recovery after an API outage within a scrape cycle or so, at one list per 10 s while a
//! list keeps failing). It still starts over after 120 s without an error, through the default's
//! own reset timer, so a watch that recovered and later fails again retries quickly.

use std::time::Duration;

use kube::runtime::utils::Backoff;
use kube::runtime::watcher::DefaultBackoff;

/// The longest wait between two attempts of a failing watch.
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// Kube's default watch backoff without the reset on every successful item (see the module
/// documentation).
#[derive(Debug, Default)]
pub struct WatchBackoff<B = DefaultBackoff>(B);

impl WatchBackoff {
    /// Kube's default delays (0.8 s doubling, jittered, starting over after 120 s
    /// without an error).
    pub fn standard() -> Self {
        Self(DefaultBackoff::default())
    }
}

impl<B> WatchBackoff<B> {
    /// Wrap `inner`, forwarding its delays but not the stream's resets.
    pub fn new(inner: B) -> Self {
        Self(inner)
    }
}

impl<B: Iterator<Item = Duration>> Iterator for WatchBackoff<B> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.0.next().map(|d| d.min(MAX_DELAY))
    }
}

impl<B: Backoff> Backoff for WatchBackoff<B> {
    fn reset(&mut self) {
        // Deliberately not forwarded: the watcher's `Init` before each list is not a recovery.
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kube::runtime::utils::Backoff;

    use super::WatchBackoff;

    /// Doubling delays from 1 s; counts the resets it receives.
    #[derive(Debug, Default)]
    struct Doubling {
        step: u32,
        resets: u32,
    }

    impl Iterator for Doubling {
        type Item = Duration;
        fn next(&mut self) -> Option<Duration> {
            self.step += 1;
            Some(Duration::from_secs(1 << (self.step - 1).min(5)))
        }
    }

    impl Backoff for Doubling {
        fn reset(&mut self) {
            self.resets += 1;
            self.step = 0;
        }
    }

    #[test]
    fn a_failing_list_backs_off_although_each_retry_starts_with_a_successful_init() {
        let mut backoff = WatchBackoff::new(Doubling::default());
        let mut delays = Vec::new();
        for _ in 0..6 {
            // What StreamBackoff does per retry: the watcher's `Init` (Ok) resets, the list's
            // error asks for the next delay.
            backoff.reset();
            delays.push(backoff.next().unwrap().as_secs());
        }
        assert_eq!(delays, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.0.resets, 0);
    }

    #[test]
    fn with_kubes_default_inside_a_failing_watch_settles_at_the_cap() {
        let mut backoff = WatchBackoff::standard();
        for _ in 0..12 {
            backoff.reset();
            let _ = backoff.next();
        }
        // 0.8 s × 2¹² is far past the cap; jitter only adds to a delay.
        let late: Vec<Duration> = (0..4).map(|_| backoff.next().unwrap()).collect();
        assert_eq!(late, [super::MAX_DELAY; 4]);
    }
}
