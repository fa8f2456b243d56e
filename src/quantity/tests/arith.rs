//! Arithmetic and comparison: Go `TestAdd`, `TestSub`, `TestMul`, `TestNeg`, `TestQuantityNeg`,
//! `TestQuantityCmp`, `TestQuantityCmpInt64AndDec`, `TestQuantityRoundUp`,
//! `TestQuantity{Add,Sub}ZeroPreservesSuffix`, `TestInt64AmountAdd`, plus the ratio helpers.

use std::cmp::Ordering;
use std::collections::HashSet;

use super::super::{Format, Quantity, QuantityError, Rounding};
use super::super::{Format::BinarySI as Bin, Format::DecimalSI as Si};
use super::{MOST_NEGATIVE, MOST_POSITIVE, dec, q};

fn zero() -> Quantity {
    Quantity::zero(Format::DecimalSI)
}

#[test]
fn go_add_table_sums_exactly_and_keeps_the_receiver_format() {
    // Go TestAdd: (a, b, expected)
    let table = [
        (dec(10, 0, Si), dec(1, 1, Si), dec(20, 0, Si)),
        (dec(10, 0, Si), dec(1, 0, Bin), dec(11, 0, Si)),
        (dec(10, 0, Bin), dec(1, 0, Si), dec(11, 0, Bin)),
        (zero(), dec(50, 0, Si), dec(50, 0, Si)),
        (dec(50, 0, Si), zero(), dec(50, 0, Si)),
        (zero(), zero(), dec(0, 0, Si)),
    ];
    for (a, b, expected) in table {
        let sum = a.checked_add(b).expect("no overflow");
        assert_eq!(sum, expected, "{a} + {b}");
        assert_eq!(sum.format(), if a.is_zero() { b.format() } else { a.format() });
    }
}

#[test]
fn go_sub_table_subtracts_exactly() {
    // Go TestSub
    let table = [
        (dec(10, 0, Si), dec(1, 1, Si), dec(0, 0, Si)),
        (dec(10, 0, Si), dec(1, 0, Bin), dec(9, 0, Si)),
        (dec(10, 0, Bin), dec(1, 0, Si), dec(9, 0, Bin)),
        (zero(), dec(50, 0, Si), dec(-50, 0, Si)),
        (dec(50, 0, Si), zero(), dec(50, 0, Si)),
        (zero(), zero(), dec(0, 0, Si)),
    ];
    for (a, b, expected) in table {
        assert_eq!(a.checked_sub(b).expect("no overflow"), expected, "{a} - {b}");
    }
}

#[test]
fn go_add_and_sub_with_zero_preserve_the_suffix() {
    // Go TestQuantityAddZeroPreservesSuffix / TestQuantitySubZeroPreservesSuffix
    for input in ["100m", "1Gi"] {
        let value = q(input);
        assert_eq!(value.checked_add(zero()).expect("ok").to_string(), input);
        assert_eq!(zero().checked_add(value).expect("ok").to_string(), input);
        assert_eq!(value.checked_sub(zero()).expect("ok").to_string(), input);
        assert_eq!(zero().checked_sub(value).expect("ok").to_string(), (-value).to_string());
    }
}

#[test]
fn go_int64_amount_add_table_sums_exactly() {
    // Go TestInt64AmountAdd (rows Go could only finish in inf.Dec are exact here too)
    let table = [
        ((100, 1), (10, 2), (200, 1)),
        ((100, 1), (1, 2), (110, 1)),
        ((-5, 2), (50, 1), (0, 1)),
        ((-5, 2), (5, 2), (0, 2)),
        ((MOST_POSITIVE, -1), (1, -1), (MOST_POSITIVE + 1, -1)),
        ((MOST_POSITIVE, -1), (0, -1), (MOST_POSITIVE, -1)),
        ((MOST_POSITIVE / 10, 1), (10, 0), (MOST_POSITIVE / 10 * 10 + 10, 0)),
    ];
    for ((am, ae), (bm, be), (cm, ce)) in table {
        let (a, b) = (dec(am, ae, Si), dec(bm, be, Si));
        assert_eq!(a.checked_add(b), Ok(dec(cm, ce, Si)), "{a} + {b}");
        assert_eq!(b.checked_add(a), Ok(dec(cm, ce, Si)), "{b} + {a}");
    }
    // Go's (100e1 + 1e100) row needs 98 digits: beyond the exact range, so an error here.
    let (a, b) = (dec(100, 1, Si), dec(1, 100, Si));
    assert_eq!(a.checked_add(b), Err(QuantityError::AddOverflow { lhs: a, rhs: b }));
}

