//! The metrics component's flags (metrics-server §1.6) and their validation.
//!
//! Two layers, as ripgrep separates what the user said from what the program will do:
//! [`MetricsArgs`] is the clap surface with metrics-server's flag names (kebab-case, Go-style
//! durations and booleans, so existing Deployment args keep working), and [`MetricsConfig`] is the
//! parsed, validated value the runtime is built from. [`MetricsArgs::into_config`] is the only way
//! from one to the other and reports the first problem, naming the flag, as metrics-server does.
//!
//! Invariants of a validated config: resolution ≥ 10 s; 0 < request timeout ≤ 0.9 × resolution;
//! client certificate and key given together; no contradictory TLS modes; at least one address
//! type; at least one request in flight.
//!
//! Bellows differences: the resolution defaults to 15 s (metrics-server's binary says 60 s, its
//! manifests 15 s); `--kubelet-max-concurrency` bounds requests in flight (upstream: unbounded).

use std::path::PathBuf;
use std::time::Duration;

use crate::goduration;
use crate::metrics::api::RouterConfig;
use crate::metrics::api::query::parse_go_bool;
use crate::metrics::api::selectors::{LabelSelector, SelectorError};
use crate::metrics::scraper::CycleConfig;
use crate::metrics::target::{
    AddressType, DEFAULT_KUBELET_PORT, TargetConfig, TargetError, parse_address_types,
};

#[cfg(test)]
mod tests;

/// Shortest accepted `--metric-resolution` (kubelets refresh cAdvisor stats about every 10 s).
pub const MIN_RESOLUTION: Duration = Duration::from_secs(10);
/// Default `--metric-resolution` (metrics-server's shipped manifests; its binary says 60 s).
pub const DEFAULT_RESOLUTION: Duration = Duration::from_secs(15);
/// Default `--kubelet-request-timeout`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `--kubelet-max-concurrency`.
pub const DEFAULT_MAX_CONCURRENCY: usize = 512;
/// metrics-server's default `--kubelet-preferred-address-types`.
pub const DEFAULT_ADDRESS_TYPES: &str = "Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP";

/// Why the metrics flags were rejected; every message names the flag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `--metric-resolution` below [`MIN_RESOLUTION`].
    #[error("--metric-resolution must be at least 10s, got {}", goduration::format(*.0))]
    ResolutionTooShort(Duration),
    /// `--kubelet-request-timeout` of zero.
    #[error("--kubelet-request-timeout must be greater than 0, got {}", goduration::format(*.0))]
    TimeoutNotPositive(Duration),
    /// The request timeout does not fit in 90% of the resolution, so a slow kubelet would make
    /// the cycle miss its deadline.
    #[error(
        "--kubelet-request-timeout ({}) must not exceed 90% of --metric-resolution ({}, i.e. {})",
        goduration::format(*timeout),
        goduration::format(*resolution),
        goduration::format(resolution.mul_f64(0.9))
    )]
    TimeoutExceedsResolution {
        /// `--kubelet-request-timeout`.
        timeout: Duration,
        /// `--metric-resolution`.
        resolution: Duration,
    },
    /// Two flags that contradict each other (upstream's `cannot use both` checks).
    #[error("cannot use both --{first} and --{second}")]
    Conflict {
        /// The first flag, without dashes.
        first: &'static str,
        /// The second flag, without dashes.
        second: &'static str,
    },
    /// Only one of the client certificate and key was given.
    #[error("need both --kubelet-client-key and --kubelet-client-certificate (only --{given} was given)")]
    HalfClientIdentity {
        /// The flag that was given, without dashes.
        given: &'static str,
    },
    /// `--kubelet-preferred-address-types` holds an unknown type.
    #[error("--kubelet-preferred-address-types: {0}")]
    AddressTypes(#[source] TargetError),
    /// `--kubelet-preferred-address-types` is empty, so no node could ever be scraped.
    #[error("--kubelet-preferred-address-types must name at least one address type")]
    NoAddressTypes,
    /// `--node-selector` does not parse.
    #[error("--node-selector {value:?}: {source}")]
    NodeSelector {
        /// The flag's value.
        value: String,
        /// The parser's complaint.
        #[source]
        source: SelectorError,
    },
    /// `--kubelet-max-concurrency` of zero would never scrape.
    #[error("--kubelet-max-concurrency must be at least 1, got 0")]
    NoConcurrency,
}

