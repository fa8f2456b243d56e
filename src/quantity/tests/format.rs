//! Canonical strings: Go `TestQuantityString`, `TestQuantityParseEmit`, `TestNewSet`,
//! `TestMilliNewSet`, `TestNewScaledSet`, `TestInt64AsCanonicalString`, and metrics-server shapes.

use super::super::{Format, Quantity};
use super::super::{Format::BinarySI as Bin, Format::DecimalExponent as Exp, Format::DecimalSI as Si};
use super::{dec, q};

const KI: i128 = 1024;

/// Go `TestQuantityString` table: (mantissa, exponent, format, canonical, alternate spelling).
fn go_string_table() -> Vec<(i128, i32, Format, &'static str, &'static str)> {
    vec![
        (KI.pow(3), 0, Bin, "1Gi", "1024Mi"),
        (300 * KI.pow(2), 0, Bin, "300Mi", "307200Ki"),
        (6 * KI, 0, Bin, "6Ki", ""),
        (1001 * KI.pow(3), 0, Bin, "1001Gi", "1025024Mi"),
        (KI.pow(4), 0, Bin, "1Ti", "1024Gi"),
        (5, 0, Bin, "5", "5000m"),
        (500, -3, Bin, "500m", "0.5"),
        (1, 9, Si, "1G", "1000M"),
        (1000, 6, Si, "1G", "0.001T"),
        (1_000_000, 3, Si, "1G", ""),
        (1_000_000_000, 0, Si, "1G", ""),
        (1, -3, Si, "1m", "1000u"),
        (80, -3, Si, "80m", ""),
        (1080, -3, Si, "1080m", "1.08"),
        (108, -2, Si, "1080m", "1080000000n"),
        (10800, -4, Si, "1080m", ""),
        (300, 6, Si, "300M", ""),
        (1, 12, Si, "1T", ""),
        (1_234_567, 6, Si, "1234567M", ""),
        (1_234_567, -3, Bin, "1234567m", ""),
        (3, 3, Si, "3k", ""),
        (1025, 0, Bin, "1025", ""),
        (0, 0, Si, "0", ""),
        (0, 0, Bin, "0", ""),
        (1, 9, Exp, "1e9", ".001e12"),
        (1, -3, Exp, "1e-3", "0.001e0"),
        (1, -9, Exp, "1e-9", "1000e-12"),
        (80, -3, Exp, "80e-3", ""),
        (300, 6, Exp, "300e6", ""),
        (1, 12, Exp, "1e12", ""),
        (1, 3, Exp, "1e3", ""),
        (3, 3, Exp, "3e3", ""),
        (3, 3, Si, "3k", ""),
        (0, 0, Exp, "0", "00"),
        (1, -9, Si, "1n", ""),
        (80, -9, Si, "80n", ""),
        (1080, -9, Si, "1080n", ""),
        (108, -8, Si, "1080n", ""),
        (10800, -10, Si, "1080n", ""),
        (1, -6, Si, "1u", ""),
        (80, -6, Si, "80u", ""),
        (1080, -6, Si, "1080u", ""),
    ]
}

#[test]
fn go_string_table_prints_canonically() {
    let table = go_string_table();
    assert_eq!(table.len(), 42);
    for (mantissa, exponent, format, expect, _) in table {
        assert_eq!(dec(mantissa, exponent, format).to_string(), expect, "{mantissa}e{exponent} {format:?}");
    }
}

#[test]
fn go_string_table_canonical_and_alternate_spellings_reprint_canonically() {
    for (_, _, _, expect, alternate) in go_string_table() {
        assert_eq!(q(expect).to_string(), expect);
        if !alternate.is_empty() {
            assert_eq!(q(alternate).to_string(), expect, "{alternate}");
        }
    }
}

#[test]
fn go_string_table_negations_print_with_a_minus() {
    for (mantissa, exponent, format, expect, _) in go_string_table() {
        if mantissa != 0 {
            assert_eq!((-dec(mantissa, exponent, format)).to_string(), format!("-{expect}"));
        }
    }
}

#[test]
fn go_parse_emit_table_reprints_canonically() {
    // Go TestQuantityParseEmit
    let table = [
        ("1Ki", "1Ki"),
        ("1Mi", "1Mi"),
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        (".000000000001Ki", "2n"),
    ];
    for (input, expect) in table {
        assert_eq!(q(input).to_string(), expect, "{input}");
        assert_eq!(q(&format!("-{input}")).to_string(), format!("-{expect}"), "-{input}");
    }
}

