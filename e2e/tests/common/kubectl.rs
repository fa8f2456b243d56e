//! Finding the real kubectl for acceptance tests: `$KUBECTL`, then `<workspace>/.venv/bin/kubectl`
//! (what `make kubectl` installs), then `kubectl` on PATH if it is at least 1.30.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn client_minor(bin: &Path) -> Option<u32> {
    let out = Command::new(bin).args(["version", "--client", "-o", "json"]).output().ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["clientVersion"]["minor"].as_str()?.trim_end_matches('+').parse().ok()
}

/// The kubectl to use, or why there is none.
pub fn find_kubectl() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("KUBECTL") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("KUBECTL={} is not a file", path.display()))
        };
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/kubectl");
    if venv.is_file() {
        return Ok(venv);
    }
    match client_minor(Path::new("kubectl")) {
        Some(minor) if minor >= 30 => Ok(PathBuf::from("kubectl")),
        Some(minor) => Err(format!("kubectl on PATH is 1.{minor}, older than 1.30")),
        None => Err("no kubectl: set KUBECTL, or install it into <workspace>/.venv/bin (make deps)".into()),
    }
}

/// A sim plus the real kubectl pointed at it through a kubeconfig in a temp dir (removed on drop).
pub struct KubectlSim {
    pub sim: bellows_e2e::sim::SimHandle,
    pub kubectl: PathBuf,
    pub dir: PathBuf,
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl KubectlSim {
    /// A sim from `config` (its kubeconfig goes to the temp dir), or `None` with a printed reason
    /// when there is no kubectl.
    pub async fn start(config: bellows_e2e::sim::SimConfig) -> Option<Self> {
        let kubectl =
            find_kubectl().map_err(|why| eprintln!("skipping kubectl acceptance test: {why}")).ok()?;
        let dir = std::env::temp_dir().join(format!(
            "bellows-sim-kubectl-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let config = bellows_e2e::sim::SimConfig { kubeconfig_out: Some(dir.join("kubeconfig")), ..config };
        let sim = super::start_sim_with(config).await;
        Some(Self { sim, kubectl, dir })
    }

    /// kubectl with `args` against this sim (own cache dir, `KUBECONFIG` ignored).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.kubectl);
        cmd.arg("--kubeconfig")
            .arg(self.dir.join("kubeconfig"))
            .arg("--cache-dir")
            .arg(self.dir.join("cache"));
        cmd.args(args).env_remove("KUBECONFIG").stdin(std::process::Stdio::null());
        cmd
    }

    /// Run kubectl; returns stdout, panicking with stderr on failure.
    pub async fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args).await;
        assert_eq!(code, Some(0), "kubectl {args:?} failed:\n{err}\n{out}");
        out
    }

    /// Run kubectl: exit code, stdout, stderr.
    pub async fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let mut cmd = self.command(args);
        let out =
            tokio::task::spawn_blocking(move || cmd.output()).await.expect("join").expect("kubectl runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Write `content` to `name` in the temp dir; returns its path.
    pub fn write(&self, name: &str, content: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, content).expect("write manifest");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for KubectlSim {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
