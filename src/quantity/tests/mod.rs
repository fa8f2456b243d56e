//! Tests for `quantity`: upstream apimachinery tables ported by value (`quantity_test.go`,
//! `amount_test.go`), bellows-specific cases, and property tests.
#![allow(clippy::float_cmp)]

mod arith;
mod convert;
mod format;
mod json;
mod parse;
mod props;

use super::{Format, Quantity};

/// Parses a quantity the test knows to be valid.
fn q(input: &str) -> Quantity {
    Quantity::parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"))
}

/// Go's `decQuantity(i, exponent, format)`: exactly `i × 10^exponent`.
fn dec(mantissa: i128, exponent: i32, format: Format) -> Quantity {
    Quantity::from_decimal(mantissa, exponent, format).expect("test mantissa is in range")
}

/// Go's `mostPositive` / `mostNegative`.
const MOST_POSITIVE: i128 = i64::MAX as i128;
const MOST_NEGATIVE: i128 = i64::MIN as i128;
