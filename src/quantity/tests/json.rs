//! serde: Go `TestJSONWhitespace`, `TestQuantityValueSet` (JSON part), numbers and errors.

use super::super::{Format, Quantity};
use super::q;

fn from_json(json: &str) -> Result<Quantity, serde_json::Error> {
    serde_json::from_str(json)
}

#[test]
fn go_json_whitespace_table_parses_trimmed_strings_and_numbers() {
    // Go TestJSONWhitespace
    let table = [
        (r#"" 1""#, "1"),
        (r#""1 ""#, "1"),
        ("1", "1"),
        (" 1", "1"),
        ("1 ", "1"),
        ("10", "10"),
        ("-1", "-1"),
        (" -1", "-1"),
    ];
    for (json, expect) in table {
        assert_eq!(from_json(json).expect(json).to_string(), expect, "{json}");
    }
}

#[test]
fn serialises_as_the_canonical_string() {
    // Go TestQuantityValueSet: "1Mi" marshals as "\"1Mi\""
    assert_eq!(serde_json::to_string(&q("1Mi")).expect("serialise"), r#""1Mi""#);
    assert_eq!(serde_json::to_string(&q("1.5Gi")).expect("serialise"), r#""1536Mi""#);
    assert_eq!(
        serde_json::to_string(&Quantity::from_nanocores(7_990_556)).expect("serialise"),
        r#""7990556n""#
    );
}

#[test]
fn deserialises_strings_integers_floats_and_null() {
    assert_eq!(from_json(r#""1Gi""#).expect("string"), q("1Gi"));
    assert_eq!(from_json(r#""1Gi""#).expect("string").format(), Format::BinarySI);
    assert_eq!(from_json("1").expect("int"), q("1"));
    assert_eq!(from_json("18446744073709551615").expect("u64"), q("18446744073709551615"));
    assert_eq!(from_json("0.5").expect("float").to_string(), "500m");
    assert_eq!(from_json("1e3").expect("float").to_string(), "1k");
    assert_eq!(from_json("-2.5e-3").expect("float").to_string(), "-2500u");
    assert_eq!(from_json("null").expect("null"), Quantity::default());
}

#[test]
fn round_trips_through_json_in_a_struct() {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Usage {
        cpu: Quantity,
        memory: Quantity,
    }
    let usage = Usage { cpu: Quantity::from_nanocores(7_990_556), memory: Quantity::from_bytes(14_401_536) };
    let json = serde_json::to_string(&usage).expect("serialise");
    assert_eq!(json, r#"{"cpu":"7990556n","memory":"14064Ki"}"#);
    assert_eq!(serde_json::from_str::<Usage>(&json).expect("deserialise"), usage);
}

#[test]
fn bad_json_values_are_errors_naming_the_input() {
    let err = from_json(r#""12 apples""#).expect_err("bad string");
    assert!(err.to_string().contains("\"12 apples\""), "{err}");
    assert!(from_json("true").is_err());
    assert!(from_json("[1]").is_err());
    assert!(from_json(r#""""#).is_err());
}
