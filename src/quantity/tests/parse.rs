//! Parsing: Go `TestQuantityParse` (valid and invalid tables), `TestQuantityParseZero`, and the
//! grammar corners Go accepts or rejects.

use super::super::{Format, Quantity, QuantityError};
use super::super::{Format::BinarySI as Bin, Format::DecimalExponent as Exp, Format::DecimalSI as Si};
use super::{MOST_POSITIVE, dec, q};

const KI: i128 = 1024;

/// Go `TestQuantityParse` table, by value: (input, mantissa, exponent, format).
fn go_parse_table() -> Vec<(&'static str, i128, i32, Format)> {
    vec![
        ("0", 0, 0, Si),
        ("0n", 0, 0, Si),
        ("0u", 0, 0, Si),
        ("0m", 0, 0, Si),
        ("0Ki", 0, 0, Bin),
        ("0k", 0, 0, Si),
        ("0Mi", 0, 0, Bin),
        ("0M", 0, 0, Si),
        ("0Gi", 0, 0, Bin),
        ("0G", 0, 0, Si),
        ("0Ti", 0, 0, Bin),
        ("0T", 0, 0, Si),
        // Quantity less numbers are allowed
        ("1", 1, 0, Si),
        // Binary suffixes
        ("1Ki", KI, 0, Bin),
        ("8Ki", 8 * KI, 0, Bin),
        ("7Mi", 7 * KI.pow(2), 0, Bin),
        ("6Gi", 6 * KI.pow(3), 0, Bin),
        ("5Ti", 5 * KI.pow(4), 0, Bin),
        ("4Pi", 4 * KI.pow(5), 0, Bin),
        ("3Ei", 3 * KI.pow(6), 0, Bin),
        ("10Ti", 10 * KI.pow(4), 0, Bin),
        ("100Ti", 100 * KI.pow(4), 0, Bin),
        // Decimal suffixes
        ("5n", 5, -9, Si),
        ("4u", 4, -6, Si),
        ("3m", 3, -3, Si),
        ("9", 9, 0, Si),
        ("8k", 8, 3, Si),
        ("50k", 5, 4, Si),
        ("7M", 7, 6, Si),
        ("6G", 6, 9, Si),
        ("5T", 5, 12, Si),
        ("40T", 4, 13, Si),
        ("300T", 3, 14, Si),
        ("2P", 2, 15, Si),
        ("1E", 1, 18, Si),
        // Decimal exponents
        ("1E-3", 1, -3, Exp),
        ("1e3", 1, 3, Exp),
        ("1E6", 1, 6, Exp),
        ("1e9", 1, 9, Exp),
        ("1E12", 1, 12, Exp),
        ("1e15", 1, 15, Exp),
        ("1E18", 1, 18, Exp),
        // Nonstandard but still parsable
        ("1e14", 1, 14, Exp),
        ("1e13", 1, 13, Exp),
        ("1e3", 1, 3, Exp),
        ("100.035k", 100_035, 0, Si),
        // Things that look like floating point
        ("0.001", 1, -3, Si),
        ("0.0005k", 5, -1, Si),
        ("0.005", 5, -3, Si),
        ("0.05", 5, -2, Si),
        ("0.5", 5, -1, Si),
        ("0.00050k", 5, -1, Si),
        ("0.00500", 5, -3, Si),
        ("0.05000", 5, -2, Si),
        ("0.50000", 5, -1, Si),
        ("0.5e0", 5, -1, Exp),
        ("0.5e-1", 5, -2, Exp),
        ("0.5e-2", 5, -3, Exp),
        ("0.5e0", 5, -1, Exp),
        ("10.035M", 10035, 3, Si),
        ("1.2e3", 12, 2, Exp),
        ("1.3E+6", 13, 5, Exp),
        ("1.40e9", 14, 8, Exp),
        ("1.53E12", 153, 10, Exp),
        ("1.6e15", 16, 14, Exp),
        ("1.7E18", 17, 17, Exp),
        ("9.01", 901, -2, Si),
        ("8.1k", 81, 2, Si),
        ("7.123456M", 7_123_456, 0, Si),
        ("6.987654321G", 6_987_654_321, 0, Si),
        ("5.444T", 5444, 9, Si),
        ("40.1T", 401, 11, Si),
        ("300.2T", 3002, 11, Si),
        ("2.5P", 25, 14, Si),
        ("1.01E", 101, 16, Si),
        // Things that saturate/round
        ("3.001n", 4, -9, Si),
        ("1.1E-9", 2, -9, Exp),
        ("0.0000000001", 1, -9, Si),
        ("0.0000000005", 1, -9, Si),
        ("0.00000000050", 1, -9, Si),
        ("0.5e-9", 1, -9, Exp),
        ("0.9n", 1, -9, Si),
        ("0.00000012345", 124, -9, Si),
        ("0.00000012354", 124, -9, Si),
        ("9Ei", MOST_POSITIVE, 0, Bin),
        ("9223372036854775807Ki", MOST_POSITIVE, 0, Bin),
        ("12E", 12, 18, Si),
        // We'll accept fractional binary stuff, too.
        ("100.035Ki", 10_243_584, -2, Bin),
        ("0.5Mi", 524_288, 0, Bin),
        ("0.05Gi", 536_870_912, -1, Bin),
        ("0.025Ti", 274_877_906_944, -1, Bin),
        // Things written by trolls
        ("0.000000000001Ki", 2, -9, Si), // rounds up, changes format
        (".001", 1, -3, Si),
        (".0001k", 100, -3, Si),
        ("1.", 1, 0, Si),
        ("1.G", 1, 9, Si),
    ]
}

