//! Line scanner for the Prometheus classic text format (what `textparse` with `text/plain`
//! accepts), borrowing slices of the payload; no allocation except on the error path.
//!
//! Accepted per line: blanks; `#` comments (`# HELP name text`, `# TYPE name type` validated);
//! samples `name[{label="value",...}] value [timestamp_ms]` with Go `ParseFloat` values and
//! unsigned integer timestamps. Deviation: a missing final newline is accepted.

use super::DecodeError;

/// Series names read from the payload; everything else is skipped.
const NODE_CPU: &[u8] = b"node_cpu_usage_seconds_total";
const NODE_MEMORY: &[u8] = b"node_memory_working_set_bytes";
const CONTAINER_CPU: &[u8] = b"container_cpu_usage_seconds_total";
const CONTAINER_MEMORY: &[u8] = b"container_memory_working_set_bytes";
const CONTAINER_START: &[u8] = b"container_start_time_seconds";

/// Longest excerpt of a bad token quoted in an error message.
const MAX_EXCERPT: usize = 64;

/// One syntactically valid sample line, borrowed from the payload.
pub(super) struct Sample<'a> {
    /// Which of the five series (or none), decided from the raw series text.
    pub(super) series: Series,
    /// Label text after the name (`{...}`), raw.
    pub(super) labels: &'a [u8],
    /// Parsed value.
    pub(super) value: f64,
    /// Own timestamp in ms.
    pub(super) millis: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Series {
    NodeCpu,
    NodeMemory,
    ContainerCpu,
    ContainerMemory,
    ContainerStart,
    Other,
}

impl Series {
    /// Matches the raw series text: the name, then either nothing or `{` immediately after.
    fn classify(series_text: &[u8]) -> (Self, &[u8]) {
        const TABLE: [(&[u8], Series); 5] = [
            (NODE_CPU, Series::NodeCpu),
            (NODE_MEMORY, Series::NodeMemory),
            (CONTAINER_CPU, Series::ContainerCpu),
            (CONTAINER_MEMORY, Series::ContainerMemory),
            (CONTAINER_START, Series::ContainerStart),
        ];
        for (name, series) in TABLE {
            if let Some(rest) = series_text.strip_prefix(name)
                && (rest.is_empty() || rest[0] == b'{')
            {
                return (series, rest);
            }
        }
        (Self::Other, &[])
    }

    pub(super) fn metric_name(self) -> &'static str {
        match self {
            Self::NodeCpu => "node_cpu_usage_seconds_total",
            Self::NodeMemory => "node_memory_working_set_bytes",
            Self::ContainerCpu => "container_cpu_usage_seconds_total",
            Self::ContainerMemory => "container_memory_working_set_bytes",
            Self::ContainerStart => "container_start_time_seconds",
            Self::Other => "",
        }
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn skip_blanks(line: &[u8], mut i: usize) -> usize {
    while i < line.len() && is_blank(line[i]) {
        i += 1;
    }
    i
}

/// Lossy, bounded copy of bad input for error messages (error path only).
fn excerpt(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(MAX_EXCERPT)];
    String::from_utf8_lossy(cut).into_owned()
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

fn is_label_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// End of a metric name starting at `i` (which must be a name start byte).
fn scan_name(line: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < line.len() && is_name_byte(line[j]) {
        j += 1;
    }
    j
}

/// Parses one line; `None` for blank and comment lines.
pub(super) fn parse_line(line: &[u8], number: usize) -> Result<Option<Sample<'_>>, DecodeError> {
    let start = skip_blanks(line, 0);
    if start == line.len() {
        return Ok(None);
    }
    if line[start] == b'#' {
        parse_comment(line, start + 1, number)?;
        return Ok(None);
    }
    if !is_name_start(line[start]) {
        return Err(DecodeError::ExpectedMetricName { line: number, found: excerpt(&line[start..]) });
    }
    let name_end = scan_name(line, start);
    let mut i = skip_blanks(line, name_end);
    if i < line.len() && line[i] == b'{' {
        i = parse_labels(line, i + 1, number)?;
    } else {
        i = name_end;
    }
    // Upstream's series text runs from the line start (leading blanks included) to here.
    let series_text = &line[..i];
    let value_start = skip_blanks(line, i);
    let mut value_end = value_start;
    while value_end < line.len() && !is_blank(line[value_end]) && line[value_end] != b'{' {
        value_end += 1;
    }
    if value_end == value_start {
        return Err(DecodeError::MissingValue { line: number, series: excerpt(series_text) });
    }
    let value = parse_go_float(&line[value_start..value_end]).ok_or_else(|| DecodeError::InvalidValue {
        line: number,
        found: excerpt(&line[value_start..value_end]),
    })?;
    let millis = parse_timestamp(line, value_end, number)?;
    let (series, labels) = Series::classify(series_text);
    Ok(Some(Sample { series, labels, value, millis }))
}