/// The validated settings of the metrics component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    /// `--metric-resolution`: scrape period and the cycle's deadline.
    pub metric_resolution: Duration,
    /// `--kubelet-request-timeout`: bound on one kubelet request.
    pub kubelet_request_timeout: Duration,
    /// `--kubelet-port`.
    pub kubelet_port: u16,
    /// `--kubelet-use-node-status-port`: prefer the node's advertised kubelet port.
    pub kubelet_use_node_status_port: bool,
    /// `--kubelet-preferred-address-types`, in priority order.
    pub kubelet_preferred_address_types: Vec<AddressType>,
    /// `--kubelet-insecure-tls`: do not verify kubelet serving certificates.
    pub kubelet_insecure_tls: bool,
    /// `--kubelet-certificate-authority`: CA bundle for kubelet serving certificates.
    pub kubelet_certificate_authority: Option<PathBuf>,
    /// `--kubelet-client-certificate`.
    pub kubelet_client_certificate: Option<PathBuf>,
    /// `--kubelet-client-key`.
    pub kubelet_client_key: Option<PathBuf>,
    /// `--deprecated-kubelet-completely-insecure`: plain HTTP, no credentials.
    pub deprecated_kubelet_completely_insecure: bool,
    /// `--node-selector`: which nodes are scraped and listed.
    pub node_selector: LabelSelector,
    /// `--kubelet-max-concurrency`: kubelet requests in flight.
    pub max_concurrency: usize,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            metric_resolution: DEFAULT_RESOLUTION,
            kubelet_request_timeout: DEFAULT_REQUEST_TIMEOUT,
            kubelet_port: DEFAULT_KUBELET_PORT,
            kubelet_use_node_status_port: false,
            kubelet_preferred_address_types: AddressType::DEFAULT_ORDER.to_vec(),
            kubelet_insecure_tls: false,
            kubelet_certificate_authority: None,
            kubelet_client_certificate: None,
            kubelet_client_key: None,
            deprecated_kubelet_completely_insecure: false,
            node_selector: LabelSelector::default(),
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
        }
    }
}

impl MetricsConfig {
    /// Every rule this config breaks, in upstream's order (kubelet client checks first, then the
    /// resolution); empty when valid.
    pub fn validate(&self) -> Vec<ConfigError> {
        const CA: &str = "kubelet-certificate-authority";
        const INSECURE_TLS: &str = "kubelet-insecure-tls";
        const CERT: &str = "kubelet-client-certificate";
        const KEY: &str = "kubelet-client-key";
        const PLAIN: &str = "deprecated-kubelet-completely-insecure";
        let ca = self.kubelet_certificate_authority.is_some();
        let cert = self.kubelet_client_certificate.is_some();
        let key = self.kubelet_client_key.is_some();
        let plain = self.deprecated_kubelet_completely_insecure;
        let insecure = self.kubelet_insecure_tls;
        let mut errors = Vec::new();
        let conflict = |first, second| ConfigError::Conflict { first, second };
        if ca && insecure {
            errors.push(conflict(CA, INSECURE_TLS));
        }
        if key != cert {
            errors.push(ConfigError::HalfClientIdentity { given: if key { KEY } else { CERT } });
        }
        if key && plain {
            errors.push(conflict(KEY, PLAIN));
        }
        if cert && plain {
            errors.push(conflict(CERT, PLAIN));
        }
        if insecure && plain {
            errors.push(conflict(INSECURE_TLS, PLAIN));
        }
        if ca && plain {
            errors.push(conflict(CA, PLAIN));
        }
        if self.kubelet_request_timeout.is_zero() {
            errors.push(ConfigError::TimeoutNotPositive(self.kubelet_request_timeout));
        }
        if self.metric_resolution < MIN_RESOLUTION {
            errors.push(ConfigError::ResolutionTooShort(self.metric_resolution));
        }
        // 0.9 × resolution ≥ timeout, in integers: 9 × resolution ≥ 10 × timeout.
        if self.metric_resolution.as_nanos() * 9 < self.kubelet_request_timeout.as_nanos() * 10 {
            errors.push(ConfigError::TimeoutExceedsResolution {
                timeout: self.kubelet_request_timeout,
                resolution: self.metric_resolution,
            });
        }
        if self.kubelet_preferred_address_types.is_empty() {
            errors.push(ConfigError::NoAddressTypes);
        }
        if self.max_concurrency == 0 {
            errors.push(ConfigError::NoConcurrency);
        }
        errors
    }

    /// How targets are chosen from node objects.
    pub fn target_config(&self) -> TargetConfig {
        TargetConfig {
            preferred_address_types: self.kubelet_preferred_address_types.clone(),
            port: self.kubelet_port,
            use_node_status_port: self.kubelet_use_node_status_port,
            insecure_http: self.deprecated_kubelet_completely_insecure,
        }
    }

    /// Timing and concurrency of one scrape cycle.
    pub fn cycle_config(&self) -> CycleConfig {
        CycleConfig {
            resolution: self.metric_resolution,
            request_timeout: self.kubelet_request_timeout,
            max_concurrency: self.max_concurrency,
            stagger: true,
        }
    }

    /// The API router's settings (liveness window and node list selector).
    pub fn router_config(&self) -> RouterConfig {
        RouterConfig { resolution: self.metric_resolution, node_selector: self.node_selector.clone() }
    }
}