#[test]
fn go_new_set_table_prints_and_round_trips_value() {
    // Go TestNewSet (the invalid-format row has no Rust equivalent)
    let table = [
        (1, Si, "1"),
        (1000, Si, "1k"),
        (1_234_000, Si, "1234k"),
        (1024, Bin, "1Ki"),
        (1024 * 1024, Bin, "1Mi"),
    ];
    for (value, format, expect) in table {
        let quantity = Quantity::new(value, format);
        assert_eq!(quantity.to_string(), expect);
        assert_eq!(q(expect).value(), value);
    }
}

#[test]
fn go_milli_new_set_table_prints_and_round_trips_milli_value() {
    // Go TestMilliNewSet: (value, format, canonical, exact round trip)
    let table = [
        (1, Si, "1m", true),
        (1000, Si, "1", true),
        (1_234_000, Si, "1234", true),
        (1024, Bin, "1024m", false), // Format changes
        (1024 * 1024, Bin, "1048576m", false),
    ];
    for (value, format, expect, exact) in table {
        let quantity = Quantity::new_milli(value, format);
        assert_eq!(quantity.to_string(), expect);
        if exact {
            assert_eq!(q(expect).milli_value(), value);
        }
    }
}

#[test]
fn go_new_scaled_set_table_prints_and_round_trips_scaled_value() {
    // Go TestNewScaledSet
    let table = [
        (1, -9, "1n"),
        (1000, -9, "1u"),
        (1, -6, "1u"),
        (1000, -6, "1m"),
        (1, -3, "1m"),
        (1000, -3, "1"),
        (1, 0, "1"),
        (0, -9, "0"),
        (0, -6, "0"),
        (0, -3, "0"),
        (0, 0, "0"),
    ];
    for (value, scale, expect) in table {
        let quantity = Quantity::new_scaled(value, scale);
        assert_eq!(quantity.to_string(), expect);
        assert_eq!(q(expect).scaled_value(scale), value);
    }
}

#[test]
fn go_int64_canonical_strings_strip_zeros_to_a_multiple_of_three() {
    // Go TestInt64AsCanonicalString: (value, scale) -> digits + exponent, shown as DecimalSI text
    let table = [(100, 0, "100"), (100, 1, "1k"), (100, -1, "10"), (10800, -10, "1080n")];
    for (value, scale, expect) in table {
        assert_eq!(Quantity::new_scaled(value, scale).to_string(), expect);
    }
}

#[test]
fn metrics_server_cpu_prints_in_nanocores() {
    assert_eq!(Quantity::from_nanocores(7_990_556).to_string(), "7990556n");
    assert_eq!(Quantity::from_nanocores(1_000_000_000).to_string(), "1");
    assert_eq!(Quantity::from_nanocores(250_000_000).to_string(), "250m");
    assert_eq!(Quantity::from_nanocores(0).to_string(), "0");
}

#[test]
fn metrics_server_memory_prints_in_binary_units_when_divisible() {
    assert_eq!(Quantity::from_bytes(14_401_536).to_string(), "14064Ki");
    assert_eq!(Quantity::from_bytes(12_533_761).to_string(), "12533761");
    assert_eq!(Quantity::from_bytes(1023).to_string(), "1023");
    assert_eq!(Quantity::from_bytes(1 << 30).to_string(), "1Gi");
}

#[test]
fn canonical_forms_from_the_task_examples() {
    assert_eq!(q("100m").to_string(), "100m");
    assert_eq!(q("1500m").to_string(), "1500m");
    assert_eq!(q("1.5Gi").to_string(), "1536Mi");
    assert_eq!(q("0.5").to_string(), "500m");
    assert_eq!(q("1000000000n").to_string(), "1");
    assert_eq!(q("12e6").to_string(), "12e6");
    assert_eq!(q("-1.5").to_string(), "-1500m");
}

#[test]
fn decimal_si_beyond_the_suffix_table_falls_back_to_exponents() {
    // Current Go: "1000E" must not print as "1"; an exponent without an SI letter uses "e".
    assert_eq!(q("1000E").to_string(), "1e21");
    assert_eq!(Quantity::new_scaled(1, -12).to_string(), "1e-12");
    assert_eq!(Quantity::new_scaled(15, -13).to_string(), "1500e-15");
    assert_eq!(q("1e21").to_string(), "1e21");
}

#[test]
fn binary_si_stops_at_the_exbi_suffix() {
    let huge = Quantity::from_bytes(1 << 60).mul_int(1024).expect("fits");
    assert_eq!(huge.to_string(), "1024Ei");
    assert_eq!(q("7Ei").to_string(), "7Ei");
    assert_eq!(q("8Ei").to_string(), "9223372036854775807");
}

#[test]
fn fractional_binary_values_print_as_decimal_si() {
    assert_eq!(dec(15, -1, Bin).mul_int(1024).expect("fits").to_string(), "1536");
    assert_eq!(dec(10_241, -1, Bin).to_string(), "1024100m");
    assert_eq!(dec(-10_241, -1, Bin).to_string(), "-1024100m");
}
