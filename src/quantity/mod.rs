//! Exact Kubernetes quantities, compatible with Go's `k8s.io/apimachinery/pkg/api/resource.Quantity`.
//!
//! # Model
//!
//! A [`Quantity`] is a decimal number `mantissa × 10^exponent` held exactly (an `i128` mantissa and an
//! `i64` exponent, never a float) plus the [`Format`] Go remembers from parsing and uses again when the
//! value is printed. Arithmetic and comparison are exact; only [`Quantity::as_approximate_f64`] leaves the
//! exact domain.
//!
//! # Invariants
//!
//! - The pair is normalised: the mantissa has no trailing decimal zero (zero is stored as `0 × 10^0`), so
//!   each value has exactly one representation and `Eq`/`Hash` on the pair are value equality
//!   (`1Gi == 1073741824`, `1000m == 1`); the format never takes part in equality or ordering.
//! - The mantissa is never `i128::MIN`, so negation is always exact.
//! - Parsing rounds like Go: a non-zero value finer than a nano-unit is rounded away from zero to `1n`
//!   precision, so every parsed quantity has `exponent >= -9`. Constructors may go finer, as in Go.
//!
//! # Where this deliberately differs from Go
//!
//! - Go falls back to an unbounded `inf.Dec` for huge values. Here the significant digits must fit an
//!   `i128` (38 decimal digits, after the nano rounding) and a suffix exponent must fit an `i32`; larger
//!   inputs are rejected with a [`QuantityError`] naming them instead of wrapping (Go truncates the
//!   exponent of `1e4294967296` to 32 bits and reads it as `1`). Arithmetic whose exact result needs more
//!   than 38 significant digits returns an error instead of growing. A value built (not parsed) with
//!   an exponent beyond `i32::MAX` prints an exponent the parser then rejects; Go cannot hold it at all.
//! - Go prints a `BinarySI` multiple of `1024^7` or more without its suffix (silently wrong); here the
//!   binary suffix stops at `Ei` (`1024Ei`), and a `BinarySI` integer beyond `u128` (reachable only
//!   through arithmetic) prints as `DecimalSI`. Parsing still caps `BinarySI` values at `2^63 - 1`, as
//!   Go does.
//! - `Value`, `MilliValue` and `ScaledValue` saturate at `i64::MIN`/`i64::MAX` (Go's `int64Amount` path
//!   does; its `inf.Dec` path wraps or rounds negative values towards zero, which is not reproduced).
//! - `as_approximate_f64` reproduces Go's formula (`mantissa as f64 * math.Pow10(exponent)`) on the
//!   normalised pair; Go applies it to whatever unnormalised pair it happens to hold, so the last bit may
//!   differ from Go for some inputs.

mod arith;
mod format;
mod parse;
mod serde_impl;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

pub use arith::Rounding;

/// How a quantity is printed; Go remembers it from the parsed suffix and reuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Base-10 exponent notation, e.g. `12e6`, `1e-3`.
    DecimalExponent,
    /// Powers of 1024 with binary suffixes, e.g. `12Mi`; values below 1024 or with a fraction print as
    /// [`Format::DecimalSI`].
    BinarySI,
    /// Powers of 1000 with SI suffixes, e.g. `12M`, `100m`, `7990556n`.
    #[default]
    DecimalSI,
}