#[test]
fn go_parse_table_values_and_formats_match() {
    let table = go_parse_table();
    assert_eq!(table.len(), 96);
    for (input, mantissa, exponent, format) in table {
        let got = q(input);
        assert_eq!(got, dec(mantissa, exponent, format), "{input}");
        assert_eq!(got.format(), format, "{input}");
    }
}

#[test]
fn go_parse_table_negated_inputs_parse_to_negated_values() {
    for (input, mantissa, exponent, format) in go_parse_table() {
        let got = q(&format!("-{input}"));
        assert_eq!(got, -dec(mantissa, exponent, format), "-{input}");
        assert_eq!(got.format(), format, "-{input}");
    }
}

#[test]
fn go_parse_table_inputs_with_explicit_plus_parse_to_the_same_values() {
    for (input, mantissa, exponent, format) in go_parse_table() {
        let got = q(&format!("+{input}"));
        assert_eq!(got, dec(mantissa, exponent, format), "+{input}");
        assert_eq!(got.format(), format, "+{input}");
    }
}

#[test]
fn go_invalid_inputs_are_rejected_with_the_input_in_the_message() {
    // Go TestQuantityParse `invalid` table (11 rows), plus the task's own rejects.
    let invalid = [
        "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", " 1", "1 ", // Go
        "1.5.5", "1Zi", "1 Ki", "1e", "1E+", "1e3e3", "1EE3", "1Kib", "1KI", "1k3", "--1", "1-",
    ];
    for input in invalid {
        let err = Quantity::parse(input).expect_err(input);
        assert!(err.to_string().contains(&format!("{input:?}")), "{input}: {err}");
    }
}

#[test]
fn empty_string_is_an_error() {
    assert_eq!(Quantity::parse(""), Err(QuantityError::Empty));
    assert_eq!(Quantity::parse_strict(""), Err(QuantityError::Empty));
}

