//! Kubelet `/metrics/resource` decoding, against the `prometheus-parse` crate on the same payloads
//! in the same run (the peer; metrics-server itself is Go and cannot run here). The peer
//! only tokenises; bellows also applies metrics-server's decoder rules, so the comparison favours
//! the peer. Numbers go to BENCHMARKS.md.

use std::fmt::Write as _;
use std::hint::black_box;

use bellows::metrics::decode::decode;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A payload in the current kubelet format for one node with `pods` pods of two containers each.
fn payload(pods: usize) -> String {
    let ts = 1_700_000_000_000_u64;
    let mut out = String::new();
    let series = [
        (
            "container_cpu_usage_seconds_total",
            "counter",
            "Cumulative cpu time consumed by the container in core-seconds",
        ),
        ("container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes"),
        ("container_start_time_seconds", "gauge", "Start time of the container since unix epoch in seconds"),
    ];
    for (i, (name, kind, help)) in series.iter().enumerate() {
        let _ = writeln!(out, "# HELP {name} [STABLE] {help}\n# TYPE {name} {kind}");
        for p in 0..pods {
            for c in ["app", "sidecar"] {
                let labels =
                    format!("container=\"{c}\",namespace=\"team-{}\",pod=\"web-{p}-7d9f8c6b5-x2k4q\"", p % 7);
                let _ = match i {
                    0 => writeln!(out, "{name}{{{labels}}} {}.{:06} {ts}", 1000 + p, p * 37 % 1_000_000),
                    1 => writeln!(out, "{name}{{{labels}}} {}e+07 {ts}", 1.25 + p as f64 / 100.0),
                    _ => writeln!(out, "{name}{{{labels}}} 1.6999{p:05}e+09"),
                };
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds\n# TYPE node_cpu_usage_seconds_total counter\nnode_cpu_usage_seconds_total 357354.91 {ts}"
    );
    let _ = writeln!(
        out,
        "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes\n# TYPE node_memory_working_set_bytes gauge\nnode_memory_working_set_bytes 1.616273408e+09 {ts}"
    );
    let _ = writeln!(
        out,
        "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 0"
    );
    out
}

fn decoders(c: &mut Criterion) {
    let text = payload(30);
    let now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
    let mut group = c.benchmark_group("decode_node_30_pods");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("bellows", |b| {
        b.iter(|| black_box(decode(black_box(text.as_bytes()), "node-1", now).expect("valid")));
    });
    group.bench_function("prometheus_parse", |b| {
        b.iter(|| {
            let lines = black_box(&text).lines().map(|l| Ok(l.to_owned()));
            black_box(prometheus_parse::Scrape::parse(lines).expect("valid"))
        });
    });
    group.finish();
}

criterion_group!(benches, decoders);
criterion_main!(benches);