/// The metrics component's command-line flags, named as metrics-server names them.
///
/// Flatten into the `run` command with `#[command(flatten)]`; convert with
/// [`MetricsArgs::into_config`].
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct MetricsArgs {
    /// How often kubelets are scraped and how long metrics are retained (at least 10s).
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub metric_resolution: Duration,
    /// How long to wait for one kubelet before giving up (> 0, at most 90% of the resolution).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub kubelet_request_timeout: Duration,
    /// The port to use to connect to kubelets.
    #[arg(long, value_name = "PORT", default_value_t = DEFAULT_KUBELET_PORT)]
    pub kubelet_port: u16,
    /// Use the port in the node status (takes precedence over --kubelet-port).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = parse_bool)]
    pub kubelet_use_node_status_port: bool,
    /// Node address types to try, in priority order, when choosing how to reach a kubelet.
    #[arg(long, value_name = "TYPES", default_value = DEFAULT_ADDRESS_TYPES)]
    pub kubelet_preferred_address_types: String,
    /// Do not verify the serving certificates of kubelets (for testing only).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = parse_bool)]
    pub kubelet_insecure_tls: bool,
    /// CA bundle that signs kubelet serving certificates (default: the cluster CA).
    #[arg(long, value_name = "FILE", value_parser = any_path())]
    pub kubelet_certificate_authority: Option<PathBuf>,
    /// Client certificate presented to kubelets (needs --kubelet-client-key).
    #[arg(long, value_name = "FILE", value_parser = any_path())]
    pub kubelet_client_certificate: Option<PathBuf>,
    /// Private key of --kubelet-client-certificate.
    #[arg(long, value_name = "FILE", value_parser = any_path())]
    pub kubelet_client_key: Option<PathBuf>,
    /// DEPRECATED: talk to kubelets over plain HTTP without credentials.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "false",
          default_missing_value = "true", value_parser = parse_bool)]
    pub deprecated_kubelet_completely_insecure: bool,
    /// Label selector limiting the nodes scraped and listed (e.g. `-l key1=value1,key2!=value2`).
    #[arg(short = 'l', long, value_name = "SELECTOR", default_value = "")]
    pub node_selector: String,
    /// Most kubelet requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONCURRENCY)]
    pub kubelet_max_concurrency: usize,
}

impl Default for MetricsArgs {
    fn default() -> Self {
        Self {
            metric_resolution: DEFAULT_RESOLUTION,
            kubelet_request_timeout: DEFAULT_REQUEST_TIMEOUT,
            kubelet_port: DEFAULT_KUBELET_PORT,
            kubelet_use_node_status_port: false,
            kubelet_preferred_address_types: DEFAULT_ADDRESS_TYPES.to_owned(),
            kubelet_insecure_tls: false,
            kubelet_certificate_authority: None,
            kubelet_client_certificate: None,
            kubelet_client_key: None,
            deprecated_kubelet_completely_insecure: false,
            node_selector: String::new(),
            kubelet_max_concurrency: DEFAULT_MAX_CONCURRENCY,
        }
    }
}

impl MetricsArgs {
    /// Parses and validates the flags; the first problem found is the error (as upstream, which
    /// reports one error and exits).
    pub fn into_config(self) -> Result<MetricsConfig, ConfigError> {
        let kubelet_preferred_address_types =
            parse_address_types(&self.kubelet_preferred_address_types).map_err(ConfigError::AddressTypes)?;
        let node_selector = LabelSelector::parse(&self.node_selector)
            .map_err(|source| ConfigError::NodeSelector { value: self.node_selector.clone(), source })?;
        // An empty path is how Go flags say "not set"; keep accepting `--kubelet-client-key=`.
        let path = |p: Option<PathBuf>| p.filter(|p| !p.as_os_str().is_empty());
        let config = MetricsConfig {
            metric_resolution: self.metric_resolution,
            kubelet_request_timeout: self.kubelet_request_timeout,
            kubelet_port: self.kubelet_port,
            kubelet_use_node_status_port: self.kubelet_use_node_status_port,
            kubelet_preferred_address_types,
            kubelet_insecure_tls: self.kubelet_insecure_tls,
            kubelet_certificate_authority: path(self.kubelet_certificate_authority),
            kubelet_client_certificate: path(self.kubelet_client_certificate),
            kubelet_client_key: path(self.kubelet_client_key),
            deprecated_kubelet_completely_insecure: self.deprecated_kubelet_completely_insecure,
            node_selector,
            max_concurrency: self.kubelet_max_concurrency,
        };
        match config.validate().into_iter().next() {
            Some(error) => Err(error),
            None => Ok(config),
        }
    }
}

/// Go `time.ParseDuration` for clap.
fn parse_duration(text: &str) -> Result<Duration, String> {
    goduration::parse(text).map_err(|e| e.to_string())
}

/// Any path, also the empty one (Go flags' "not set"), which clap's own path parser rejects.
fn any_path() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from)
}

/// Go `strconv.ParseBool` for clap, so `--kubelet-insecure-tls=true` keeps working.
fn parse_bool(text: &str) -> Result<bool, String> {
    parse_go_bool(text).ok_or_else(|| format!("strconv.ParseBool: parsing {text:?}: invalid syntax"))
}
