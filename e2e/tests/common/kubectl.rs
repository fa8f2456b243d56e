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
