//! The `bellows-sim` binary: `serve` prints `ready <url>`, writes the kubeconfig, serves, and exits
//! cleanly on SIGTERM; a non-loopback listen address is refused.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bellows-sim-bin-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn serve_prints_ready_writes_the_kubeconfig_and_stops_on_sigterm() {
    let dir = temp_dir("serve");
    let kubeconfig = dir.join("kubeconfig");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bellows-sim"))
        .args(["serve", "--nodes", "2", "--kubeconfig-out"])
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bellows-sim starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a line on stdout");
    let url = line.trim().strip_prefix("ready ").expect("`ready <url>`").to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let yaml = std::fs::read_to_string(&kubeconfig).expect("kubeconfig written");
    assert!(yaml.contains(&format!("server: {url}")), "{yaml}");
    assert!(yaml.contains("current-context: bellows-sim"));
    let addr = url.trim_start_matches("https://");
    assert!(std::net::TcpStream::connect(addr).is_ok(), "the sim accepts connections");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "bellows-sim did not stop within 5s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "clean exit, got {exit:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_a_non_loopback_address() {
    let dir = temp_dir("refuse");
    let out = Command::new(env!("CARGO_BIN_EXE_bellows-sim"))
        .args(["serve", "--listen", "0.0.0.0:0", "--kubeconfig-out"])
        .arg(dir.join("kubeconfig"))
        .output()
        .expect("bellows-sim runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bellows-sim only listens on 127.0.0.0/8"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
