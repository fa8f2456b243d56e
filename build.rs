//! Records the git commit the binary was built from, for `bellows version`.
//!
//! A build outside a git checkout (a source tarball, a vendored copy) reports `unknown` rather than
//! failing: the commit is information, not a requirement.

use std::path::Path;
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=BELLOWS_GIT_COMMIT={commit}");

    // Rebuild when HEAD moves: HEAD itself (branch switch) and the ref it names (new commit).
    let head = Path::new(".git/HEAD");
    if head.exists() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(text) = std::fs::read_to_string(head)
            && let Some(reference) = text.strip_prefix("ref: ")
        {
            let reference = Path::new(".git").join(reference.trim());
            if reference.exists() {
                println!("cargo:rerun-if-changed={}", reference.display());
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
