use serde_json::{Value, json};

use super::{FieldError, admit, default, invalid, prune, validate};

/// An object schema with these properties.
fn object(props: Value) -> Value {
    let mut o = json!({"type": "object"});
    o["properties"] = props;
    o
}

/// A root schema whose `spec` has these properties.
fn root(spec_props: Value) -> Value {
    object(json!({"spec": object(spec_props)}))
}

/// A custom resource with this spec.
fn cr(spec: Value) -> Value {
    let mut o = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
    o["spec"] = spec;
    o
}

/// The messages (`field: body`) of validating `spec` under `spec_props`.
fn errors(spec_props: Value, spec: Value) -> Vec<String> {
    validate::validate(&cr(spec), &root(spec_props)).iter().map(FieldError::message).collect()
}

#[test]
fn integer_field_rejects_a_string_as_type_invalid() {
    let errs = validate::validate(&cr(json!({"size": "3"})), &root(json!({"size": {"type": "integer"}})));
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].reason, "FieldValueTypeInvalid");
    assert_eq!(errs[0].field, "spec.size");
    assert_eq!(
        errs[0].body,
        r#"Invalid value: "string": spec.size in body must be of type integer: "string""#
    );
}

#[test]
fn integral_float_counts_as_integer_but_a_fraction_does_not() {
    let props = json!({"size": {"type": "integer"}});
    assert!(errors(props.clone(), json!({"size": 3.0})).is_empty());
    assert_eq!(
        errors(props, json!({"size": 1.5})),
        [r#"spec.size: Invalid value: "number": spec.size in body must be of type integer: "number""#]
    );
}

#[test]
fn number_accepts_an_integer_and_boolean_rejects_a_number() {
    assert!(errors(json!({"ratio": {"type": "number"}}), json!({"ratio": 2})).is_empty());
    assert_eq!(
        errors(json!({"on": {"type": "boolean"}}), json!({"on": 1})),
        [r#"spec.on: Invalid value: "integer": spec.on in body must be of type boolean: "integer""#]
    );
}

#[test]
fn null_is_accepted_only_where_nullable() {
    let props = json!({"a": {"type": "string", "nullable": true}, "b": {"type": "string"}});
    assert_eq!(
        errors(props, json!({"a": null, "b": null})),
        [r#"spec.b: Invalid value: "null": spec.b in body must be of type string: "null""#]
    );
}

#[test]
fn missing_required_field_is_field_value_required() {
    let mut schema = root(json!({"replicas": {"type": "integer"}}));
    schema["properties"]["spec"]["required"] = json!(["replicas"]);
    let errs = validate::validate(&cr(json!({})), &schema);
    assert_eq!(errs, [FieldError::required("spec.replicas")]);
    assert_eq!(errs[0].message(), "spec.replicas: Required value");
}

#[test]
fn enum_rejects_an_unlisted_value_naming_the_supported_ones() {
    let props = json!({"mode": {"type": "string", "enum": ["a", "b"]}});
    assert!(errors(props.clone(), json!({"mode": "b"})).is_empty());
    let errs = validate::validate(&cr(json!({"mode": "x"})), &root(props));
    assert_eq!(errs[0].reason, "FieldValueNotSupported");
    assert_eq!(errs[0].message(), r#"spec.mode: Unsupported value: "x": supported values: "a", "b""#);
}

#[test]
fn minimum_and_maximum_bound_numbers_inclusively_unless_exclusive() {
    let props = json!({"size": {"type": "integer", "minimum": 0, "maximum": 10.0}});
    assert!(errors(props.clone(), json!({"size": 0})).is_empty());
    assert!(errors(props.clone(), json!({"size": 10})).is_empty());
    assert_eq!(
        errors(props.clone(), json!({"size": -1})),
        ["spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0"]
    );
    assert_eq!(
        errors(props, json!({"size": 11})),
        ["spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10"]
    );
    let exclusive = json!({"r": {"type": "number", "minimum": 0, "exclusiveMinimum": true,
                                 "maximum": 1, "exclusiveMaximum": true}});
    assert_eq!(
        errors(exclusive.clone(), json!({"r": 0})),
        ["spec.r: Invalid value: 0: spec.r in body should be greater than 0"]
    );
    assert_eq!(
        errors(exclusive, json!({"r": 1.0})),
        ["spec.r: Invalid value: 1: spec.r in body should be less than 1"]
    );
}

#[test]
fn string_length_limits_count_characters() {
    let props = json!({"name": {"type": "string", "minLength": 2, "maxLength": 3}});
    assert!(errors(props.clone(), json!({"name": "µµµ"})).is_empty());
    assert_eq!(
        errors(props.clone(), json!({"name": "a"})),
        [r#"spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long"#]
    );
    let errs = validate::validate(&cr(json!({"name": "abcd"})), &root(props));
    assert_eq!(errs[0].reason, "FieldValueTooLong");
    assert_eq!(errs[0].message(), "spec.name: Too long: may not be more than 3 bytes");
}

#[test]
fn array_item_limits_and_items_use_indexed_paths() {
    let props = json!({"list": {"type": "array", "minItems": 1, "maxItems": 2,
                                "items": {"type": "integer", "minimum": 0}}});
    assert_eq!(
        errors(props.clone(), json!({"list": []})),
        ["spec.list: Invalid value: 0: spec.list in body should have at least 1 items"]
    );
    let errs = validate::validate(&cr(json!({"list": [1, 2, 3]})), &root(props.clone()));
    assert_eq!(errs[0].reason, "FieldValueTooMany");
    assert_eq!(errs[0].message(), "spec.list: Too many: 3: must have at most 2 items");
    assert_eq!(
        errors(props, json!({"list": [1, -2]})),
        ["spec.list[1]: Invalid value: -2: spec.list[1] in body should be greater than or equal to 0"]
    );
}

#[test]
fn pattern_accepts_a_go_duration_and_rejects_other_text() {
    let duration = r"^\+?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$";
    let props = json!({"period": {"type": "string", "pattern": duration}});
    assert!(errors(props.clone(), json!({"period": "1m30s"})).is_empty());
    assert_eq!(
        errors(props, json!({"period": "soon"})),
        [format!(r#"spec.period: Invalid value: "soon": spec.period in body should match '{duration}'"#)]
    );
}

#[test]
fn additional_properties_schema_checks_every_value() {
    let props = json!({"labels": {"type": "object", "additionalProperties": {"type": "string"}}});
    assert_eq!(
        errors(props, json!({"labels": {"ok": "x", "bad": 1}})),
        [
            r#"spec.labels.bad: Invalid value: "integer": spec.labels.bad in body must be of type string: "integer""#
        ]
    );
}

#[test]
fn int_or_string_accepts_both_and_rejects_a_boolean() {
    let props = json!({"q": {"x-kubernetes-int-or-string": true}});
    assert!(errors(props.clone(), json!({"q": 3})).is_empty());
    assert!(errors(props.clone(), json!({"q": "100m"})).is_empty());
    assert_eq!(errors(props, json!({"q": true})).len(), 2);
}

#[test]
fn root_metadata_is_not_validated_against_the_schema() {
    let mut schema = root(json!({}));
    schema["properties"]["metadata"] = json!({"type": "string"});
    schema["required"] = json!(["spec", "metadata"]);
    assert!(validate::validate(&cr(json!({})), &schema).is_empty());
    let no_spec = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {}});
    assert_eq!(validate::validate(&no_spec, &schema), [FieldError::required("spec")]);
}

#[test]
fn defaults_fill_only_absent_fields_recursively() {
    let schema = root(json!({
        "min": {"type": "integer", "default": 1},
        "window": {"type": "string", "default": "5m"},
        "policy": {"type": "object", "default": {}, "properties": {"kind": {"type": "string", "default": "Max"}}},
    }));
    let mut obj = cr(json!({"window": "30s"}));
    default::default(&mut obj, &schema);
    assert_eq!(obj["spec"], json!({"min": 1, "window": "30s", "policy": {"kind": "Max"}}));
}

#[test]
fn defaults_apply_inside_array_items() {
    let schema = root(json!({"rules": {"type": "array",
        "items": {"type": "object", "properties": {"weight": {"type": "integer", "default": 10}}}}}));
    let mut obj = cr(json!({"rules": [{}, {"weight": 3}]}));
    default::default(&mut obj, &schema);
    assert_eq!(obj["spec"]["rules"], json!([{"weight": 10}, {"weight": 3}]));
}

#[test]
fn null_of_a_non_nullable_field_takes_its_default_or_is_dropped() {
    let schema = root(json!({
        "a": {"type": "integer", "default": 1},
        "b": {"type": "integer"},
        "c": {"type": "integer", "nullable": true, "default": 2},
    }));
    let mut obj = cr(json!({"a": null, "b": null, "c": null}));
    default::default(&mut obj, &schema);
    assert_eq!(obj["spec"], json!({"a": 1, "c": null}));
}

#[test]
fn pruning_drops_unknown_fields_but_keeps_root_identity() {
    let schema = root(json!({"size": {"type": "integer"}}));
    let mut obj = cr(json!({"size": 1, "typo": 2}));
    obj["extra"] = json!(true);
    prune::prune(&mut obj, &schema);
    assert_eq!(obj, cr(json!({"size": 1})));
}

#[test]
fn pruning_keeps_preserved_subtrees_and_additional_properties() {
    let schema = root(json!({
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                 "properties": {"known": {"type": "object", "properties": {}}}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "closed": {"type": "object"},
    }));
    let mut obj = cr(json!({"free": {"any": {"deep": 1}, "known": {"gone": 1}},
                            "labels": {"app": "web"}, "closed": {"gone": 1}}));
    prune::prune(&mut obj, &schema);
    assert_eq!(
        obj["spec"],
        json!({"free": {"any": {"deep": 1}, "known": {}}, "labels": {"app": "web"}, "closed": {}})
    );
}

#[test]
fn admit_prunes_defaults_then_validates() {
    let mut schema = root(json!({"min": {"type": "integer", "minimum": 0, "default": 1}}));
    schema["properties"]["spec"]["required"] = json!(["min"]);
    let mut obj = cr(json!({"typo": 1}));
    assert_eq!(admit(&mut obj, &schema), Ok(()));
    assert_eq!(obj["spec"], json!({"min": 1}));
}

#[test]
fn one_error_makes_an_unbracketed_invalid_status_with_causes() {
    let errs = [FieldError::required("spec.targetRef")];
    let status = invalid("autoscaling.bellows.dev", "AutoscalingPolicy", "web", &errs).to_status();
    assert_eq!(status["code"], 422);
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(
        status["message"],
        r#"AutoscalingPolicy.autoscaling.bellows.dev "web" is invalid: spec.targetRef: Required value"#
    );
    assert_eq!(
        status["details"],
        json!({"name": "web", "group": "autoscaling.bellows.dev", "kind": "AutoscalingPolicy",
               "causes": [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.targetRef"}]})
    );
}

#[test]
fn several_errors_are_bracketed_in_order() {
    let props =
        json!({"size": {"type": "integer", "minimum": 0}, "mode": {"type": "string", "enum": ["a", "b"]}});
    let errs = validate::validate(&cr(json!({"size": -1, "mode": "x"})), &root(props));
    let status = invalid("example.com", "Widget", "w", &errs).to_status();
    assert_eq!(
        status["message"],
        r#"Widget.example.com "w" is invalid: [spec.mode: Unsupported value: "x": supported values: "a", "b", spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0]"#
    );
    assert_eq!(status["details"]["causes"].as_array().map(Vec::len), Some(2));
}
