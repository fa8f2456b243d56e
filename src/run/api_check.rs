//! The start-up check of the Kubernetes API server: `GET /version` until it answers, every failure
//! logged as an error that names the server and the root cause, with a doubling back-off.
//!
//! Nothing waits for this check: every role's watches retry on their own (kube's back-off) and
//! `/readyz` reports their unsynced caches meanwhile, so an API server that is unreachable at start
//! never stops bellows. The check only makes that situation readable ("which address, what
//! error, still retrying") instead of a stream of anonymous watch errors, and logs once when the
//! server answers.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Delays between attempts: `initial`, doubling per failure, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub initial: Duration,
    /// Upper bound of the delay.
    pub max: Duration,
}

impl Backoff {
    /// The start-up check's back-off: 1 s, 2 s, 4 s, … up to 30 s (kube's watcher back-off
    /// also tops out at 30 s, so the two retry at a similar pace).
    pub const STARTUP: Self = Self { initial: Duration::from_secs(1), max: Duration::from_secs(30) };

    /// The delay after `failures` consecutive failures (≥ 1).
    pub fn delay(self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.initial.saturating_mul(1 << doublings).min(self.max)
    }
}

/// One attempt to reach the API server.
pub trait VersionProbe {
    /// The server's version (`gitVersion`), or the error text with its causes.
    fn version(&self) -> impl Future<Output = Result<String, String>> + Send;
}

impl VersionProbe for kube::Client {
    async fn version(&self) -> Result<String, String> {
        self.apiserver_version()
            .await
            .map(|info| info.git_version)
            .map_err(|error| crate::logging::error_chain(&error))
    }
}

/// Tries `probe` until it answers (returns the failures before that and the version) or
/// `cancel` fires (returns `None`), sleeping `backoff` between attempts.
pub async fn wait_for_api_server(
    server: &str,
    probe: &impl VersionProbe,
    backoff: Backoff,
    cancel: &CancellationToken,
) -> Option<(u32, String)> {
    let mut failures = 0_u32;
    loop {
        let attempt = tokio::select! {
            biased;
            () = cancel.cancelled() => return None,
            attempt = probe.version() => attempt,
        };
        match attempt {
            Ok(version) if failures == 0 => {
                tracing::info!(server, version = %version, "Connected to the Kubernetes API server");
                return Some((failures, version));
            }
            Ok(version) => {
                tracing::info!(server, version = %version, failures, "The Kubernetes API server answers now");
                return Some((failures, version));
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                let retry = backoff.delay(failures);
                tracing::error!(
                    server,
                    error = %error,
                    failures,
                    retry_in = ?retry,
                    "Cannot reach the Kubernetes API server; retrying (bellows keeps running, /readyz fails until the caches sync)"
                );
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => return None,
                    () = tokio::time::sleep(retry) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use tokio::time::Instant;

    use super::*;

    /// Fails the first `failures` attempts, then answers; records when each attempt came.
    struct Flaky {
        failures: u32,
        base: Instant,
        attempts: Mutex<Vec<Duration>>,
    }

    impl Flaky {
        fn new(failures: u32) -> Self {
            Self { failures, base: Instant::now(), attempts: Mutex::new(Vec::new()) }
        }

        fn attempts_at(&self) -> Vec<u64> {
            self.attempts.lock().unwrap().iter().map(Duration::as_secs).collect()
        }
    }

    impl VersionProbe for Flaky {
        async fn version(&self) -> Result<String, String> {
            let mut attempts = self.attempts.lock().unwrap();
            attempts.push(self.base.elapsed());
            if attempts.len() as u32 <= self.failures {
                Err("client error (Connect): tcp connect error: Connection refused (os error 111)".into())
            } else {
                Ok("v1.35.0".into())
            }
        }
    }

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let delays: Vec<u64> = (1..=7).map(|n| Backoff::STARTUP.delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(Backoff::STARTUP.delay(u32::MAX), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_server_is_retried_with_backoff_until_it_answers() {
        let probe = Flaky::new(4);
        let outcome =
            wait_for_api_server("https://127.0.0.1:9", &probe, Backoff::STARTUP, &CancellationToken::new())
                .await;
        assert_eq!(outcome, Some((4, "v1.35.0".to_owned())));
        assert_eq!(probe.attempts_at(), [0, 1, 3, 7, 15]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_reachable_server_is_asked_once() {
        let probe = Flaky::new(0);
        let outcome =
            wait_for_api_server("https://127.0.0.1:9", &probe, Backoff::STARTUP, &CancellationToken::new())
                .await;
        assert_eq!(outcome, Some((0, "v1.35.0".to_owned())));
        assert_eq!(probe.attempts_at(), [0]);
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_ends_the_retries() {
        let probe = Flaky::new(u32::MAX);
        let cancel = CancellationToken::new();
        let check = wait_for_api_server("https://127.0.0.1:9", &probe, Backoff::STARTUP, &cancel);
        let stop = async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            cancel.cancel();
        };
        let (outcome, ()) = tokio::join!(check, stop);
        assert_eq!(outcome, None);
        assert_eq!(probe.attempts_at(), [0, 1, 3, 7]);
    }
}