#[test]
fn each_failure_site_has_its_own_variant() {
    let malformed = |s: &str| QuantityError::Malformed { input: s.into() };
    let unknown =
        |s: &str, suffix: &str| QuantityError::UnknownSuffix { input: s.into(), suffix: suffix.into() };
    assert_eq!(Quantity::parse("1.5.5"), Err(malformed("1.5.5")));
    assert_eq!(Quantity::parse("1 Ki"), Err(malformed("1 Ki")));
    assert_eq!(Quantity::parse("1Zi"), Err(malformed("1Zi")));
    assert_eq!(Quantity::parse("1e"), Err(unknown("1e", "e")));
    assert_eq!(Quantity::parse("0.1mi"), Err(unknown("0.1mi", "mi")));
    assert_eq!(Quantity::parse("-3.01e-"), Err(unknown("-3.01e-", "e-")));
    assert_eq!(
        Quantity::parse("1e4294967296"),
        Err(QuantityError::ExponentOutOfRange { input: "1e4294967296".into() })
    );
    assert_eq!(
        Quantity::parse("1e99999999999999999999"),
        Err(QuantityError::ExponentOutOfRange { input: "1e99999999999999999999".into() })
    );
    let long = "1234567890123456789012345678901234567891";
    assert_eq!(Quantity::parse(long), Err(QuantityError::TooPrecise { input: long.into() }));
}

#[test]
fn go_parse_zero_is_decimal_si_zero() {
    // Go TestQuantityParseZero
    let zero = q("0");
    assert!(zero.is_zero());
    assert_eq!(zero.format(), Format::DecimalSI);
    assert_eq!(zero.to_string(), "0");
}

#[test]
fn digitless_inputs_read_as_zero_like_go_but_fail_strict_parsing() {
    // Go TestParseQuantityString: "." and "-." scan as number "0"; ParseQuantity accepts them.
    for (input, format) in [(".", Si), ("-.", Si), ("-", Si), ("+", Si), ("Ki", Bin), ("m", Si), ("e3", Exp)]
    {
        let got = q(input);
        assert!(got.is_zero(), "{input}");
        assert_eq!(got.format(), format, "{input}");
        assert_eq!(Quantity::parse_strict(input), Err(QuantityError::NoDigits { input: input.into() }));
    }
    assert_eq!(Quantity::parse_strict("1.5Gi"), Ok(q("1536Mi")));
}

#[test]
fn capital_e_alone_is_the_exa_suffix_and_with_digits_an_exponent() {
    assert_eq!(q("1E"), dec(1, 18, Si));
    assert_eq!(q("1E").format(), Format::DecimalSI);
    assert_eq!(q("1E3"), dec(1, 3, Exp));
    assert_eq!(q("1e+3"), dec(1, 3, Exp));
    assert_eq!(q("1Ei"), dec(KI.pow(6), 0, Bin));
}

#[test]
fn binary_values_are_capped_at_int64_max_like_go() {
    assert_eq!(q("8Ei"), dec(MOST_POSITIVE, 0, Bin));
    assert_eq!(q("-8Ei"), dec(-MOST_POSITIVE, 0, Bin));
    assert_eq!(q("123456789012345678901234567890123456789012345Ki"), dec(MOST_POSITIVE, 0, Bin));
    assert_eq!(q("7.99999Ei"), dec(922_336_050_763_972_973_953_024, -5, Bin));
}

#[test]
fn huge_decimal_values_keep_their_value() {
    // Go keeps "18446744073709551616" exactly (inf.Dec); so do we, up to 38 digits.
    assert_eq!(q("18446744073709551616"), dec(18_446_744_073_709_551_616, 0, Si));
    assert_eq!(q("1e300"), dec(1, 300, Exp));
    assert_eq!(q("1000E"), dec(1, 21, Si));
    assert_eq!(q("1e-300"), dec(1, -9, Exp));
    // Digits below nano do not count against the 38-digit limit.
    assert_eq!(q("0.00000000100000000000000000000000000000000000000001"), dec(2, -9, Si));
}

#[test]
fn from_str_is_parse() {
    assert_eq!("250m".parse::<Quantity>(), Ok(dec(25, -2, Si)));
    assert!("1 Ki".parse::<Quantity>().is_err());
}
