//! Property tests: printing round-trips, parsing never panics, arithmetic is exact.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;

use super::super::{Format, Quantity, Rounding};

fn any_format() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::DecimalSI), Just(Format::BinarySI), Just(Format::DecimalExponent)]
}

/// Quantities as Go can hold them after parsing: exponent at least -9, binary values within the cap.
fn parsed_like() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        (any::<i64>(), -9i32..=30, any_format()).prop_map(|(m, e, f)| (i128::from(m), e, f)),
        (-(10i128.pow(30))..10i128.pow(30), -9i32..=40, any_format()),
        (any::<i32>(), 0u32..=5, Just(Format::BinarySI)).prop_map(|(m, k, f)| (
            i128::from(m) * 1024i128.pow(k),
            0,
            f
        )),
    ]
    .prop_filter_map("binary values beyond 2^63-1 are capped by parsing", |(m, e, f)| {
        let q = Quantity::from_decimal(m, e, f).ok()?;
        let cap = Quantity::new(i64::MAX, Format::BinarySI);
        (f != Format::BinarySI || (q <= cap && -q <= cap)).then_some(q)
    })
}

/// Small quantities whose sums and nano quotients never leave the exact range.
fn small() -> impl Strategy<Value = Quantity> {
    (i64::MIN / 4..i64::MAX / 4, -9i32..=9, any_format())
        .prop_map(|(m, e, f)| Quantity::from_decimal(i128::from(m), e, f).expect("i64 fits"))
}

fn hash_of(q: Quantity) -> u64 {
    let mut hasher = DefaultHasher::new();
    q.hash(&mut hasher);
    hasher.finish()
}

proptest! {
    // Regression files would land in the repository; failures print their minimal input instead.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_parsing_gives_back_the_value(q in parsed_like()) {
        let printed = q.to_string();
        let parsed = Quantity::parse(&printed).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed, q, "{}", printed);
        // Binary values print without a suffix when not divisible by 1024 and then parse as DecimalSI,
        // so only decimal formats are a textual fixed point.
        if q.format() != Format::BinarySI {
            prop_assert_eq!(parsed.to_string(), printed);
        }
    }

    #[test]
    fn parsing_arbitrary_strings_never_panics(s in ".*") {
        let _ = Quantity::parse(&s);
        let _ = Quantity::parse_strict(&s);
    }

    #[test]
    fn parsed_quantity_ish_strings_reprint_to_the_same_value(
        s in "[+-]?[0-9.]{0,6}([eE][+-]?[0-9]{0,3})?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?"
    ) {
        if let Ok(q) = Quantity::parse(&s) {
            let again = Quantity::parse(&q.to_string()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(again, q, "{} printed as {}", s, q);
        }
    }

    #[test]
    fn addition_commutes_and_associates_exactly(a in small(), b in small(), c in small()) {
        let ab = a.checked_add(b).expect("small");
        prop_assert_eq!(ab, b.checked_add(a).expect("small"));
        let left = ab.checked_add(c).expect("small");
        let right = a.checked_add(b.checked_add(c).expect("small")).expect("small");
        prop_assert_eq!(left, right);
        prop_assert_eq!(ab.checked_sub(b).expect("small"), a);
    }

    #[test]
    fn ordering_agrees_with_the_sign_of_the_difference(a in small(), b in small()) {
        let difference = a.checked_sub(b).expect("small");
        prop_assert_eq!(a.cmp(&b), difference.sign().cmp(&0));
        prop_assert_eq!(-(-a), a);
    }

    #[test]
    fn equal_values_hash_alike(m in any::<i64>(), e in -20i32..=20, zeros in 0u32..=15, f in any_format()) {
        let short = Quantity::from_decimal(i128::from(m), e, f).expect("fits");
        let long = Quantity::from_decimal(i128::from(m) * 10i128.pow(zeros), e - zeros as i32, Format::DecimalSI)
            .expect("fits");
        prop_assert_eq!(short, long);
        prop_assert_eq!(hash_of(short), hash_of(long));
    }

    #[test]
    fn floor_and_ceiling_quotients_bracket_the_value(q in small(), d in 1i64..1000) {
        let q = q.round_up(-9).0;
        let floor = q.div_int(d, Rounding::Floor).expect("small").mul_int(d).expect("small");
        let ceiling = q.div_int(d, Rounding::Ceiling).expect("small").mul_int(d).expect("small");
        prop_assert!(floor <= q && q <= ceiling, "{} {} {}", floor, q, ceiling);
    }

    #[test]
    fn any_representable_quantity_computes_without_panicking(
        a in (any::<i128>(), any::<i32>(), any_format()),
        b in (any::<i128>(), any::<i32>(), any_format()),
        factor in any::<i64>(),
        scale in any::<i32>(),
    ) {
        let (Ok(a), Ok(b)) = (Quantity::from_decimal(a.0, a.1, a.2), Quantity::from_decimal(b.0, b.1, b.2)) else {
            return Ok(());
        };
        let _ = (a.checked_add(b), a.checked_sub(b), a.mul_int(factor), a.cmp(&b));
        let _ = (a.mul_ratio(factor, factor, Rounding::HalfEven), a.div_int(factor, Rounding::Floor));
        let _ = (a.scaled_value(scale), a.round_up(scale), a.as_approximate_f64(), -a);
        let printed = a.to_string();
        if (-9..=i64::from(i32::MAX)).contains(&a.exponent()) && a.format() != Format::BinarySI {
            prop_assert_eq!(Quantity::parse(&printed), Ok(a));
        }
    }

    #[test]
    fn value_is_the_integer_rounded_away_from_zero(m in any::<i64>(), e in -12i32..=0) {
        let q = Quantity::from_decimal(i128::from(m), e, Format::DecimalSI).expect("fits");
        let distance = Quantity::new(q.value(), Format::DecimalSI).checked_sub(q).expect("small");
        prop_assert!(distance.sign() == 0 || distance.sign() == q.sign(), "{} -> {}", q, q.value());
        let magnitude = if distance.sign() < 0 { -distance } else { distance };
        prop_assert!(magnitude < Quantity::new(1, Format::DecimalSI), "{} -> {}", q, q.value());
    }
}
