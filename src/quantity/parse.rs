//! The quantity grammar, scanned exactly like Go `parseQuantityString` + `ParseQuantity`.
//!
//! ```text
//! <quantity> ::= <sign>? <digits>? ('.' <digits>?)? <suffix>
//! <suffix>   ::= "" | n u m k M G T P E | Ki Mi Gi Ti Pi Ei | (e|E) <sign>? <digits>
//! ```
//!
//! Like Go, the number part may be empty (`"Ki"`, `"."`, `"-"` all read as zero) and the scanner first
//! accepts any run of suffix letters, then checks it against the table; `E` alone is the exa suffix,
//! `E3` an exponent. Values are rounded away from zero to nano precision; `BinarySI` magnitudes are
//! capped at `2^63 - 1` and a `BinarySI` value strictly between -1 and 1 switches to `DecimalSI`.

use super::{Format, Quantity, QuantityError};

/// Letters Go's scanner accepts in a suffix before validating it.
const SUFFIX_LETTERS: &[u8] = b"eEinumkKMGTP";

/// Go's `maxAllowed` cap for binary quantities: `2^63 - 1`.
const BINARY_CAP: u128 = i64::MAX as u128;

/// What the suffix multiplies the number by.
enum Multiplier {
    /// `10^exponent`.
    Decimal(i64),
    /// `2^exponent`.
    Binary(u32),
}

pub(super) fn parse(input: &str, strict: bool) -> Result<Quantity, QuantityError> {
    if input.is_empty() {
        return Err(QuantityError::Empty);
    }
    let bytes = input.as_bytes();
    let negative = bytes[0] == b'-';
    let mut pos = usize::from(matches!(bytes[0], b'-' | b'+'));
    let integer = scan_digits(input, &mut pos);
    let mut fraction = "";
    if bytes.get(pos) == Some(&b'.') {
        pos += 1;
        fraction = scan_digits(input, &mut pos);
    }
    let suffix = &input[pos..];
    if !is_suffix_shaped(suffix.as_bytes()) {
        return Err(QuantityError::Malformed { input: input.to_owned() });
    }
    if strict && integer.is_empty() && fraction.is_empty() {
        return Err(QuantityError::NoDigits { input: input.to_owned() });
    }
    let (multiplier, format) = interpret(input, suffix)?;

    // Significant digits of integer+fraction, and the power of ten their last digit stands for.
    let mut digits: Vec<u8> =
        integer.bytes().chain(fraction.bytes()).skip_while(|&c| c == b'0').map(|c| c - b'0').collect();
    let mut exponent = -(fraction.len() as i64);
    while digits.last() == Some(&0) {
        digits.pop();
        exponent += 1;
    }
    if digits.is_empty() {
        return Ok(Quantity::zero(format));
    }

    let too_precise = || QuantityError::TooPrecise { input: input.to_owned() };
    let (magnitude, exponent, format) = match multiplier {
        Multiplier::Decimal(shift) => {
            let (m, e) = round_decimal(&digits, exponent + shift).ok_or_else(too_precise)?;
            (m, e, format)
        }
        Multiplier::Binary(power) => round_binary(&digits, exponent, power).ok_or_else(too_precise)?,
    };
    let magnitude = i128::try_from(magnitude).map_err(|_| too_precise())?;
    let mantissa = if negative { -magnitude } else { magnitude };
    Quantity::from_raw(mantissa, exponent, format).ok_or_else(too_precise)
}

/// Advances `pos` over ASCII digits and returns them.
fn scan_digits<'a>(input: &'a str, pos: &mut usize) -> &'a str {
    let start = *pos;
    while input.as_bytes().get(*pos).is_some_and(u8::is_ascii_digit) {
        *pos += 1;
    }
    &input[start..*pos]
}

/// Go's suffix scan: suffix letters, an optional sign, digits, and nothing else.
fn is_suffix_shaped(suffix: &[u8]) -> bool {
    let letters = suffix.iter().take_while(|c| SUFFIX_LETTERS.contains(c)).count();
    let mut rest = &suffix[letters..];
    if let [b'+' | b'-', tail @ ..] = rest {
        rest = tail;
    }
    rest.iter().all(u8::is_ascii_digit)
}

