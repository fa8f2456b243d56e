//! Line scanner for the Prometheus classic text format (what `textparse` with `text/plain`
//! accepts), borrowing slices of the payload; no allocation except on the error path.
//!
//! Accepted per line: blanks; `#` comments (`# HELP name text`, `# TYPE name type` validated);
//! samples `name[{label="value",...}] value [timestamp_ms]` with Go `ParseFloat` values and
//! unsigned integer timestamps. Deviation: a missing final newline is accepted.
//!
//! Speed: byte classes come from one 256-entry table, a line starting with one of the five names
//! is recognised with one comparison, the tags are noted while the labels are parsed, and plain
//! decimal values and timestamps skip the general paths. A payload that is all ASCII
//! (every kubelet payload in practice) is marked [`Charset::Ascii`] once, so label values need
//! no UTF-8 check of their own.

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
    /// Values of the `container`, `pod` and `namespace` tags (container series only).
    pub(super) tags: Tags<'a>,
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
    /// The series whose name the line starts with, followed by a byte that cannot continue a
    /// name, and that name's length. No name is a prefix of another.
    fn leading(line: &[u8]) -> Option<(Self, usize)> {
        // One byte tells the five names apart (`container_{c,m,s}…`, `node_{c,m}…`), so at most
        // one full comparison is made.
        let (name, series) = match (line.first(), line.get(5), line.get(10)) {
            (Some(b'c'), _, Some(b'c')) => (CONTAINER_CPU, Series::ContainerCpu),
            (Some(b'c'), _, Some(b'm')) => (CONTAINER_MEMORY, Series::ContainerMemory),
            (Some(b'c'), _, Some(b's')) => (CONTAINER_START, Series::ContainerStart),
            (Some(b'n'), Some(b'c'), _) => (NODE_CPU, Series::NodeCpu),
            (Some(b'n'), Some(b'm'), _) => (NODE_MEMORY, Series::NodeMemory),
            _ => return None,
        };
        let rest = line.strip_prefix(name)?;
        (!rest.first().is_some_and(|&b| is_name_byte(b))).then_some((series, name.len()))
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

/// Whether label values still need their own UTF-8 check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Charset {
    /// The whole payload is ASCII: every slice of it is valid UTF-8.
    Ascii,
    /// Anything else: each label value is checked.
    Any,
}

impl Charset {
    pub(super) fn of(payload: &[u8]) -> Self {
        if payload.is_ascii() { Self::Ascii } else { Self::Any }
    }
}

/// Byte classes, one table lookup per byte instead of a chain of range checks.
const LABEL_START: u8 = 1;
const LABEL_BYTE: u8 = 2;
const NAME_START: u8 = 4;
const NAME_BYTE: u8 = 8;

const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let alpha = c.is_ascii_alphabetic();
        let digit = c.is_ascii_digit();
        let mut class = 0;
        if alpha || c == b'_' {
            class |= LABEL_START | LABEL_BYTE | NAME_START | NAME_BYTE;
        }
        if digit {
            class |= LABEL_BYTE | NAME_BYTE;
        }
        if c == b':' {
            class |= NAME_START | NAME_BYTE;
        }
        table[b] = class;
        b += 1;
    }
    table
};

fn has_class(b: u8, class: u8) -> bool {
    CLASSES[usize::from(b)] & class != 0
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
    has_class(b, NAME_START)
}

fn is_name_byte(b: u8) -> bool {
    has_class(b, NAME_BYTE)
}

fn is_label_start(b: u8) -> bool {
    has_class(b, LABEL_START)
}