/// Everything that can go wrong parsing, building or computing with a [`Quantity`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The input string was empty.
    #[error("an empty string is not a quantity")]
    Empty,
    /// The input does not have the shape `<sign><digits>.<digits><suffix>`.
    #[error(
        "quantity {input:?} is malformed: expected an optional sign, digits with at most one '.', \
         then an optional suffix, with no spaces"
    )]
    Malformed {
        /// The rejected input.
        input: String,
    },
    /// The suffix is not one Kubernetes knows.
    #[error(
        "quantity {input:?} has unknown suffix {suffix:?}: expected one of n u m k M G T P E, \
         Ki Mi Gi Ti Pi Ei, or e/E followed by an integer exponent"
    )]
    UnknownSuffix {
        /// The rejected input.
        input: String,
        /// The suffix part of the input.
        suffix: String,
    },
    /// An `e`/`E` exponent does not fit a 32-bit integer (Go would silently truncate it).
    #[error("quantity {input:?} has an exponent outside the 32-bit range")]
    ExponentOutOfRange {
        /// The rejected input.
        input: String,
    },
    /// The input carries more significant digits than the exact representation holds.
    #[error("quantity {input:?} has more than 38 significant digits, which bellows cannot hold exactly")]
    TooPrecise {
        /// The rejected input.
        input: String,
    },
    /// [`Quantity::parse_strict`] found no digit (Go reads `"Ki"`, `"."` or `"-"` as zero).
    #[error("quantity {input:?} has no digits")]
    NoDigits {
        /// The rejected input.
        input: String,
    },
    /// [`Quantity::from_decimal`] was given `i128::MIN`, whose negation does not exist.
    #[error("mantissa {mantissa} is outside the exact quantity range")]
    MantissaOutOfRange {
        /// The rejected mantissa.
        mantissa: i128,
    },
    /// An addition needs more than 38 significant digits.
    #[error("{lhs} + {rhs} needs more than 38 significant digits")]
    AddOverflow {
        /// Left operand.
        lhs: Quantity,
        /// Right operand.
        rhs: Quantity,
    },
    /// A subtraction needs more than 38 significant digits.
    #[error("{lhs} - {rhs} needs more than 38 significant digits")]
    SubOverflow {
        /// Left operand.
        lhs: Quantity,
        /// Right operand.
        rhs: Quantity,
    },
    /// A multiplication by an integer needs more than 38 significant digits.
    #[error("{quantity} * {factor} needs more than 38 significant digits")]
    MulOverflow {
        /// The quantity being multiplied.
        quantity: Quantity,
        /// The integer factor.
        factor: i64,
    },
    /// A scaling by `numerator / denominator` needs more than 38 significant digits.
    #[error("{quantity} * {numerator} / {denominator} needs more than 38 significant digits")]
    RatioOverflow {
        /// The quantity being scaled.
        quantity: Quantity,
        /// Numerator of the ratio.
        numerator: i64,
        /// Denominator of the ratio.
        denominator: i64,
    },
    /// A scaling or division by zero.
    #[error("cannot divide {quantity} by zero")]
    DivisionByZero {
        /// The quantity being divided.
        quantity: Quantity,
    },
}

/// Name kept for callers that only parse; parsing errors are the parse variants of [`QuantityError`].
pub type ParseQuantityError = QuantityError;

/// An exact Kubernetes resource quantity (`100m`, `1Gi`, `7990556n`, `12e6`).
///
/// Equality, ordering and hashing are by value and ignore the [`Format`].
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    mantissa: i128,
    exponent: i64,
    format: Format,
}

impl Default for Quantity {
    /// Zero in [`Format::DecimalSI`], like Go's `MustParse("0")`.
    fn default() -> Self {
        Self::zero(Format::DecimalSI)
    }
}

impl Quantity {
    /// Zero in the given format (it always prints as `0`).
    pub const fn zero(format: Format) -> Self {
        Self { mantissa: 0, exponent: 0, format }
    }

    /// `value` units in `format`; mirrors Go `NewQuantity`.
    pub fn new(value: i64, format: Format) -> Self {
        Self::normalised(i128::from(value), 0, format)
    }

    /// `value / 1000` in `format`; mirrors Go `NewMilliQuantity`.
    pub fn new_milli(value: i64, format: Format) -> Self {
        Self::normalised(i128::from(value), -3, format)
    }

    /// `value × 10^scale` in [`Format::DecimalSI`]; mirrors Go `NewScaledQuantity`.
    pub fn new_scaled(value: i64, scale: i32) -> Self {
        Self::normalised(i128::from(value), i64::from(scale), Format::DecimalSI)
    }