#[test]
fn go_mul_table_multiplies_exactly() {
    // Go TestMul: every row, including those Go finishes in inf.Dec (ok == false there)
    let (p, n) = (MOST_POSITIVE, MOST_NEGATIVE);
    let table: [(i128, i32, Format, i64, i128, i32); 28] = [
        (10, 0, Si, 10, 100, 0),
        (10, 0, Si, 1, 10, 0),
        (10, 0, Bin, 1, 10, 0),
        (0, 0, Si, 50, 0, 0),
        (50, 0, Si, 0, 0, 0),
        (0, 0, Si, 0, 0, 0),
        (10, 0, Si, -10, -100, 0),
        (-10, 0, Si, 1, -10, 0),
        (10, 0, Bin, -1, -10, 0),
        (-50, 0, Si, 0, 0, 0),
        (-50, 0, Si, -50, 2500, 0),
        (0, 0, Si, -50, 0, 0),
        (p, 0, Si, 0, 0, 1),
        (p, 0, Si, 1, p, 0),
        (p, 0, Si, -1, -p, 0),
        (p / 2, 0, Si, 2, (p / 2) * 2, 0),
        (p / -2, 0, Si, -2, (p / 2) * 2, 0),
        (p, 0, Si, 2, p * 2, 0),
        (p, 0, Si, 10, p, 1),
        (p, 0, Si, -10, -p, 1),
        (n, 0, Si, 0, 0, 1),
        (n, 0, Si, 1, n, 0),
        (n, 0, Si, -1, p + 1, 0),
        (n / 2, 0, Si, 2, n, 0),
        (n / -2, 0, Si, -2, n, 0),
        (n, 0, Si, 2, n * 2, 0),
        (n, 0, Si, 10, n, 1),
        (n, 0, Si, -10, p + 1, 1),
    ];
    for (m, e, format, factor, em, ee) in table {
        let product = dec(m, e, format).mul_int(factor).expect("fits i128");
        assert_eq!(product, dec(em, ee, format), "{m}e{e} * {factor}");
        assert_eq!(product.format(), format);
    }
}

#[test]
fn go_neg_tables_negate_exactly_and_keep_the_format() {
    // Go TestNeg
    for (m, format) in [(0, Si), (10, Bin), (-10, Bin)] {
        let negated = -dec(m, 0, format);
        assert_eq!(negated, dec(-m, 0, format));
        assert_eq!(negated.format(), format);
    }
    // Go TestQuantityNeg
    assert_eq!((-dec(901, -2, Si)).to_string(), "-9010m");
    assert_eq!((-q("9.01")).to_string(), "-9010m");
}

#[test]
fn go_cmp_table_orders_parsed_quantities() {
    // Go TestQuantityCmp
    let table = [("0", "0", 0), ("100m", "50m", 1), ("50m", "100m", -1), ("10000T", "100Gi", 1)];
    for (x, y, expect) in table {
        assert_eq!(q(x).cmp(&q(y)), expect.cmp(&0), "{x} vs {y}");
    }
}