fn is_label_byte(b: u8) -> bool {
    has_class(b, LABEL_BYTE)
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
pub(super) fn parse_line(
    line: &[u8],
    number: usize,
    charset: Charset,
) -> Result<Option<Sample<'_>>, DecodeError> {
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
    // A line that starts with one of the five names needs no byte-by-byte scan of it.
    let leading = Series::leading(line);
    let name_end = leading.map_or_else(|| scan_name(line, start), |(_, len)| len);
    let mut i = skip_blanks(line, name_end);
    let mut tags = TagStarts::default();
    if i < line.len() && line[i] == b'{' {
        i = parse_labels(line, i + 1, number, charset, &mut tags)?;
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
    // Upstream matches the series text against each name: the name alone, or the name followed
    // immediately by `{` (so not with blanks between them).
    let series = match leading {
        Some((series, len)) if series_text.len() == len || series_text[len] == b'{' => series,
        _ => Series::Other,
    };
    let tags = match series {
        Series::ContainerCpu | Series::ContainerMemory | Series::ContainerStart => {
            tags.values(series_text, charset)
        }
        _ => Tags::default(),
    };
    Ok(Some(Sample { series, tags, value, millis }))
}

/// The values after the first `container="`, `pod="` and `namespace="` in the raw label text, each
/// up to the next `"`: upstream's plain substring search, quirks included (a tag also matches
/// inside a longer label name such as `init_container`, and a value ending in `pod=` makes the
/// text after its closing quote a "pod" value).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tags<'a> {
    pub(super) container: Option<&'a [u8]>,
    pub(super) pod: Option<&'a [u8]>,
    pub(super) namespace: Option<&'a [u8]>,
}

/// Line positions where the tags' values start, found while the labels are parsed.
///
/// Every occurrence of a tag ends in `="`, and in valid label text every `"` preceded by `=` is
/// the opening or the closing quote of a value (an escaped quote follows a backslash). So
/// checking what precedes each such quote, in order, meets the first occurrence of every tag
/// without searching the text three times.
///
/// Each is `(start, end)`; the end is known when the tag opened a value without escapes (then
/// the next `"` is that value's closing quote), otherwise it is searched for.
#[derive(Debug, Default)]
struct TagStarts {
    container: Option<(usize, Option<usize>)>,
    pod: Option<(usize, Option<usize>)>,
    namespace: Option<(usize, Option<usize>)>,
}

/// Which of [`TagStarts`]' slots a quote filled.
#[derive(Debug, Clone, Copy)]
enum Tag {
    Container,
    Pod,
    Namespace,
}

impl TagStarts {
    fn slot(&mut self, tag: Tag) -> &mut Option<(usize, Option<usize>)> {
        match tag {
            Tag::Container => &mut self.container,
            Tag::Pod => &mut self.pod,
            Tag::Namespace => &mut self.namespace,
        }
    }

    /// Notes the `"` at `quote`; returns the tag when this is its first occurrence.
    fn note(&mut self, line: &[u8], quote: usize) -> Option<Tag> {
        let equal = quote.checked_sub(1).filter(|&at| line[at] == b'=')?;
        let before = &line[..equal];
        // Fixed-size comparisons compile to a few loads, not a `memcmp` call.
        let tag = if before.last_chunk() == Some(b"container") {
            Tag::Container
        } else if before.last_chunk() == Some(b"pod") {
            Tag::Pod
        } else if before.last_chunk() == Some(b"namespace") {
            Tag::Namespace
        } else {
            return None;
        };
        let slot = self.slot(tag);
        if slot.is_some() {
            return None;
        }
        *slot = Some((quote + 1, None));
        Some(tag)
    }

    /// Records where the value a tag opened ends, when it held no escape.
    fn close(&mut self, tag: Tag, end: usize) {
        if let Some((_, known)) = self.slot(tag) {
            *known = Some(end);
        }
    }