    /// CPU usage as metrics-server reports it: `NewScaledQuantity(n, Nano)`, printing e.g. `7990556n`.
    pub fn from_nanocores(nanocores: u64) -> Self {
        Self::normalised(i128::from(nanocores), -9, Format::DecimalSI)
    }

    /// Memory as metrics-server reports it: `NewQuantity(b, BinarySI)`, printing e.g. `14064Ki`.
    pub fn from_bytes(bytes: u64) -> Self {
        Self::normalised(i128::from(bytes), 0, Format::BinarySI)
    }

    /// `mantissa × 10^exponent` in `format`, exactly; the only rejected mantissa is `i128::MIN`.
    pub fn from_decimal(mantissa: i128, exponent: i32, format: Format) -> Result<Self, QuantityError> {
        Self::from_raw(mantissa, i64::from(exponent), format)
            .ok_or(QuantityError::MantissaOutOfRange { mantissa })
    }

    /// Parses the Kubernetes quantity grammar exactly as Go `ParseQuantity` does, including its
    /// rounding of sub-nano values away from zero and its reading of digit-less inputs such as `"Ki"`,
    /// `"."` and `"-"` as zero (use [`Quantity::parse_strict`] to reject those).
    pub fn parse(input: &str) -> Result<Self, QuantityError> {
        parse::parse(input, false)
    }

    /// Like [`Quantity::parse`] but rejects inputs without a single digit in the number part.
    pub fn parse_strict(input: &str) -> Result<Self, QuantityError> {
        parse::parse(input, true)
    }

    /// The remembered print format.
    pub fn format(self) -> Format {
        self.format
    }

    /// The same value with another print format (Go lets callers set `Format` at will).
    #[must_use]
    pub fn with_format(self, format: Format) -> Self {
        Self { format, ..self }
    }

    /// Normalised mantissa: no trailing decimal zero, `0` for zero.
    pub fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// Normalised base-10 exponent: `value == mantissa × 10^exponent`.
    pub fn exponent(self) -> i64 {
        self.exponent
    }

    /// True for any zero, whatever its format.
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// `-1`, `0` or `1`; mirrors Go `Sign`.
    pub fn sign(self) -> i32 {
        self.mantissa.signum() as i32
    }

    /// Whole units, rounded away from zero, saturating at the `i64` rails; mirrors Go `Value`.
    pub fn value(self) -> i64 {
        self.scaled_value(0)
    }

    /// Thousandths, rounded away from zero, saturating at the `i64` rails; mirrors Go `MilliValue`.
    pub fn milli_value(self) -> i64 {
        self.scaled_value(-3)
    }

    /// `self / 10^scale` rounded away from zero, saturating at the `i64` rails; mirrors Go
    /// `ScaledValue` (whose `int64Amount` path saturates the same way).
    pub fn scaled_value(self, scale: i32) -> i64 {
        match self.checked_scaled_value(scale) {
            Some(v) => v,
            None if self.mantissa < 0 => i64::MIN,
            None => i64::MAX,
        }
    }

    /// `self / 10^scale` rounded away from zero, or `None` when it does not fit an `i64`.
    pub fn checked_scaled_value(self, scale: i32) -> Option<i64> {
        let scaled = self.rescale(i64::from(scale), Rounding::Up)?;
        i64::try_from(scaled).ok()
    }

    /// The value rounded away from zero to a multiple of `10^scale`, and whether that was exact;
    /// mirrors Go `RoundUp` (which never makes a value finer).
    #[must_use]
    pub fn round_up(self, scale: i32) -> (Self, bool) {
        let scale = i64::from(scale);
        if self.mantissa == 0 || self.exponent >= scale {
            return (self, true);
        }
        // The mantissa carries no trailing zero, so dropping any digit loses precision; the rounded
        // result has magnitude at most 10^38 / 10 + 1 and always fits.
        let rounded = self.rescale(scale, Rounding::Up).unwrap_or(self.mantissa.signum());
        (Self::normalised(rounded, scale, self.format), false)
    }

