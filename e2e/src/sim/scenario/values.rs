//! Scalar values of scenario files: durations (`30s`, `1m30s`, `500ms`, `1h`, or a number of
//! seconds), CPU amounts (a number of millicores or a quantity string such as `250m` or `0.5`) and
//! memory amounts (a number of bytes or a quantity string such as `128Mi`).
//!
//! Parsing never panics: malformed text gives `None` (deserializers turn that into an error that
//! `serde_path_to_error` prefixes with the field path).

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

/// Seconds parsed from a duration string or a number.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Seconds(pub f64);

/// Millicores parsed from a number (millicores) or a CPU quantity string.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Millicores(pub f64);

/// Bytes parsed from a number (bytes) or a memory quantity string.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bytes(pub f64);

/// A Kubernetes quantity kept as text (numbers are accepted and printed back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuantityText(pub String);

/// Parse `1h2m3.5s`, `500ms`, `30s`, `2m` into seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(plain) = text.parse::<f64>() {
        return (plain.is_finite() && plain >= 0.0).then_some(plain);
    }
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// Parse a Kubernetes quantity (`250m`, `1.5`, `128Mi`, `1e3`, `2G`) into its value in base units.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    let split =
        text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let value: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0_f64.powi(2),
        "Gi" => 1024.0_f64.powi(3),
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        "Ei" => 1024.0_f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp[1..].parse().ok()?),
        _ => return None,
    };
    let result = value * factor;
    (result.is_finite() && result >= 0.0).then_some(result)
}

/// Accepts a number or a string and hands both to `parse`.
struct NumberOrText<F> {
    expecting: &'static str,
    from_number: fn(f64) -> Option<F>,
    from_text: fn(&str) -> Option<F>,
}

impl<F> Visitor<'_> for NumberOrText<F> {
    type Value = F;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<F, E> {
        (self.from_number)(v).ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self.expecting))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<F, E> {
        self.visit_f64(v as f64)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<F, E> {
        self.visit_f64(v as f64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<F, E> {
        (self.from_text)(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self.expecting))
    }
}

fn non_negative(v: f64) -> Option<f64> {
    (v.is_finite() && v >= 0.0).then_some(v)
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberOrText {
            expecting: "a duration such as 30s, 1m30s, 500ms or a number of seconds",
            from_number: |v| non_negative(v).map(Seconds),
            from_text: |t| parse_duration(t).map(Seconds),
        })
    }
}

impl<'de> Deserialize<'de> for Millicores {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberOrText {
            expecting: "millicores (a number) or a CPU quantity such as 250m",
            from_number: |v| non_negative(v).map(Millicores),
            from_text: |t| parse_quantity(t).map(|cores| Millicores(cores * 1000.0)),
        })
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberOrText {
            expecting: "bytes (a number) or a memory quantity such as 128Mi",
            from_number: |v| non_negative(v).map(Bytes),
            from_text: |t| parse_quantity(t).map(Bytes),
        })
    }
}

impl<'de> Deserialize<'de> for QuantityText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberOrText {
            expecting: "a quantity such as 500m, 2, 128Mi",
            from_number: |v| non_negative(v).map(|v| QuantityText(v.to_string())),
            from_text: |t| parse_quantity(t).map(|_| QuantityText(t.trim().to_owned())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_duration, parse_quantity};

    #[test]
    fn durations_accept_go_style_units_and_plain_seconds() {
        assert_eq!(parse_duration("30s"), Some(30.0));
        assert_eq!(parse_duration("1m30s"), Some(90.0));
        assert_eq!(parse_duration("500ms"), Some(0.5));
        assert_eq!(parse_duration("1h"), Some(3600.0));
        assert_eq!(parse_duration("12"), Some(12.0));
        assert_eq!(parse_duration("3 minutes"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn quantities_use_decimal_and_binary_suffixes() {
        assert_eq!(parse_quantity("250m"), Some(0.25));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("128Mi"), Some(134_217_728.0));
        assert_eq!(parse_quantity("1G"), Some(1e9));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("12Gb"), None);
        assert_eq!(parse_quantity("-1"), None);
    }
}
