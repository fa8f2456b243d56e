//! The real `bellows` binary running against a bellows-sim: the harness every end-to-end test of
//! bellows (metrics through the aggregator, the HPA controller) starts from.
//!
//! The `bellows` binary is taken from `$BELLOWS_BIN`, else from the cargo target directory the test
//! runs from (`cargo test --workspace` builds it, because the `bellows` package has integration
//! tests). Each stack owns a scratch directory (kubeconfig, serving certs, bellows' log, kubectl's
//! cache) that is removed, with the bellows process, when the stack is dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bellows_e2e::sim::{SimConfig, SimHandle, scenario};

/// The `bellows` binary under test.
pub fn bellows_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BELLOWS_BIN") {
        return PathBuf::from(path);
    }
    // target/<profile>/deps/<test> → target/<profile>/bellows
    let exe = std::env::current_exe().expect("test executable path");
    let path = exe.parent().and_then(Path::parent).expect("target dir").join("bellows");
    assert!(
        path.is_file(),
        "{} not built: run `cargo build -p bellows` (or set BELLOWS_BIN)",
        path.display()
    );
    path
}

/// A scenario file under `e2e/scenarios/`.
pub fn scenario_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file)
}

/// How to start a [`Stack`]; build with [`StackOptions::new`] and the `with_*` methods.
#[derive(Debug, Clone)]
pub struct StackOptions {
    name: String,
    scenario: PathBuf,
    sync_period: String,
    extra_args: Vec<String>,
    start_bellows: bool,
}

impl StackOptions {
    /// A stack named `name` (used in the scratch directory) on `e2e/scenarios/e2e-steady.yaml`,
    /// with a 2 s HPA sync period.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            scenario: scenario_path("e2e-steady.yaml"),
            sync_period: "2s".to_owned(),
            extra_args: Vec::new(),
            start_bellows: true,
        }
    }

    /// Use another scenario file (a path, or a file name under `e2e/scenarios/`).
    pub fn with_scenario(mut self, scenario: impl AsRef<Path>) -> Self {
        let path = scenario.as_ref();
        self.scenario =
            if path.is_absolute() { path.to_owned() } else { scenario_path(&path.to_string_lossy()) };
        self
    }

    /// Set `--horizontal-pod-autoscaler-sync-period`.
    pub fn with_sync_period(mut self, period: &str) -> Self {
        period.clone_into(&mut self.sync_period);
        self
    }

    /// Append flags to `bellows run` (later flags win over the defaults for clap's last-wins flags).
    pub fn with_args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.extra_args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Start only the sim (and the `APIService`); the test starts bellows later with
    /// [`Stack::start_bellows`].
    pub fn without_bellows(mut self) -> Self {
        self.start_bellows = false;
        self
    }
}

/// The sim, bellows running against it, and a scratch directory; kills bellows on drop.
pub struct Stack {
    /// The simulated cluster.
    pub sim: SimHandle,
    /// The bellows process, once started.
    pub bellows: Option<Child>,
    /// Scratch directory: `kubeconfig`, `certs/`, `bellows.log`, `cache/`.
    pub dir: PathBuf,
    /// The port bellows serves HTTPS on (127.0.0.1).
    pub port: u16,
    options: StackOptions,
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(bellows) = self.bellows.as_mut() {
            let _ = bellows.kill();
            let _ = bellows.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Stack {
    /// Start the sim on the options' scenario, register bellows' `v1beta1.metrics.k8s.io`
    /// `APIService` and (unless [`StackOptions::without_bellows`]) start bellows.
    pub async fn start(options: StackOptions) -> Self {
        let dir =
            std::env::temp_dir().join(format!("bellows-on-sim-{}-{}", options.name, std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = scenario::load(&options.scenario).expect("scenario parses");
        let config = SimConfig {
            scenario: Some(scenario),
            kubeconfig_out: Some(dir.join("kubeconfig")),
            ..SimConfig::default()
        };
        let sim = super::start_sim_with(config).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        for (group, resource, object) in bellows_e2e::demo::api_service_objects(port) {
            sim.create(group, resource, object).expect("registering the APIService");
        }
        let start_bellows = options.start_bellows;
        let mut stack = Self { sim, bellows: None, dir, port, options };
        if start_bellows {
            stack.start_bellows(&stack.dir.join("kubeconfig"));
        }
        stack
    }

    /// The `bellows run` command line this stack uses, with `kubeconfig` (usually
    /// `dir/kubeconfig`; a test may point bellows elsewhere, e.g. at a port nothing listens on).
    pub fn bellows_command(&self, kubeconfig: &Path) -> Command {
        let mut command = bellows_e2e::demo::bellows_command(
            &bellows_binary(),
            kubeconfig,
            self.port,
            &self.dir.join("certs"),
            &self.options.sync_period,
        );
        command.args(&self.options.extra_args);
        command
    }

    /// Start bellows (its stderr goes to `dir/bellows.log`). Panics when it is already running.
    pub fn start_bellows(&mut self, kubeconfig: &Path) {
        assert!(self.bellows.is_none(), "bellows is already running");
        let log = std::fs::File::create(self.dir.join("bellows.log")).unwrap();
        let child = self
            .bellows_command(kubeconfig)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("bellows starts");
        self.bellows = Some(child);
    }

    /// bellows' log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("bellows.log")).unwrap_or_default()
    }

    /// Run the real kubectl against the sim as admin: `(success, stdout, stderr)`, or `None`
    /// when no kubectl is available (callers skip with a message).
    pub fn kubectl(&self, args: &[&str]) -> Option<(bool, String, String)> {
        let kubectl = super::kubectl::find_kubectl().ok()?;
        let out = Command::new(kubectl)
            .arg("--kubeconfig")
            .arg(self.dir.join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.join("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .output()
            .ok()?;
        Some((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Polls `check` every 500 ms until it returns `Some`, failing after `limit` with bellows' log
    /// (and failing at once when bellows exits).
    pub async fn wait_for<T>(
        &mut self,
        what: &str,
        limit: Duration,
        mut check: impl FnMut(&Self) -> Option<T>,
    ) -> T {
        self.poll(what, limit, Duration::from_millis(500), async |s| check(s)).await.0
    }

    /// Polls the async `check` every `every` until it returns `Some`: the value and how long it
    /// took. Fails after `limit` with bellows' log, and at once when bellows exits.
    pub async fn poll<T>(
        &mut self,
        what: &str,
        limit: Duration,
        every: Duration,
        mut check: impl AsyncFnMut(&Self) -> Option<T>,
    ) -> (T, Duration) {
        let start = Instant::now();
        loop {
            if let Some(value) = check(self).await {
                return (value, start.elapsed());
            }
            if let Some(Ok(Some(status))) = self.bellows.as_mut().map(Child::try_wait) {
                panic!("bellows exited ({status}) while waiting for {what}:\n{}", self.log());
            }
            assert!(
                start.elapsed() < limit,
                "timed out after {limit:?} waiting for {what}; bellows log:\n{}",
                self.log()
            );
            tokio::time::sleep(every).await;
        }
    }
}