/// Go `quantitySuffixer.interpret`: the suffix table, then `e`/`E` exponents.
fn interpret(input: &str, suffix: &str) -> Result<(Multiplier, Format), QuantityError> {
    let decimal = |e| Ok((Multiplier::Decimal(e), Format::DecimalSI));
    let binary = |e| Ok((Multiplier::Binary(e), Format::BinarySI));
    match suffix {
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "" => decimal(0),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let unknown =
                || QuantityError::UnknownSuffix { input: input.to_owned(), suffix: suffix.to_owned() };
            let Some(digits) = suffix.strip_prefix(['e', 'E']).filter(|d| !d.is_empty()) else {
                return Err(unknown());
            };
            // Go's strconv.ParseInt accepts an explicit '+' just like Rust's parser.
            let exponent: i64 = match digits.parse() {
                Ok(e) => e,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                    ) =>
                {
                    return Err(QuantityError::ExponentOutOfRange { input: input.to_owned() });
                }
                Err(_) => return Err(unknown()),
            };
            // Go truncates to int32 here; refusing is the only honest alternative.
            let exponent = i32::try_from(exponent)
                .map_err(|_| QuantityError::ExponentOutOfRange { input: input.to_owned() })?;
            Ok((Multiplier::Decimal(i64::from(exponent)), Format::DecimalExponent))
        }
    }
}

/// `digits × 10^exponent` rounded away from zero to nano precision, as (magnitude, exponent).
fn round_decimal(digits: &[u8], exponent: i64) -> Option<(u128, i64)> {
    if exponent >= -9 {
        return Some((to_u128(digits)?, exponent));
    }
    // Dropped digits end in a non-zero digit (trailing zeros were stripped), so always round up.
    let dropped = usize::try_from(-9 - exponent).unwrap_or(usize::MAX);
    let kept = &digits[..digits.len().saturating_sub(dropped)];
    Some((to_u128(kept)?.checked_add(1)?, -9))
}

/// `digits × 10^exponent × 2^power` rounded away from zero to nano precision, capped at `2^63 - 1`,
/// as (magnitude, exponent, format).
fn round_binary(digits: &[u8], exponent: i64, power: u32) -> Option<(u128, i64, Format)> {
    let scaled = to_u128(digits).and_then(|d| d.checked_mul(1u128 << power));
    if exponent >= 0 {
        // An integer of at least 1: anything too large for a u128 is far above the cap anyway.
        let value = scaled.and_then(|s| s.checked_mul(10u128.checked_pow(u32::try_from(exponent).ok()?)?));
        return Some((value.map_or(BINARY_CAP, |v| v.min(BINARY_CAP)), 0, Format::BinarySI));
    }
    let scaled = scaled?;
    let (magnitude, exponent) = if exponent >= -9 {
        (scaled, exponent)
    } else {
        let divisor = u32::try_from(-9 - exponent).ok().and_then(|d| 10u128.checked_pow(d));
        let rounded = divisor.map_or(1, |d| scaled / d + u128::from(scaled % d != 0));
        (rounded, -9)
    };
    let quantity = Quantity::from_raw(i128::try_from(magnitude).ok()?, exponent, Format::BinarySI)?;
    if quantity > Quantity::new(i64::MAX, Format::BinarySI) {
        return Some((BINARY_CAP, 0, Format::BinarySI));
    }
    // Go: a non-zero binary amount below one is shown in DecimalSI "to avoid rounding and confusion".
    let format =
        if quantity < Quantity::new(1, Format::BinarySI) { Format::DecimalSI } else { Format::BinarySI };
    Some((magnitude, exponent, format))
}

/// Decimal digit values to a `u128`, or `None` when they do not fit.
fn to_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| acc.checked_mul(10)?.checked_add(u128::from(d)))
}
