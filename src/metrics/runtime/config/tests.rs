//! Flag parsing, defaults and validation of the metrics component.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use super::*;
use crate::metrics::target::AddressType;

/// A stand-in for `bellows run`, flattening the flags as the lead will.
#[derive(Debug, Parser)]
struct Run {
    #[command(flatten)]
    metrics: MetricsArgs,
}

fn parse(args: &[&str]) -> MetricsArgs {
    let argv = std::iter::once("bellows").chain(args.iter().copied());
    Run::try_parse_from(argv).expect("flags parse").metrics
}

fn config(args: &[&str]) -> Result<MetricsConfig, ConfigError> {
    parse(args).into_config()
}

/// A valid config with a 1 s request timeout, the base of upstream's validation table.
fn base() -> MetricsConfig {
    MetricsConfig { kubelet_request_timeout: Duration::from_secs(1), ..MetricsConfig::default() }
}

#[test]
fn defaults_are_metrics_servers_with_a_15s_resolution() {
    let c = config(&[]).expect("defaults are valid");
    assert_eq!(c, MetricsConfig::default());
    assert_eq!(c.metric_resolution, Duration::from_secs(15));
    assert_eq!(c.kubelet_request_timeout, Duration::from_secs(10));
    assert_eq!(c.kubelet_port, 10250);
    assert!(!c.kubelet_use_node_status_port);
    assert_eq!(
        c.kubelet_preferred_address_types,
        vec![
            AddressType::Hostname,
            AddressType::InternalDns,
            AddressType::InternalIp,
            AddressType::ExternalDns,
            AddressType::ExternalIp
        ]
    );
    assert_eq!(c.max_concurrency, 512);
    assert_eq!(parse(&[]), MetricsArgs::default());
}

#[test]
fn metrics_server_manifest_args_parse_unchanged() {
    let c = config(&[
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
        "--kubelet-use-node-status-port",
        "--metric-resolution=15s",
        "--kubelet-insecure-tls=true",
        "--kubelet-request-timeout=5s",
        "--kubelet-port=10255",
        "-l",
        "role=worker",
    ])
    .expect("valid");
    assert_eq!(
        c.kubelet_preferred_address_types,
        vec![AddressType::InternalIp, AddressType::ExternalIp, AddressType::Hostname]
    );
    assert!(c.kubelet_use_node_status_port);
    assert!(c.kubelet_insecure_tls);
    assert_eq!(c.kubelet_request_timeout, Duration::from_secs(5));
    assert_eq!(c.kubelet_port, 10255);
    let labels = [("role".to_owned(), "worker".to_owned())].into();
    assert!(c.node_selector.matches(&labels));
    assert!(!c.node_selector.matches(&std::collections::BTreeMap::new()));
}

#[test]
fn go_booleans_and_durations_are_accepted() {
    let a =
        parse(&["--kubelet-insecure-tls=F", "--kubelet-use-node-status-port=1", "--metric-resolution=1m30s"]);
    assert!(!a.kubelet_insecure_tls);
    assert!(a.kubelet_use_node_status_port);
    assert_eq!(a.metric_resolution, Duration::from_secs(90));
}

#[test]
fn a_bad_boolean_or_duration_is_a_parse_error_naming_the_flag() {
    let err = Run::try_parse_from(["bellows", "--kubelet-insecure-tls=yes"]).unwrap_err().to_string();
    assert!(err.contains("--kubelet-insecure-tls"), "{err}");
    assert!(err.contains("strconv.ParseBool: parsing \"yes\": invalid syntax"), "{err}");
    let err = Run::try_parse_from(["bellows", "--metric-resolution=15"]).unwrap_err().to_string();
    assert!(err.contains("--metric-resolution"), "{err}");
}

#[test]
fn a_short_resolution_is_rejected_by_name() {
    let err = config(&["--metric-resolution=5s", "--kubelet-request-timeout=1s"]).unwrap_err();
    assert_eq!(err, ConfigError::ResolutionTooShort(Duration::from_secs(5)));
    assert_eq!(err.to_string(), "--metric-resolution must be at least 10s, got 5s");
}

