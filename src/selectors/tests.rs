//! Label and field selectors (ports apimachinery `labels/selector_test.go` and
//! `fields/selector_test.go` vectors by value).

use std::collections::BTreeMap;

use crate::selectors::{FieldSelector, LabelOp, LabelSelector, SelectorError};

/// `"k=v,k2=v2"` as a label/field set (`""` is the empty set).
fn set(text: &str) -> BTreeMap<String, String> {
    text.split(',')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn label_selectors_match_like_apimachinery() {
    let cases: &[(&str, &str, bool)] = &[
        // labels TestSelectorMatches
        ("", "x=y", true),
        ("x=y", "x=y", true),
        ("x=y,z=w", "x=y,z=w", true),
        ("x!=y,z!=w", "x=z,z=a", true),
        ("notin=in", "notin=in", true),
        ("x", "x=z", true),
        ("!x", "y=z", true),
        ("x>1", "x=2", true),
        ("x<1", "x=0", true),
        ("x=z", "", false),
        ("x=y", "x=z", false),
        ("x=y,z=w", "x=w,z=w", false),
        ("x!=y,z!=w", "x=z,z=w", false),
        ("x", "y=z", false),
        ("!x", "x=z", false),
        ("x>1", "x=0", false),
        ("x<1", "x=2", false),
        // labels TestSelectorMatches, labelset {foo=bar, baz=blah}
        ("foo=bar", "foo=bar,baz=blah", true),
        ("baz=blah", "foo=bar,baz=blah", true),
        ("foo=bar,baz=blah", "foo=bar,baz=blah", true),
        ("foo=blah", "foo=bar,baz=blah", false),
        ("baz=bar", "foo=bar,baz=blah", false),
        ("foo=bar,foobar=bar,baz=blah", "foo=bar,baz=blah", false),
        // set-based operators
        ("x in (a,b)", "x=b", true),
        ("x in (a,b)", "y=a", false),
        ("x notin (a,b)", "y=a", true),
        ("x notin (a,b)", "x=a", false),
        ("x==a", "x=a", true),
        ("x=", "x=", true),
        ("x>1", "x=abc", false),
        ("app.kubernetes.io/name=web,tier in (fe)", "app.kubernetes.io/name=web,tier=fe", true),
    ];
    for (selector, labels, expected) in cases {
        let parsed = LabelSelector::parse(selector).expect(selector);
        assert_eq!(parsed.matches(&set(labels)), *expected, "{selector:?} on {labels:?}");
    }
}

#[test]
fn label_selector_grammar_accepts_and_rejects_like_labels_parse() {
    // labels TestSelectorParse good strings
    for good in ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"] {
        assert!(LabelSelector::parse(good).is_ok(), "{good:?}");
    }
    // labels TestSelectorParse bad strings, plus set and key/value validation cases
    for bad in [
        "x=a||y=b", "x==a==b", "!x=a", "x<a", "x in ()", "x in (a", "x in a", "x=a b", "-x=a", "x=a$",
        "Ab/c=d", ",",
    ] {
        assert!(LabelSelector::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn label_selector_parses_into_requirements() {
    let parsed = LabelSelector::parse(" env in (prod, dev,prod), !canary,tier").expect("valid");
    let ops: Vec<(&str, &LabelOp)> = parsed.requirements.iter().map(|r| (r.key.as_str(), &r.op)).collect();
    assert_eq!(
        ops,
        [
            ("env", &LabelOp::In(vec!["dev".to_owned(), "prod".to_owned()])),
            ("canary", &LabelOp::DoesNotExist),
            ("tier", &LabelOp::Exists),
        ]
    );
}

#[test]
fn label_selector_errors_name_the_bad_input() {
    assert_eq!(LabelSelector::parse("x in ()"), Err(SelectorError::EmptyValueSet("x".to_owned())));
    assert_eq!(
        LabelSelector::parse("x<a"),
        Err(SelectorError::NotAnInteger { key: "x".to_owned(), value: "a".to_owned() })
    );
    assert_eq!(
        LabelSelector::parse("x=").map(|s| s.requirements[0].op.clone()),
        Ok(LabelOp::In(vec![String::new()]))
    );
    assert_eq!(
        LabelSelector::parse("x,").expect_err("dangling comma").to_string(),
        "unable to parse requirement: found '', expected: identifier in label selector \"x,\""
    );
}

#[test]
fn field_selectors_match_like_apimachinery() {
    let cases: &[(&str, &str, bool)] = &[
        // fields TestSelectorMatches
        ("", "x=y", true),
        ("x=y", "x=y", true),
        ("x=y,z=w", "x=y,z=w", true),
        ("x!=y,z!=w", "x=z,z=a", true),
        ("notin=in", "notin=in", true),
        ("x=y", "x=z", false),
        ("x=y,z=w", "x=w,z=w", false),
        ("x!=y,z!=w", "x=z,z=w", false),
        // missing fields read as ""
        ("x=", "", true),
        ("x!=", "", false),
        ("x==y", "x=y", true),
    ];
    for (selector, fields, expected) in cases {
        let parsed = FieldSelector::parse_unrestricted(selector).expect(selector);
        let fields = set(fields);
        assert_eq!(
            parsed.matches_with(|f| fields.get(f).map(String::as_str)),
            *expected,
            "{selector:?} on {fields:?}"
        );
    }
}

#[test]
fn field_selector_grammar_accepts_and_rejects_like_fields_parse() {
    // fields TestSelectorParse
    for good in ["x=a,y=b,z=c", "", "x!=a,y=b", r"x=a||y\=b", r"x=a\=\=b"] {
        assert!(FieldSelector::parse_unrestricted(good).is_ok(), "{good:?}");
    }
    for bad in ["x=a||y=b", "x==a==b", "x=a,b", "x in (a)", "x in (a,b,c)", "x", r"x=a\b", r"x=a\"] {
        assert!(FieldSelector::parse_unrestricted(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn field_selector_values_are_unescaped() {
    let parsed = FieldSelector::parse_unrestricted(r"x=a||y\=b,z=c\,d\\").expect("valid");
    let values: Vec<&str> = parsed.requirements.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(values, ["a||y=b", r"c,d\"]);
    assert_eq!(
        FieldSelector::parse_unrestricted("x"),
        Err(SelectorError::FieldTermWithoutOperator { input: "x".to_owned(), term: "x".to_owned() })
    );
    assert_eq!(FieldSelector::parse_unrestricted("x==a==b"), Err(SelectorError::UnescapedCharacter('=')));
}

#[test]
fn only_name_and_namespace_fields_are_served() {
    assert!(FieldSelector::parse("metadata.name=a,metadata.namespace!=b").is_ok());
    assert_eq!(
        FieldSelector::parse("spec.nodeName=n1").expect_err("unknown field").to_string(),
        r#""spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace""#
    );
    let selector = FieldSelector::parse("metadata.namespace=kube-system").expect("valid");
    assert!(selector.matches("coredns", Some("kube-system")));
    assert!(!selector.matches("coredns", Some("default")));
    assert!(!selector.matches("node1", None));
}