    /// The values, read from `text` (the series text, which ends with the labels' `}`).
    fn values(self, text: &[u8], charset: Charset) -> Tags<'_> {
        let value = |span: Option<(usize, Option<usize>)>| {
            let (start, end) = span?;
            let value = if let Some(end) = end {
                text.get(start..end)?
            } else {
                let rest = text.get(start..)?;
                &rest[..rest.iter().position(|&b| b == b'"')?]
            };
            (charset == Charset::Ascii || std::str::from_utf8(value).is_ok()).then_some(value)
        };
        Tags { container: value(self.container), pod: value(self.pod), namespace: value(self.namespace) }
    }
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
fn parse_labels(
    line: &[u8],
    mut i: usize,
    number: usize,
    charset: Charset,
    tags: &mut TagStarts,
) -> Result<usize, DecodeError> {
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
        let opened = tags.note(line, i);
        i += 1;
        let value_start = i;
        let mut escaped = false;
        loop {
            let Some(found) = line.get(i..).and_then(find_quote_or_backslash) else {
                return Err(DecodeError::UnterminatedLabelValue { line: number, label: excerpt(label) });
            };
            i += found;
            if line[i] == b'"' {
                break;
            }
            // An escape swallows the next byte, whatever it is, as the Prometheus lexer does.
            escaped = true;
            i += 2;
        }
        if let Some(tag) = opened.filter(|_| !escaped) {
            tags.close(tag, i);
        }
        tags.note(line, i);
        if charset == Charset::Any && std::str::from_utf8(&line[value_start..i]).is_err() {
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

/// Index of the first `"` or `\` in `bytes`, eight bytes per step (SWAR): label values are too
/// short for a vectorised search to pay off, and a byte loop was the decoder's hottest spot.
pub(super) fn find_quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The lowest flagged byte of `has_zero(x)` is exactly the first zero byte of `x` (a borrow
    // only ever flags bytes above a real zero).
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let word = u64::from_le_bytes(*chunk);
        let found = has_zero(word ^ (ONES * u64::from(b'"'))) | has_zero(word ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b == b'"' || b == b'\\').map(|found| at + found)
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
    let millis = token.iter().try_fold(0_i64, |acc, &b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        acc.checked_mul(10)?.checked_add(i64::from(digit))
    });
    let millis = millis.ok_or_else(invalid)?;
    let rest = skip_blanks(line, end);
    if rest != line.len() {
        return Err(DecodeError::TrailingText { line: number, found: excerpt(&line[rest..]) });
    }
    Ok(Some(millis))
}

/// Go `strconv.ParseFloat` as Prometheus calls it: no `p`, `P` or `_`, overflow is an error,
/// `inf`/`infinity` with optional sign and unsigned `nan` in any case.
pub(super) fn parse_go_float(token: &[u8]) -> Option<f64> {
    // Fast path for what kubelets send (`1234.5`, `1.6e+09`): a leading digit rules out the
    // special words, and Rust's parser rejects `p`, `P` and `_` itself, as Go does here.
    if token.first().is_some_and(u8::is_ascii_digit) {
        if let Some(value) = exact_simple_decimal(token) {
            return Some(value);
        }
        let value: f64 = std::str::from_utf8(token).ok()?.parse().ok()?;
        return value.is_finite().then_some(value);
    }
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

/// Powers of ten that are exact in `f64`.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// `digits[.digits][(e|E)[+|-]digits]` when the digits form an integer of at most 2^53 and the
/// decimal exponent is within ±22: then the value is one multiplication or division of two exact
/// `f64`s, which IEEE rounds correctly (Clinger's fast path), so the result is bit-identical to
/// `str::parse`. `None` hands anything else to the general parser.
pub(super) fn exact_simple_decimal(token: &[u8]) -> Option<f64> {
    const MAX_EXACT: u64 = 1 << 53;
    let mut i = 0;
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut exponent: i64 = 0;
    let mut fraction = false;
    while let Some(&b) = token.get(i) {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                digits += 1;
                exponent -= i64::from(fraction);
            }
            b'.' if !fraction => fraction = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 || mantissa > MAX_EXACT {
        return None;
    }
    if let Some(b'e' | b'E') = token.get(i) {
        i += 1;
        let negative = token.get(i) == Some(&b'-');
        if matches!(token.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        let mut written: i64 = 0;
        while let Some(&b) = token.get(i).filter(|b| b.is_ascii_digit()) {
            written = written.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
            i += 1;
        }
        if i == start {
            return None;
        }
        exponent += if negative { -written } else { written };
    }
    if i != token.len() {
        return None;
    }
    let power = *EXACT_POWERS_OF_TEN.get(usize::try_from(exponent.unsigned_abs()).ok()?)?;
    // Exact: mantissa ≤ 2^53.
    let mantissa = mantissa as f64;
    Some(if exponent < 0 { mantissa / power } else { mantissa * power })
}