#[test]
fn the_timeout_must_fit_in_90_percent_of_the_resolution() {
    let err = config(&["--metric-resolution=10s"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--kubelet-request-timeout (10s) must not exceed 90% of --metric-resolution (10s, i.e. 9s)"
    );
    assert!(config(&["--metric-resolution=10s", "--kubelet-request-timeout=9s"]).is_ok());
    let err = config(&["--metric-resolution=10s", "--kubelet-request-timeout=9001ms"]).unwrap_err();
    assert!(matches!(err, ConfigError::TimeoutExceedsResolution { .. }), "{err}");
}

#[test]
fn a_zero_timeout_is_rejected_by_name() {
    let err = config(&["--kubelet-request-timeout=0s"]).unwrap_err();
    assert_eq!(err.to_string(), "--kubelet-request-timeout must be greater than 0, got 0s");
}

#[test]
fn upstream_validation_table_gives_the_same_error_counts() {
    // kubernetes-sigs/metrics-server cmd/metrics-server/app/options/kubelet_client_test.go
    // TestValidate, row by row (the negative-timeout row cannot be expressed: durations here are
    // unsigned and `-10s` fails to parse).
    let path = |p: &str| Some(PathBuf::from(p));
    let rows: Vec<(&str, MetricsConfig, usize)> = vec![
        ("Default options should pass validate", MetricsConfig::default(), 0),
        (
            "Cannot use both --kubelet-certificate-authority and --deprecated-kubelet-completely-insecure",
            MetricsConfig {
                deprecated_kubelet_completely_insecure: true,
                kubelet_certificate_authority: path("a"),
                ..base()
            },
            1,
        ),
        (
            "Cannot use both --kubelet-certificate-authority and --kubelet-insecure-tls",
            MetricsConfig { kubelet_insecure_tls: true, kubelet_certificate_authority: path("a"), ..base() },
            1,
        ),
        (
            "use both --kubelet-client-certificate and --kubelet-client-key",
            MetricsConfig { kubelet_client_key: path("a"), kubelet_client_certificate: path("b"), ..base() },
            0,
        ),
        (
            "cannot use both --kubelet-client-certificate and --deprecated-kubelet-completely-insecure",
            MetricsConfig {
                kubelet_client_certificate: path("a"),
                deprecated_kubelet_completely_insecure: true,
                ..base()
            },
            2,
        ),
        (
            "cannot use both --kubelet-client-key and --deprecated-kubelet-completely-insecure",
            MetricsConfig {
                kubelet_client_key: path("a"),
                deprecated_kubelet_completely_insecure: true,
                ..base()
            },
            2,
        ),
        (
            "cannot use both --kubelet-insecure-tls and --deprecated-kubelet-completely-insecure",
            MetricsConfig {
                kubelet_insecure_tls: true,
                deprecated_kubelet_completely_insecure: true,
                ..base()
            },
            1,
        ),
        (
            "cannot give only --kubelet-client-certificate",
            MetricsConfig { kubelet_client_certificate: path("a"), ..base() },
            1,
        ),
        (
            "cannot give only --kubelet-client-key",
            MetricsConfig { kubelet_client_key: path("a"), ..base() },
            1,
        ),
        ("can give --kubelet-request-timeout value larger than 0", base(), 0),
        (
            "cannot give --kubelet-request-timeout value equal 0",
            MetricsConfig { kubelet_request_timeout: Duration::ZERO, ..base() },
            1,
        ),
    ];
    for (name, config, expected) in rows {
        let errors = config.validate();
        assert_eq!(errors.len(), expected, "{name}: {errors:?}");
    }
}

#[test]
fn conflicting_flags_are_named_in_the_message() {
    let err = config(&["--kubelet-insecure-tls", "--kubelet-certificate-authority=/ca.pem"]).unwrap_err();
    assert_eq!(err.to_string(), "cannot use both --kubelet-certificate-authority and --kubelet-insecure-tls");
    let err = config(&["--kubelet-client-certificate=/c.pem"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "need both --kubelet-client-key and --kubelet-client-certificate (only --kubelet-client-certificate was given)"
    );
}

#[test]
fn an_empty_path_means_not_set_as_with_go_flags() {
    let c = config(&["--kubelet-client-key=", "--kubelet-certificate-authority="]).expect("valid");
    assert_eq!(c.kubelet_client_key, None);
    assert_eq!(c.kubelet_certificate_authority, None);
}

#[test]
fn unknown_address_types_and_bad_selectors_name_the_flag() {
    let err = config(&["--kubelet-preferred-address-types=InternalIP,Internal"]).unwrap_err();
    assert!(
        err.to_string().starts_with("--kubelet-preferred-address-types: unknown node address type"),
        "{err}"
    );
    let err = config(&["--kubelet-preferred-address-types=,"]).unwrap_err();
    assert_eq!(err, ConfigError::NoAddressTypes);
    let err = config(&["--node-selector==b"]).unwrap_err();
    assert!(err.to_string().starts_with("--node-selector \"=b\": "), "{err}");
    let err = config(&["--kubelet-max-concurrency=0"]).unwrap_err();
    assert_eq!(err.to_string(), "--kubelet-max-concurrency must be at least 1, got 0");
}

#[test]
fn derived_configs_carry_the_flags() {
    let c = config(&[
        "--kubelet-port=1234",
        "--kubelet-use-node-status-port",
        "--deprecated-kubelet-completely-insecure",
        "--kubelet-max-concurrency=7",
        "--metric-resolution=20s",
        "--kubelet-request-timeout=3s",
        "--node-selector=a=b",
    ])
    .expect("valid");
    let t = c.target_config();
    assert_eq!((t.port, t.use_node_status_port, t.insecure_http), (1234, true, true));
    let cy = c.cycle_config();
    assert_eq!(cy.resolution, Duration::from_secs(20));
    assert_eq!(cy.request_timeout, Duration::from_secs(3));
    assert_eq!(cy.max_concurrency, 7);
    assert!(cy.stagger);
    let r = c.router_config();
    assert_eq!(r.resolution, Duration::from_secs(20));
    assert_eq!(r.node_selector, c.node_selector);
}
