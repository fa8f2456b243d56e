//! Errors of the decoder: any syntax error fails the whole payload (upstream
//! `failed parsing metrics: ...`); every variant names the 1-based line.

/// A payload that is not valid Prometheus text; the whole node is dropped from the scrape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A sample line does not start with a metric name.
    #[error("failed parsing metrics: line {line}: expected a metric name, found {found:?}")]
    ExpectedMetricName {
        /// 1-based line number.
        line: usize,
        /// Excerpt of what was found.
        found: String,
    },
    /// A `# HELP` / `# TYPE` line without a metric name.
    #[error("failed parsing metrics: line {line}: expected a metric name after # {keyword}")]
    ExpectedMetaName {
        /// 1-based line number.
        line: usize,
        /// `HELP` or `TYPE`.
        keyword: &'static str,
    },
    /// A `# TYPE` line with an unknown type.
    #[error("failed parsing metrics: line {line}: invalid metric type {found:?}")]
    InvalidMetricType {
        /// 1-based line number.
        line: usize,
        /// The type text.
        found: String,
    },
    /// Inside `{...}`, something other than a label name.
    #[error("failed parsing metrics: line {line}: expected a label name, found {found:?}")]
    ExpectedLabelName {
        /// 1-based line number.
        line: usize,
        /// Excerpt of what was found.
        found: String,
    },
    /// A label name not followed by `=`.
    #[error("failed parsing metrics: line {line}: expected '=' after label {label:?}")]
    ExpectedEqual {
        /// 1-based line number.
        line: usize,
        /// The label name.
        label: String,
    },
    /// `=` not followed by a quoted value.
    #[error("failed parsing metrics: line {line}: expected a quoted value for label {label:?}")]
    ExpectedLabelValue {
        /// 1-based line number.
        line: usize,
        /// The label name.
        label: String,
    },
    /// A label value without its closing quote.
    #[error("failed parsing metrics: line {line}: unterminated value for label {label:?}")]
    UnterminatedLabelValue {
        /// 1-based line number.
        line: usize,
        /// The label name.
        label: String,
    },
    /// A label value that is not UTF-8.
    #[error("failed parsing metrics: line {line}: invalid UTF-8 in the value of label {label:?}")]
    InvalidUtf8LabelValue {
        /// 1-based line number.
        line: usize,
        /// The label name.
        label: String,
    },
    /// After a label value, neither `,` nor `}`.
    #[error("failed parsing metrics: line {line}: expected ',' or '}}' after label {label:?}")]
    ExpectedCommaOrBrace {
        /// 1-based line number.
        line: usize,
        /// The label name.
        label: String,
    },
    /// A series without a sample value.
    #[error("failed parsing metrics: line {line}: expected a value after series {series:?}")]
    MissingValue {
        /// 1-based line number.
        line: usize,
        /// Excerpt of the series.
        series: String,
    },
    /// A sample value that is not a float in Go's `strconv.ParseFloat` syntax.
    #[error("failed parsing metrics: line {line}: invalid sample value {found:?}")]
    InvalidValue {
        /// 1-based line number.
        line: usize,
        /// The value text.
        found: String,
    },
    /// A timestamp that is not an unsigned integer of milliseconds (e.g. negative).
    #[error(
        "failed parsing metrics: line {line}: invalid timestamp {found:?} (expected unsigned milliseconds)"
    )]
    InvalidTimestamp {
        /// 1-based line number.
        line: usize,
        /// The timestamp text.
        found: String,
    },
    /// A timestamp outside the representable range (years -9999..=9999).
    #[error("failed parsing metrics: line {line}: timestamp {millis} ms is out of range")]
    TimestampOutOfRange {
        /// 1-based line number.
        line: usize,
        /// The timestamp in milliseconds.
        millis: i64,
    },
    /// Text after the timestamp.
    #[error("failed parsing metrics: line {line}: expected end of line after the timestamp, found {found:?}")]
    TrailingText {
        /// 1-based line number.
        line: usize,
        /// Excerpt of the trailing text.
        found: String,
    },
    /// A container series without one of the `container`, `pod`, `namespace` labels.
    #[error("failed parsing metrics: line {line}: series {metric} has no {label:?} label")]
    MissingLabel {
        /// 1-based line number.
        line: usize,
        /// The metric name.
        metric: &'static str,
        /// The missing label.
        label: &'static str,
    },
}
