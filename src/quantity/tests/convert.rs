//! Conversions: Go `TestScaledValue`, `TestInt64AmountAsScaledInt64`, `TestAmountSign`,
//! `TestQuantityAsApproximateFloat64`, `TestStringQuantityAsApproximateFloat64`, plus saturation.

use super::super::{Format, Quantity};
use super::super::{Format::BinarySI as Bin, Format::DecimalExponent as Exp, Format::DecimalSI as Si};
use super::{MOST_POSITIVE, dec, q};

#[test]
fn go_scaled_value_table_converts_between_scales() {
    // Go TestScaledValue: NewScaledQuantity(1, from).ScaledValue(to)
    let table = [
        (-9, -9, 1),
        (-9, -6, 1),
        (-9, -3, 1),
        (-9, 0, 1),
        (-6, -9, 1000),
        (-6, -6, 1),
        (-6, -3, 1),
        (-6, 0, 1),
        (-3, -9, 1_000_000),
        (-3, -6, 1000),
        (-3, -3, 1),
        (-3, 0, 1),
        (0, -9, 1_000_000_000),
        (0, -6, 1_000_000),
        (0, -3, 1000),
        (0, 0, 1),
        (2, -2, 10_000),
    ];
    for (from, to, expected) in table {
        assert_eq!(Quantity::new_scaled(1, from).scaled_value(to), expected, "{from} -> {to}");
    }
}

#[test]
fn go_as_scaled_int64_table_rounds_away_from_zero_and_saturates() {
    // Go TestInt64AmountAsScaledInt64 ((value, scale) -> scale: result). The overflow row follows
    // current amount.go, which saturates to mostPositive instead of returning 0.
    let table = [
        ((100, 0), 5, Some(1)),
        ((100, 1), 1, Some(100)),
        ((100, 5), 2, Some(100_000)),
        ((876, 30), 4, None),
        ((93, -1), 0, Some(10)),
        ((100, -1), 0, Some(10)),
        ((-1932, 2), 4, Some(-20)),
        ((-1900, 2), 4, Some(-19)),
    ];
    for ((value, scale), to, expected) in table {
        let quantity = Quantity::new_scaled(value, scale);
        assert_eq!(quantity.checked_scaled_value(to), expected, "{value}e{scale} -> {to}");
        assert_eq!(quantity.scaled_value(to), expected.unwrap_or(i64::MAX));
    }
}

#[test]
fn go_amount_sign_table_reports_the_sign() {
    // Go TestAmountSign
    let table = [
        (-50, 1, -1),
        (0, 1, 0),
        (300, 1, 1),
        (-50, -8, -1),
        (50, -8, 1),
        (0, -8, 0),
        (-50, 0, -1),
        (50, 0, 1),
        (0, 0, 0),
    ];
    for (value, scale, expect) in table {
        assert_eq!(Quantity::new_scaled(value, scale).sign(), expect);
    }
}

#[test]
fn value_and_milli_value_round_away_from_zero() {
    assert_eq!(q("1.5").value(), 2);
    assert_eq!(q("-1.5").value(), -2);
    assert_eq!(q("100m").value(), 1);
    assert_eq!(q("100m").milli_value(), 100);
    assert_eq!(q("1n").milli_value(), 1);
    assert_eq!(q("-1n").milli_value(), -1);
    assert_eq!(q("7990556n").milli_value(), 8);
    assert_eq!(q("1Gi").value(), 1_073_741_824);
    assert_eq!(Quantity::new_scaled(1, -30).value(), 1);
    assert_eq!(q("0").milli_value(), 0);
}

#[test]
fn conversions_saturate_at_the_int64_rails() {
    assert_eq!(q("1e30").value(), i64::MAX);
    assert_eq!(q("-1e30").value(), i64::MIN);
    assert_eq!(q("1e30").checked_scaled_value(0), None);
    assert_eq!(q("9223372036854775807").milli_value(), i64::MAX);
    assert_eq!(q("9223372036854775807").value(), i64::MAX);
    assert_eq!(q("9223372036854775.807").milli_value(), i64::MAX);
    assert_eq!(q("9223372036854775.808").checked_scaled_value(-3), None);
    assert_eq!(q("-9223372036854775808").value(), i64::MIN);
}

#[test]
fn go_as_approximate_float64_table_matches_go_bit_for_bit() {
    // Go TestQuantityAsApproximateFloat64 (37 rows)
    let seven_mi = 7.0 * 1024.0 * 1024.0;
    let mut table: Vec<(Quantity, f64)> = Vec::new();
    for format in [Si, Exp, Bin] {
        table.push((dec(0, 0, format), 0.0));
        table.push((dec(1, 0, format), 1.0));
    }
    for format in [Bin, Si, Exp] {
        let seven = 7 * 1024 * 1024;
        table.extend([
            (dec(1024, 0, format), 1024.0),
            (dec(8 * 1024, 0, format), 8.0 * 1024.0),
            (dec(seven, 0, format), seven_mi),
            (dec(seven, 1, format), seven_mi * 10.0),
            (dec(seven, 4, format), seven_mi * 10000.0),
            (dec(seven, 8, format), seven_mi * 100_000_000.0),
            // '* Pow10' and '/ float(10)' do not round the same way
            (dec(seven, -1, format), seven_mi * 0.1),
            (dec(seven, -8, format), seven_mi / 100_000_000.0),
        ]);
    }
    table.extend([
        (dec(MOST_POSITIVE, 0, Si), i64::MAX as f64),
        (dec(MOST_POSITIVE, 0, Bin), i64::MAX as f64),
        (dec(12, 18, Si), 1.2e19),
        (dec(12, 500, Si), f64::INFINITY),
        (dec(-12, 500, Si), f64::NEG_INFINITY),
    ]);
    assert_eq!(table.len(), 35);
    for (quantity, expected) in table {
        assert_eq!(quantity.as_approximate_f64(), expected, "{quantity}");
    }
    assert_ne!(seven_mi * 0.1, seven_mi / 10.0, "the Pow10 row must exercise Go's rounding");
}

#[test]
fn go_string_quantity_as_approximate_float64_table_matches() {
    // Go TestStringQuantityAsApproximateFloat64
    let table = [("2Ki", 2048.0), ("1.1Ki", 1126.4), ("1Mi", 1_048_576.0), ("2Gi", 2_147_483_648.0)];
    for (input, expected) in table {
        assert_eq!(q(input).as_approximate_f64(), expected, "{input}");
    }
}

#[test]
fn approximate_floats_of_tiny_and_common_values() {
    assert_eq!(q("100m").as_approximate_f64(), 0.1);
    assert_eq!(q("7990556n").as_approximate_f64(), 7_990_556.0 * 1e-9);
    assert_eq!(dec(1, -400, Si).as_approximate_f64(), 0.0);
    assert_eq!(dec(5, -324, Si).as_approximate_f64(), 0.0);
}

#[test]
fn with_format_changes_printing_not_value() {
    let bytes = Quantity::new(1_048_576, Format::DecimalSI);
    assert_eq!(bytes.to_string(), "1048576");
    let binary = bytes.with_format(Format::BinarySI);
    assert_eq!(binary.to_string(), "1Mi");
    assert_eq!(binary, bytes);
}

#[test]
fn parts_are_normalised() {
    let quantity = q("1500m");
    assert_eq!((quantity.mantissa(), quantity.exponent()), (15, -1));
    assert_eq!((q("0Ki").mantissa(), q("0Ki").exponent()), (0, 0));
    assert!(Quantity::from_decimal(i128::MIN, 0, Format::DecimalSI).is_err());
}