    /// A lossy `f64`, with Go `AsApproximateFloat64` semantics (`±Inf` beyond the `f64` range).
    pub fn as_approximate_f64(self) -> f64 {
        let base = self.mantissa as f64;
        if self.exponent == 0 {
            return base;
        }
        base * format::go_pow10(self.exponent)
    }

    /// `mantissa × 10^(exponent - scale)` rounded with `rounding`, or `None` on `i128` overflow.
    fn rescale(self, scale: i64, rounding: Rounding) -> Option<i128> {
        if self.mantissa == 0 {
            return Some(0);
        }
        let shift = self.exponent - scale;
        if shift >= 0 {
            return self.mantissa.checked_mul(pow10(shift)?);
        }
        let down = shift.unsigned_abs();
        match u32::try_from(down).ok().and_then(|d| 10i128.checked_pow(d)) {
            Some(divisor) => arith::div_round(self.mantissa, divisor, rounding),
            // The divisor exceeds every mantissa: the quotient is 0 with a non-zero remainder.
            None => arith::div_round(self.mantissa.signum(), i128::MAX, rounding),
        }
    }

    /// Builds a normalised quantity; `None` only for `i128::MIN`.
    fn from_raw(mantissa: i128, exponent: i64, format: Format) -> Option<Self> {
        if mantissa == i128::MIN {
            return None;
        }
        if mantissa == 0 {
            return Some(Self::zero(format));
        }
        let (mut mantissa, mut exponent) = (mantissa, exponent);
        while mantissa % 10 == 0 {
            mantissa /= 10;
            exponent += 1;
        }
        Some(Self { mantissa, exponent, format })
    }

    /// [`Quantity::from_raw`] for mantissas known not to be `i128::MIN` (anything from an `i64`).
    fn normalised(mantissa: i128, exponent: i64, format: Format) -> Self {
        Self::from_raw(mantissa, exponent, format).unwrap_or(Self::zero(format))
    }
}

/// `10^k` as an `i128`, or `None` when it does not fit (`k > 38`) or `k` is negative.
fn pow10(k: i64) -> Option<i128> {
    10i128.checked_pow(u32::try_from(k).ok()?)
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.mantissa == other.mantissa && self.exponent == other.exponent
    }
}

impl Eq for Quantity {}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Normalisation makes (mantissa, exponent) unique per value, which keeps Hash in step with Eq.
        self.mantissa.hash(state);
        self.exponent.hash(state);
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    /// By value, like Go `Cmp`; never overflows, whatever the exponents.
    fn cmp(&self, other: &Self) -> Ordering {
        let (sa, sb) = (self.mantissa.signum(), other.mantissa.signum());
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        let magnitude = cmp_magnitude(
            self.mantissa.unsigned_abs(),
            self.exponent,
            other.mantissa.unsigned_abs(),
            other.exponent,
        );
        if sa > 0 { magnitude } else { magnitude.reverse() }
    }
}

/// Compares `a × 10^ea` with `b × 10^eb` for non-zero magnitudes.
fn cmp_magnitude(a: u128, ea: i64, b: u128, eb: i64) -> Ordering {
    // Orders of magnitude decide first, so far-apart exponents are never aligned.
    let order_a = i64::from(a.ilog10()) + ea;
    let order_b = i64::from(b.ilog10()) + eb;
    if order_a != order_b {
        return order_a.cmp(&order_b);
    }
    // Same order of magnitude: the exponents differ by at most 38, so 10^shift fits a u128, and a
    // product too large for a u128 is larger than the other operand.
    let shifted = |m: u128, shift: i64| {
        u32::try_from(shift).ok().and_then(|s| 10u128.checked_pow(s)).and_then(|p| m.checked_mul(p))
    };
    if ea >= eb {
        shifted(a, ea - eb).map_or(Ordering::Greater, |a| a.cmp(&b))
    } else {
        shifted(b, eb - ea).map_or(Ordering::Less, |b| a.cmp(&b))
    }
}
