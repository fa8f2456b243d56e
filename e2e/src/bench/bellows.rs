//! The bellows process under benchmark: spawned from the release binary with JSON logs in a file,
//! and the events the benchmark reads back from that log (finished scrape cycles, reconciled HPAs).
//!
//! bellows logs `Scrape finished` (with `duration`, `nodeCount`, `podCount`) at debug level from
//! `bellows::metrics::runtime::scrape_loop` and `reconciled` (with `object`) at debug level from
//! `bellows::hpa::controller::run`; [`LOG_FILTER`] turns on exactly those two.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::Value;

/// `RUST_LOG` for the benchmarked bellows.
pub const LOG_FILTER: &str =
    "info,bellows::metrics::runtime::scrape_loop=debug,bellows::hpa::controller::run=debug";

/// A running bellows; killed on drop.
#[derive(Debug)]
pub struct Bellows {
    /// The child process.
    pub child: Child,
    /// Its JSON log (stderr).
    pub log: PathBuf,
}

impl Drop for Bellows {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Bellows {
    /// Start `binary` against the sim of `kubeconfig` with `--components=<components>`, serving on
    /// `127.0.0.1:port`, scraping every `resolution` and syncing HPAs every `sync_period`.
    pub fn spawn(
        binary: &Path,
        dir: &Path,
        components: &str,
        port: u16,
        resolution: Duration,
        sync_period: Duration,
    ) -> anyhow::Result<Self> {
        let log = dir.join("bellows.log");
        let file = std::fs::File::create(&log)?;
        // The demo's command line (`demo::bellows_command`) with this resolution: clap rejects a
        // repeated `--metric-resolution`, so the flags are spelled out here.
        let mut command = std::process::Command::new(binary);
        command
            .args(["run", "--kubeconfig"])
            .arg(dir.join("kubeconfig"))
            .arg(format!("--components={components}"))
            .args(["--bind-address", "127.0.0.1", "--secure-port", &port.to_string(), "--cert-dir"])
            .arg(dir.join("certs"))
            .args([
                "--kubelet-preferred-address-types=InternalIP",
                "--kubelet-use-node-status-port",
                &format!("--metric-resolution={}s", resolution.as_secs()),
                "--kubelet-request-timeout=5s",
                &format!("--horizontal-pod-autoscaler-sync-period={}s", sync_period.as_secs()),
                "--log-format",
                "json",
            ])
            .env("RUST_LOG", LOG_FILTER)
            .stdout(Stdio::null())
            .stderr(file);
        let child = command.spawn().map_err(|e| anyhow::anyhow!("starting {}: {e}", binary.display()))?;
        Ok(Self { child, log })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fail when bellows has exited (with the tail of its log).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Ok(Some(status)) = self.child.try_wait() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            anyhow::bail!("bellows exited ({status}); last log lines:\n{}", tail.join("\n"));
        }
        Ok(())
    }

    /// The events in the log so far.
    pub fn events(&self) -> Vec<LogEvent> {
        parse_log(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }
}

/// What the benchmark reads from bellows' log.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEvent {
    /// A scrape cycle finished.
    Scrape {
        /// When it was logged.
        at: Timestamp,
        /// Cycle wall time.
        duration: Duration,
        /// Nodes scraped successfully.
        nodes: u64,
        /// Pods in the cycle's result.
        pods: u64,
    },
    /// One HPA sync.
    Reconciled {
        /// When it was logged.
        at: Timestamp,
        /// `namespace/name`.
        object: String,
    },
}

/// A `Debug`-formatted [`Duration`] (`1.5s`, `812.3ms`, `40µs`, `7ns`).
pub fn parse_debug_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => value,
        "ms" => value / 1e3,
        "µs" | "us" => value / 1e6,
        "ns" => value / 1e9,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

fn event(line: &str) -> Option<LogEvent> {
    let v: Value = serde_json::from_str(line).ok()?;
    let at: Timestamp = v["timestamp"].as_str()?.parse().ok()?;
    match v["message"].as_str()? {
        "Scrape finished" => Some(LogEvent::Scrape {
            at,
            duration: parse_debug_duration(v["duration"].as_str()?)?,
            nodes: v["nodeCount"].as_u64()?,
            pods: v["podCount"].as_u64()?,
        }),
        "reconciled" => Some(LogEvent::Reconciled { at, object: v["object"].as_str()?.to_owned() }),
        _ => None,
    }
}

/// The events of a JSON log (other lines are skipped).
pub fn parse_log(text: &str) -> Vec<LogEvent> {
    text.lines().filter_map(event).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_durations_of_every_unit_parse() {
        assert_eq!(parse_debug_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_debug_duration("812.5ms"), Some(Duration::from_micros(812_500)));
        assert_eq!(parse_debug_duration("40µs"), Some(Duration::from_micros(40)));
        assert_eq!(parse_debug_duration("7ns"), Some(Duration::from_nanos(7)));
        assert_eq!(parse_debug_duration("soon"), None);
    }

    #[test]
    fn scrape_and_reconcile_lines_become_events_and_others_are_skipped() {
        let log = concat!(
            r#"{"timestamp":"2026-12-02T01:00:00.5Z","level":"DEBUG","message":"Scrape finished","duration":"1.25s","nodeCount":1000,"podCount":30000}"#,
            "\n",
            r#"{"timestamp":"2026-12-02T01:00:01Z","level":"INFO","message":"Metric storage is ready"}"#,
            "\nnot json\n",
            r#"{"timestamp":"2026-12-02T01:00:02Z","level":"DEBUG","message":"reconciled","object":"bench/w-1","outcome":"Steady"}"#,
        );
        let events = parse_log(log);
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0],
            LogEvent::Scrape {
                at: "2026-12-02T01:00:00.5Z".parse().unwrap(),
                duration: Duration::from_millis(1250),
                nodes: 1000,
                pods: 30000
            }
        );
        assert_eq!(
            events[1],
            LogEvent::Reconciled { at: "2026-12-02T01:00:02Z".parse().unwrap(), object: "bench/w-1".into() }
        );
    }
}
