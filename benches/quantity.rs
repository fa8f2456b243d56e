//! Quantity parse and canonical format, against the `kube_quantity` crate (the only maintained
//! Rust peer) on the same inputs in the same run. Numbers go to BENCHMARKS.md.

use std::hint::black_box;
use std::str::FromStr as _;

use bellows::quantity::Quantity;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kube_quantity::ParsedQuantity;

/// What real objects carry: CPU in milli and nano units, memory in binary and decimal SI.
const INPUTS: &[&str] = &[
    "100m", "250m", "1", "2", "1500m", "7990556n", "0.5", "128Mi", "1Gi", "1.5Gi", "14064Ki", "12533760",
    "500M", "2G", "4", "16Gi",
];

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("quantity_parse");
    group.throughput(Throughput::Elements(INPUTS.len() as u64));
    group.bench_function("bellows", |b| {
        b.iter(|| {
            for s in INPUTS {
                black_box(Quantity::from_str(black_box(s)).expect("valid"));
            }
        });
    });
    group.bench_function("kube_quantity", |b| {
        b.iter(|| {
            for s in INPUTS {
                black_box(ParsedQuantity::try_from(*black_box(s)).expect("valid"));
            }
        });
    });
    group.finish();
}

fn parse_and_format(c: &mut Criterion) {
    let ours: Vec<Quantity> = INPUTS.iter().map(|s| s.parse().expect("valid")).collect();
    let theirs: Vec<ParsedQuantity> =
        INPUTS.iter().map(|s| ParsedQuantity::try_from(*s).expect("valid")).collect();
    let mut group = c.benchmark_group("quantity_format");
    group.throughput(Throughput::Elements(INPUTS.len() as u64));
    group.bench_function("bellows", |b| {
        b.iter(|| {
            for q in &ours {
                black_box(black_box(q).to_string());
            }
        });
    });
    group.bench_function("kube_quantity", |b| {
        b.iter(|| {
            for q in &theirs {
                black_box(black_box(q).to_string());
            }
        });
    });
    group.finish();
}

criterion_group!(benches, parse, parse_and_format);
criterion_main!(benches);
