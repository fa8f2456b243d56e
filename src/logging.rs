//! Logging set-up: `tracing` events to stderr, as text or JSON lines.
//!
//! The filter comes from `RUST_LOG` when it is set, else from `--log-level`; an invalid filter is an
//! error naming the text, not a silent fallback.

use tracing_subscriber::EnvFilter;

use crate::cli::{LogArgs, LogFormat};

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// The filter text (from `RUST_LOG` or `--log-level`) does not parse.
    #[error("invalid log filter {text:?} (from {source_name}): {source}")]
    Filter {
        /// The text that failed to parse.
        text: String,
        /// Where the text came from.
        source_name: &'static str,
        /// The parser's complaint.
        source: tracing_subscriber::filter::ParseError,
    },
    /// A global subscriber was already installed.
    #[error("logging was already initialised")]
    AlreadySet,
}

/// Builds the log filter from `RUST_LOG` (if set and non-empty) or the `--log-level` value.
pub fn filter(args: &LogArgs, rust_log: Option<&str>) -> Result<EnvFilter, LoggingError> {
    let (text, source_name) = match rust_log {
        Some(env) if !env.trim().is_empty() => (env, "RUST_LOG"),
        _ => (args.log_level.as_str(), "--log-level"),
    };
    EnvFilter::try_new(text).map_err(|source| LoggingError::Filter {
        text: text.to_owned(),
        source_name,
        source,
    })
}

/// Installs the global subscriber writing to stderr.
pub fn init(args: &LogArgs) -> Result<(), LoggingError> {
    let filter = filter(args, std::env::var("RUST_LOG").ok().as_deref())?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = match args.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    result.map_err(|_| LoggingError::AlreadySet)
}

/// An error's text followed by each source's text that it does not already contain, joined by
/// `": "`. Clients' top-level messages often hide the cause a user needs (kube says
/// `ServiceError: client error (Connect)`; the source says `Connection refused`), while other
/// errors already repeat their source in their own text, which is not printed twice.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Layer {
        text: &'static str,
        #[source]
        source: Option<Box<Layer>>,
    }

    fn layer(text: &'static str, source: Option<Layer>) -> Layer {
        Layer { text, source: source.map(Box::new) }
    }

    #[test]
    fn error_chain_appends_hidden_causes_once() {
        let refused = layer("Connection refused (os error 111)", None);
        let connect = layer("tcp connect error", Some(refused));
        let hyper = layer("client error (Connect)", Some(connect));
        let kube = layer("ServiceError: client error (Connect)", Some(hyper));
        assert_eq!(
            error_chain(&kube),
            "ServiceError: client error (Connect): tcp connect error: Connection refused (os error 111)"
        );
    }

    fn args(level: &str) -> LogArgs {
        LogArgs { log_level: level.to_owned(), log_format: LogFormat::Text }
    }

    #[test]
    fn rust_log_overrides_the_log_level_flag() {
        let f = filter(&args("info"), Some("bellows=trace")).unwrap();
        assert_eq!(f.to_string(), "bellows=trace");
    }

    #[test]
    fn empty_rust_log_falls_back_to_the_flag() {
        let f = filter(&args("debug"), Some("  ")).unwrap();
        assert_eq!(f.to_string(), "debug");
    }

    #[test]
    fn invalid_filter_names_the_text_and_its_origin() {
        let err = filter(&args("bellows=loud"), None).unwrap_err().to_string();
        assert!(err.contains("bellows=loud") && err.contains("--log-level"), "{err}");
    }
}