#[test]
fn go_cmp_int64_and_dec_table_orders_by_value_in_both_directions() {
    // Go TestQuantityCmpInt64AndDec: ((m, e), (m, e), expected)
    let (p, n) = (MOST_POSITIVE, MOST_NEGATIVE);
    let e18 = 1_000_000_000_000_000_000;
    let table = [
        ((901, -2), (901, -2), 0),
        ((90, -1), (901, -2), -1),
        ((901, -2), (900, -2), 1),
        ((0, 0), (0, 0), 0),
        ((0, 1), (0, -1), 0),
        ((0, -1), (0, 1), 0),
        ((800, -3), (1, 0), -1),
        ((800, -3), (79, -2), 1),
        ((p, 0), (1, -1), 1),
        ((p, 1), (1, 0), 1),
        ((p, 1), (1, 1), 1),
        ((p, 1), (0, 1), 1),
        ((p, -16), (1, 3), -1),
        ((n, 0), (0, 0), -1),
        ((n, -18), (-1, 0), -1),
        ((n, -19), (-1, 0), 1),
        ((e18, -17), (1, 1), 0),
        ((e18, -17), (-10, 0), 1),
        ((-e18, -17), (-10, 0), 0),
        ((e18, -17), (1, 0), 1),
        ((e18 + 1, -17), (1, 1), 1),
        ((e18 - 1, -17), (1, 1), -1),
    ];
    for ((am, ae), (bm, be), expect) in table {
        let (a, b) = (dec(am, ae, Si), dec(bm, be, Si));
        assert_eq!(a.cmp(&b), expect.cmp(&0), "{a} vs {b}");
        assert_eq!(b.cmp(&a), 0.cmp(&expect), "{b} vs {a}");
    }
}

#[test]
fn go_round_up_table_rounds_away_from_zero() {
    // Go TestQuantityRoundUp: (input, scale, (mantissa, exponent), exact)
    let table = [
        ("9.01", -3, (901, -2), true),
        ("9.01", -2, (901, -2), true),
        ("9.01", -1, (91, -1), false),
        ("9.01", 0, (10, 0), false),
        ("9.01", 1, (10, 0), false),
        ("9.01", 2, (100, 0), false),
        ("-9.01", -3, (-901, -2), true),
        ("-9.01", -2, (-901, -2), true),
        ("-9.01", -1, (-91, -1), false),
        ("-9.01", 0, (-10, 0), false),
        ("-9.01", 1, (-10, 0), false),
        ("-9.01", 2, (-100, 0), false),
    ];
    for (input, scale, (m, e), exact) in table {
        assert_eq!(q(input).round_up(scale), (dec(m, e, Si), exact), "{input} at {scale}");
    }
}

#[test]
fn equal_values_are_equal_and_hash_alike_whatever_the_spelling() {
    let spellings = ["1Gi", "1073741824", "1024Mi", "1073741824000m", "1.073741824G", "1073741824e0"];
    let set: HashSet<Quantity> = spellings.iter().map(|s| q(s)).collect();
    assert_eq!(set.len(), 1);
    assert_eq!(q("1000m"), q("1"));
    assert_eq!(dec(10, -1, Si), dec(1, 0, Bin));
    assert_ne!(q("1k"), q("1Ki"));
}

#[test]
fn comparison_never_overflows_for_far_apart_exponents() {
    assert_eq!(dec(1, i32::MAX, Si).cmp(&dec(i128::MAX, 0, Si)), Ordering::Greater);
    assert_eq!(dec(1, i32::MIN, Si).cmp(&dec(1, -9, Si)), Ordering::Less);
    assert_eq!(dec(-1, i32::MAX, Si).cmp(&dec(-1, i32::MIN, Si)), Ordering::Less);
    assert_eq!(dec(i128::MAX, 0, Si).cmp(&dec(9, 38, Si)), Ordering::Less);
}

