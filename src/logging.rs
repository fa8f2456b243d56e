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

#[cfg(test)]
mod tests {
    use super::*;

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
