//! Exact parsing of Kubernetes resource quantities for the scheduler and the resize checks.
//!
//! Model: a quantity is a decimal number with an optional exponent (`1e3`) or one suffix: binary
//! (`Ki`…`Ei`), decimal (`n`, `u`, `m`, `k`, `M`, `G`, `T`, `P`, `E`). It is converted to an integer
//! count of *milli*-units (millicores for cpu; thousandths of a byte for memory), rounding up like
//! `resource.Quantity.MilliValue` does. Arithmetic is done in `i128`, so every quantity a real
//! cluster accepts fits; anything else (bad syntax, overflow) is an error naming the input.

/// A quantity that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Not a number with an optional known suffix.
    #[error("quantity {0:?} is not a decimal number with an optional suffix (m, k, Mi, Gi, e3, ...)")]
    Syntax(String),
    /// Too large to represent.
    #[error("quantity {0:?} is too large")]
    Overflow(String),
}

/// Parse `text` into milli-units (`"250m"` → 250, `"1"` → 1000, `"1Ki"` → 1 024 000), rounding up.
pub fn parse_milli(text: &str) -> Result<i128, QuantityError> {
    let syntax = || QuantityError::Syntax(text.to_owned());
    let overflow = || QuantityError::Overflow(text.to_owned());
    let trimmed = text.trim();
    let (negative, unsigned) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let split = unsigned.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(split);
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty() || frac_part.contains('.') {
        return Err(syntax());
    }
    // (multiplier numerator, power of ten) applied to the mantissa.
    let (binary, exp10): (i128, i32) = match suffix {
        "" => (1, 0),
        "n" => (1, -9),
        "u" => (1, -6),
        "m" => (1, -3),
        "k" => (1, 3),
        "M" => (1, 6),
        "G" => (1, 9),
        "T" => (1, 12),
        "P" => (1, 15),
        "E" => (1, 18),
        "Ki" => (1 << 10, 0),
        "Mi" => (1 << 20, 0),
        "Gi" => (1 << 30, 0),
        "Ti" => (1 << 40, 0),
        "Pi" => (1 << 50, 0),
        "Ei" => (1 << 60, 0),
        s if s.starts_with(['e', 'E']) => (1, s[1..].parse::<i32>().map_err(|_| syntax())?),
        _ => return Err(syntax()),
    };
    let digits: String = format!("{int_part}{frac_part}");
    if digits.len() > 30 {
        return Err(overflow());
    }
    let mantissa: i128 = if digits.is_empty() { 0 } else { digits.parse().map_err(|_| syntax())? };
    // value = mantissa * binary * 10^(exp10 - frac_len) units; in milli-units add 3 to the power.
    let power = exp10 - frac_part.len() as i32 + 3;
    let scaled = mantissa.checked_mul(binary).ok_or_else(overflow)?;
    let milli = if power >= 0 {
        let factor = 10i128.checked_pow(power.unsigned_abs()).ok_or_else(overflow)?;
        scaled.checked_mul(factor).ok_or_else(overflow)?
    } else if power < -36 {
        i128::from(scaled > 0)
    } else {
        let divisor = 10i128.pow(power.unsigned_abs());
        // Round up, as MilliValue does for positive values.
        scaled.checked_add(divisor - 1).ok_or_else(overflow)? / divisor
    };
    Ok(if negative { -milli } else { milli })
}

/// Milli-units of a JSON quantity (a string, or a bare number as some clients send), `0` when absent.
pub fn milli_of(value: &serde_json::Value) -> Result<i128, QuantityError> {
    match value {
        serde_json::Value::Null => Ok(0),
        serde_json::Value::String(s) => parse_milli(s),
        serde_json::Value::Number(n) => parse_milli(&n.to_string()),
        other => Err(QuantityError::Syntax(other.to_string())),
    }
}

/// Whole units, rounded up (millicores → cores is not what this is for; it turns memory
/// milli-bytes into bytes).
pub fn units_from_milli(milli: i128) -> i128 {
    (milli + 999).div_euclid(1000)
}

#[cfg(test)]
mod tests {
    use super::{QuantityError, parse_milli, units_from_milli};

    // Values after apimachinery pkg/api/resource TestQuantityParse / TestMilliValue.
    #[test]
    fn quantities_parse_to_exact_milli_units() {
        let table: &[(&str, i128)] = &[
            ("0", 0),
            ("1", 1000),
            ("250m", 250),
            ("0.5", 500),
            (".5", 500),
            ("1.5", 1500),
            ("100m", 100),
            ("1k", 1_000_000),
            ("1Ki", 1_024_000),
            ("128Mi", 134_217_728_000),
            ("16Gi", 17_179_869_184_000),
            ("1e3", 1_000_000),
            ("1E-3", 1),
            ("1n", 1),
            ("1u", 1),
            ("1500u", 2),
            ("-1", -1000),
            ("+2", 2000),
            ("1.1Gi", 1_181_116_006_400),
        ];
        for (text, want) in table {
            assert_eq!(parse_milli(text), Ok(*want), "{text}");
        }
    }

    #[test]
    fn garbage_is_a_syntax_error_naming_the_input() {
        for bad in ["", "abc", "1Qi", "1..2", "m", "1e"] {
            assert_eq!(parse_milli(bad), Err(QuantityError::Syntax(bad.to_owned())), "{bad}");
        }
    }

    #[test]
    fn huge_values_overflow_instead_of_panicking() {
        assert!(matches!(parse_milli("99999999999999999999999999999Ei"), Err(QuantityError::Overflow(_))));
        assert!(matches!(parse_milli("1e400"), Err(QuantityError::Overflow(_))));
    }

    proptest::proptest! {
        #[test]
        fn parsing_any_text_never_panics(text in ".{0,40}") {
            let _ = parse_milli(&text);
        }

        #[test]
        fn millis_and_whole_units_agree(n in 0_i64..1_000_000_000) {
            proptest::prop_assert_eq!(parse_milli(&format!("{n}m")), Ok(i128::from(n)));
            proptest::prop_assert_eq!(parse_milli(&n.to_string()), Ok(i128::from(n) * 1000));
            proptest::prop_assert_eq!(parse_milli(&format!("{n}Ki")), Ok(i128::from(n) * 1_024_000));
        }
    }

    #[test]
    fn milli_bytes_round_up_to_bytes() {
        assert_eq!(units_from_milli(1), 1);
        assert_eq!(units_from_milli(1000), 1);
        assert_eq!(units_from_milli(1001), 2);
    }
}
