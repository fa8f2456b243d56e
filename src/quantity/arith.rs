//! Exact arithmetic on [`Quantity`] values.
//!
//! Sums, differences and integer products are exact or an error (never rounded, never wrapped); only
//! the division-like operations round, and only in the [`Rounding`] mode the caller names. Result
//! formats follow Go: the receiver's format, except that a zero receiver takes the other operand's
//! format in additions and subtractions (Go `Add`/`Sub`).

use std::ops::Neg;

use super::{Format, Quantity, QuantityError, pow10};

/// How an inexact quotient is rounded; the names follow Go's `gopkg.in/inf.v0` rounders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// Away from zero (`inf.RoundUp`, what Kubernetes uses for `Value`/`MilliValue`).
    Up,
    /// Towards zero, i.e. truncation (`inf.RoundDown`).
    Down,
    /// Towards +∞ (`inf.RoundCeil`).
    Ceiling,
    /// Towards −∞ (`inf.RoundFloor`).
    Floor,
    /// To nearest, ties away from zero (`inf.RoundHalfUp`).
    HalfUp,
    /// To nearest, ties to the even neighbour (`inf.RoundHalfEven`, banker's rounding).
    HalfEven,
}

impl Quantity {
    /// `self + rhs`, exactly; mirrors Go `Quantity.Add` (a zero receiver takes `rhs`'s format).
    pub fn checked_add(self, rhs: Self) -> Result<Self, QuantityError> {
        let format = if self.is_zero() { rhs.format } else { self.format };
        combine(self, rhs, format, i128::checked_add).ok_or(QuantityError::AddOverflow { lhs: self, rhs })
    }

    /// `self - rhs`, exactly; mirrors Go `Quantity.Sub` (a zero receiver takes `rhs`'s format).
    pub fn checked_sub(self, rhs: Self) -> Result<Self, QuantityError> {
        let format = if self.is_zero() { rhs.format } else { self.format };
        combine(self, rhs, format, i128::checked_sub).ok_or(QuantityError::SubOverflow { lhs: self, rhs })
    }

    /// The exact sum of `items`, starting from zero in [`Format::DecimalSI`] (so the first non-zero
    /// item's format wins, as repeated Go `Add` calls on a zero quantity would give).
    pub fn checked_sum<I: IntoIterator<Item = Self>>(items: I) -> Result<Self, QuantityError> {
        items.into_iter().try_fold(Self::default(), Self::checked_add)
    }

    /// `self × factor`, exactly; mirrors Go `Quantity.Mul` (format kept).
    pub fn mul_int(self, factor: i64) -> Result<Self, QuantityError> {
        self.mantissa
            .checked_mul(i128::from(factor))
            .and_then(|m| Self::from_raw(m, self.exponent, self.format))
            .ok_or(QuantityError::MulOverflow { quantity: self, factor })
    }

    /// `self × numerator / denominator`, rounded with `rounding` to nano precision (or to the value's
    /// own precision when that is finer); format kept. Go has no direct equivalent: it is
    /// `inf.Dec.QuoRound(self × numerator, denominator, max(9, scale), rounding)`.
    pub fn mul_ratio(
        self,
        numerator: i64,
        denominator: i64,
        rounding: Rounding,
    ) -> Result<Self, QuantityError> {
        if denominator == 0 {
            return Err(QuantityError::DivisionByZero { quantity: self });
        }
        if self.is_zero() || numerator == 0 {
            return Ok(Self::zero(self.format));
        }
        let target = self.exponent.min(-9);
        pow10(self.exponent - target)
            .and_then(|p| self.mantissa.checked_mul(p))
            .and_then(|m| m.checked_mul(i128::from(numerator)))
            .and_then(|m| div_round(m, i128::from(denominator), rounding))
            .and_then(|m| Self::from_raw(m, target, self.format))
            .ok_or(QuantityError::RatioOverflow { quantity: self, numerator, denominator })
    }

    /// `self / divisor`, rounded with `rounding` to nano precision (or finer, see
    /// [`Quantity::mul_ratio`]); format kept.
    pub fn div_int(self, divisor: i64, rounding: Rounding) -> Result<Self, QuantityError> {
        self.mul_ratio(1, divisor, rounding)
    }
}

impl Neg for Quantity {
    type Output = Self;

    /// Exact negation (the mantissa is never `i128::MIN`); mirrors Go `Neg`, format kept.
    fn neg(self) -> Self {
        Self { mantissa: -self.mantissa, ..self }
    }
}

/// Applies `op` to the aligned mantissas of `a` and `b`; `None` when anything overflows.
fn combine(a: Quantity, b: Quantity, format: Format, op: fn(i128, i128) -> Option<i128>) -> Option<Quantity> {
    // A zero's exponent means nothing; aligning to it could overflow for no reason.
    if b.is_zero() {
        return Some(a.with_format(format));
    }
    if a.is_zero() {
        return op(0, b.mantissa).and_then(|m| Quantity::from_raw(m, b.exponent, format));
    }
    let exponent = a.exponent.min(b.exponent);
    let ma = a.mantissa.checked_mul(pow10(a.exponent - exponent)?)?;
    let mb = b.mantissa.checked_mul(pow10(b.exponent - exponent)?)?;
    Quantity::from_raw(op(ma, mb)?, exponent, format)
}

/// `n / d` rounded with `rounding`; `None` for `d == 0` or the one overflowing `i128::MIN / -1`.
pub(super) fn div_round(n: i128, d: i128, rounding: Rounding) -> Option<i128> {
    let (q, r) = (n.checked_div(d)?, n.checked_rem(d)?);
    if r == 0 {
        return Some(q);
    }
    // The sign of the exact quotient; truncation moved q towards zero.
    let away = if (n < 0) == (d < 0) { 1 } else { -1 };
    let (r, d) = (r.unsigned_abs(), d.unsigned_abs());
    // Compare 2r with d without overflowing: r versus d - r.
    let rest = d - r;
    let bump = match rounding {
        Rounding::Up => true,
        Rounding::Down => false,
        Rounding::Ceiling => away > 0,
        Rounding::Floor => away < 0,
        Rounding::HalfUp => r >= rest,
        Rounding::HalfEven => r > rest || (r == rest && q % 2 != 0),
    };
    // |d| >= 2 here, so |q| <= |n| / 2 and the bump cannot overflow.
    Some(if bump { q + away } else { q })
}
