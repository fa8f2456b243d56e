//! Canonical printing, byte-for-byte what Go `Quantity.String()` (`CanonicalizeBytes`) emits.
//!
//! Rules (Go's): zero is `0`; otherwise the exponent is the largest multiple of 3 (decimal) or of
//! `2^10` (binary) that keeps an integer mantissa, so no fraction is ever printed. `BinarySI` values
//! with magnitude below 1024 or with a fractional part print as `DecimalSI`. A `DecimalSI` exponent
//! without an SI letter (below `n` or above `E`) falls back to `e<exp>`, as current Go does.

use std::fmt;

use super::{Format, Quantity};

const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mantissa == 0 {
            return f.write_str("0");
        }
        let sign = if self.mantissa < 0 { "-" } else { "" };
        if self.format == Format::BinarySI
            && let Some((magnitude, power)) = binary_parts(self)
        {
            return write!(f, "{sign}{magnitude}{}", BINARY_SUFFIXES[power]);
        }
        // Round the exponent down to a multiple of 3 and pay for it with trailing zeros.
        let exponent = self.exponent.div_euclid(3) * 3;
        let zeros = (self.exponent - exponent) as usize;
        write!(f, "{sign}{}{:0<zeros$}", self.mantissa.unsigned_abs(), "")?;
        match (self.format, decimal_si_suffix(exponent)) {
            (Format::DecimalSI | Format::BinarySI, Some(suffix)) => f.write_str(suffix),
            (_, _) if exponent == 0 => Ok(()),
            (_, _) => write!(f, "e{exponent}"),
        }
    }
}

/// The integer magnitude and power of 1024 to print a `BinarySI` value with, or `None` when Go would
/// print it as `DecimalSI` (below 1024, fractional, or too large to factor here).
fn binary_parts(q: &Quantity) -> Option<(u128, usize)> {
    // A normalised negative exponent means a fractional value.
    let exponent = u32::try_from(q.exponent).ok()?;
    let mut magnitude = q.mantissa.unsigned_abs().checked_mul(10u128.checked_pow(exponent)?)?;
    if magnitude < 1024 {
        return None;
    }
    let mut power = 0;
    while power < BINARY_SUFFIXES.len() - 1 && magnitude % 1024 == 0 {
        magnitude /= 1024;
        power += 1;
    }
    Some((magnitude, power))
}

fn decimal_si_suffix(exponent: i64) -> Option<&'static str> {
    Some(match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        _ => return None,
    })
}

/// Go `math.Pow10`: exact table values combined in the same two steps, so products round like Go's.
pub(super) fn go_pow10(n: i64) -> f64 {
    const SMALL: [f64; 32] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
    ];
    const POS32: [f64; 10] = [1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288];
    const NEG32: [f64; 11] =
        [1e-0, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320];
    match n {
        0..=308 => POS32[(n / 32) as usize] * SMALL[(n % 32) as usize],
        -323..=-1 => NEG32[(-n / 32) as usize] / SMALL[(-n % 32) as usize],
        309.. => f64::INFINITY,
        _ => 0.0,
    }
}