/// Validates `# HELP name text` and `# TYPE name type`; other comments are free text.
fn parse_comment(line: &[u8], after_hash: usize, number: usize) -> Result<(), DecodeError> {
    let i = skip_blanks(line, after_hash);
    if i == after_hash {
        return Ok(());
    }
    let rest = &line[i..];
    let keyword = if rest.starts_with(b"HELP") {
        "HELP"
    } else if rest.starts_with(b"TYPE") {
        "TYPE"
    } else {
        return Ok(());
    };
    let after_keyword = i + keyword.len();
    let name_start = skip_blanks(line, after_keyword);
    if name_start == after_keyword {
        // `# HELPER ...` or a bare `# HELP` is an ordinary comment.
        return Ok(());
    }
    if name_start >= line.len() || !is_name_start(line[name_start]) {
        return Err(DecodeError::ExpectedMetaName { line: number, keyword });
    }
    let name_end = scan_name(line, name_start);
    if keyword == "TYPE" {
        let ty = &line[skip_blanks(line, name_end)..];
        let known: [&[u8]; 5] = [b"counter", b"gauge", b"histogram", b"summary", b"untyped"];
        if !known.contains(&ty) {
            return Err(DecodeError::InvalidMetricType { line: number, found: excerpt(ty) });
        }
    }
    Ok(())
}

/// Parses `name="value",...}` starting after `{`; returns the index after `}`.
fn parse_labels(line: &[u8], mut i: usize, number: usize) -> Result<usize, DecodeError> {
    loop {
        i = skip_blanks(line, i);
        if i < line.len() && line[i] == b'}' {
            return Ok(i + 1);
        }
        if i >= line.len() || !is_label_start(line[i]) {
            return Err(DecodeError::ExpectedLabelName {
                line: number,
                found: excerpt(&line[i.min(line.len())..]),
            });
        }
        let name_start = i;
        while i < line.len() && is_label_byte(line[i]) {
            i += 1;
        }
        let label = &line[name_start..i];
        i = skip_blanks(line, i);
        if i >= line.len() || line[i] != b'=' {
            return Err(DecodeError::ExpectedEqual { line: number, label: excerpt(label) });
        }
        i = skip_blanks(line, i + 1);
        if i >= line.len() || line[i] != b'"' {
            return Err(DecodeError::ExpectedLabelValue { line: number, label: excerpt(label) });
        }
        i += 1;
        let value_start = i;
        loop {
            match line.get(i) {
                None => {
                    return Err(DecodeError::UnterminatedLabelValue { line: number, label: excerpt(label) });
                }
                Some(b'"') => break,
                // An escape swallows the next byte, whatever it is, as the Prometheus lexer does.
                Some(b'\\') => i += 2,
                Some(_) => i += 1,
            }
        }
        if std::str::from_utf8(&line[value_start..i]).is_err() {
            return Err(DecodeError::InvalidUtf8LabelValue { line: number, label: excerpt(label) });
        }
        i = skip_blanks(line, i + 1);
        match line.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return Ok(i + 1),
            _ => {
                return Err(DecodeError::ExpectedCommaOrBrace { line: number, label: excerpt(label) });
            }
        }
    }
}

/// Optional `<digits>` timestamp after the value, then only blanks.
fn parse_timestamp(line: &[u8], value_end: usize, number: usize) -> Result<Option<i64>, DecodeError> {
    let start = skip_blanks(line, value_end);
    if start == line.len() {
        return Ok(None);
    }
    let mut end = start;
    while end < line.len() && !is_blank(line[end]) {
        end += 1;
    }
    let token = &line[start..end];
    let invalid = || DecodeError::InvalidTimestamp { line: number, found: excerpt(token) };
    if !token.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let text = std::str::from_utf8(token).map_err(|_| invalid())?;
    let millis: i64 = text.parse().map_err(|_| invalid())?;
    let rest = skip_blanks(line, end);
    if rest != line.len() {
        return Err(DecodeError::TrailingText { line: number, found: excerpt(&line[rest..]) });
    }
    Ok(Some(millis))
}

/// Go `strconv.ParseFloat` as Prometheus calls it: no `p`, `P` or `_`, overflow is an error,
/// `inf`/`infinity` with optional sign and unsigned `nan` in any case.
pub(super) fn parse_go_float(token: &[u8]) -> Option<f64> {
    if token.iter().any(|&b| matches!(b, b'p' | b'P' | b'_')) {
        return None;
    }
    let text = std::str::from_utf8(token).ok()?;
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let special = unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity");
    if unsigned.eq_ignore_ascii_case("nan") {
        // Go accepts `NaN` only without a sign.
        return (unsigned.len() == text.len()).then_some(f64::NAN);
    }
    let first = unsigned.as_bytes().first()?;
    if !(special || first.is_ascii_digit() || *first == b'.') {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    // A finite literal that rounds to infinity is ErrRange in Go.
    (special || value.is_finite()).then_some(value)
}