#[test]
fn sums_beyond_38_digits_are_errors_not_wraps() {
    let big = dec(i128::MAX, 0, Si);
    assert_eq!(
        big.checked_add(dec(1, 0, Si)),
        Err(QuantityError::AddOverflow { lhs: big, rhs: dec(1, 0, Si) })
    );
    assert_eq!(
        (-big).checked_sub(dec(2, 0, Si)),
        Err(QuantityError::SubOverflow { lhs: -big, rhs: dec(2, 0, Si) })
    );
    assert_eq!(big.mul_int(2), Err(QuantityError::MulOverflow { quantity: big, factor: 2 }));
    let message = big.mul_int(2).expect_err("overflow").to_string();
    assert!(message.contains("170141183460469231731687303715884105727"), "{message}");
}

#[test]
fn checked_sum_adds_pod_usages_and_takes_the_first_format() {
    let total = Quantity::checked_sum(["100m", "250m", "1"].map(q)).expect("small");
    assert_eq!(total.to_string(), "1350m");
    let memory =
        Quantity::checked_sum([Quantity::from_bytes(1024), Quantity::from_bytes(2048)]).expect("small");
    assert_eq!(memory.to_string(), "3Ki");
    assert_eq!(memory.format(), Format::BinarySI);
    assert_eq!(Quantity::checked_sum([]), Ok(zero()));
}

#[test]
fn mul_ratio_rounds_to_nano_in_the_requested_mode() {
    let one = q("1");
    let cases = [
        (Rounding::Up, "333333334n", "-333333334n"),
        (Rounding::Down, "333333333n", "-333333333n"),
        (Rounding::Ceiling, "333333334n", "-333333333n"),
        (Rounding::Floor, "333333333n", "-333333334n"),
        (Rounding::HalfUp, "333333333n", "-333333333n"),
        (Rounding::HalfEven, "333333333n", "-333333333n"),
    ];
    for (rounding, positive, negative) in cases {
        assert_eq!(one.div_int(3, rounding).expect("ok").to_string(), positive, "{rounding:?}");
        assert_eq!(one.div_int(-3, rounding).expect("ok").to_string(), negative, "{rounding:?}");
    }
}

#[test]
fn half_way_ties_follow_the_mode() {
    let tie = q("5n");
    assert_eq!(tie.div_int(2, Rounding::HalfUp).expect("ok"), q("3n"));
    assert_eq!(tie.div_int(2, Rounding::HalfEven).expect("ok"), q("2n"));
    assert_eq!(q("7n").div_int(2, Rounding::HalfEven).expect("ok"), q("4n"));
    assert_eq!(q("-5n").div_int(2, Rounding::HalfUp).expect("ok"), q("-3n"));
    assert_eq!(q("-5n").div_int(2, Rounding::HalfEven).expect("ok"), q("-2n"));
}

#[test]
fn mul_ratio_is_exact_when_it_divides_and_keeps_the_format() {
    let usage = q("1536Mi").mul_ratio(2, 3, Rounding::Up).expect("ok");
    assert_eq!(usage.to_string(), "1Gi");
    assert_eq!(usage.format(), Format::BinarySI);
    assert_eq!(q("1e-12").mul_ratio(1, 1, Rounding::Up).expect("ok"), q("1n"));
    // A value finer than nano keeps its own precision.
    assert_eq!(
        Quantity::new_scaled(4, -12).div_int(2, Rounding::Up).expect("ok"),
        Quantity::new_scaled(2, -12)
    );
    assert_eq!(Quantity::new_scaled(1, -12).div_int(2, Rounding::HalfEven).expect("ok"), zero());
}

#[test]
fn division_by_zero_is_an_error_naming_the_quantity() {
    let err = q("250m").div_int(0, Rounding::Up).expect_err("zero");
    assert_eq!(err, QuantityError::DivisionByZero { quantity: q("250m") });
    assert!(err.to_string().contains("250m"));
}

#[test]
fn ratio_overflow_is_an_error() {
    let big = dec(1, 30, Si);
    assert_eq!(
        big.mul_ratio(3, 7, Rounding::Up),
        Err(QuantityError::RatioOverflow { quantity: big, numerator: 3, denominator: 7 })
    );
}
