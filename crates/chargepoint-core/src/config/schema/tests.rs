//! Tests of the schema reader and validator.

use super::*;
use serde_json::json;

fn schema(v: Value) -> Schema {
    Reader::new("test.json", &v).parse(&v, "").unwrap()
}

fn reasons(s: &Schema, v: Value) -> Vec<String> {
    let mut out = Vec::new();
    s.check(&v, "$.K", &mut out);
    out.into_iter()
        .map(|v| format!("{}: {}", v.path, v.reason))
        .collect()
}

#[test]
fn types_ranges_and_lengths() {
    let int = schema(json!({"type": "integer", "minimum": 0, "maximum": 100}));
    assert!(reasons(&int, json!(5)).is_empty());
    assert_eq!(
        reasons(&int, json!("5")),
        ["$.K: expected an integer, found the string \"5\""]
    );
    assert_eq!(reasons(&int, json!(5.5)).len(), 1);
    assert_eq!(reasons(&int, json!(-1)), ["$.K: -1 is below the minimum 0"]);
    assert_eq!(
        reasons(&int, json!(101)),
        ["$.K: 101 is above the maximum 100"]
    );
    let any_int = schema(json!({"type": "integer"}));
    assert!(reasons(&any_int, json!(3_000_000_000_i64))[0].contains("32-bit"));
    assert!(reasons(&any_int, json!(u64::MAX))[0].contains("32-bit"));
    let s = schema(json!({"type": "string", "minLength": 2, "maxLength": 3}));
    assert_eq!(
        reasons(&s, json!("a")),
        ["$.K: 1 characters, at least 2 required"]
    );
    assert!(reasons(&s, json!("äöü")).is_empty());
    let b = schema(json!({"type": "boolean"}));
    assert_eq!(
        reasons(&b, json!("true")),
        ["$.K: expected a boolean (true or false), found the string \"true\""]
    );
}

#[test]
fn enums_refs_arrays_and_objects() {
    let root = json!({
        "definitions": {"P": {"type": "string", "enum": ["A", "B"]}},
        "type": "object",
        "required": ["x"],
        "additionalProperties": false,
        "properties": {"x": {"type": "array", "items": {"$ref": "#/definitions/P"}}}
    });
    let s = Reader::new("t", &root).parse(&root, "").unwrap();
    assert!(reasons(&s, json!({"x": ["A", "B"]})).is_empty());
    assert_eq!(
        reasons(&s, json!({"x": ["A", "C"], "y": 1})),
        [
            "$.K.x[1]: the string \"C\" is not one of A, B",
            "$.K.y: unknown key"
        ]
    );
    assert_eq!(reasons(&s, json!({})), ["$.K.x: required key is missing"]);
}

#[test]
fn comma_separated_lists() {
    let s = schema(json!({"type": "string", "x-list": {"items": {"enum": ["A", "B"]}}}));
    assert!(reasons(&s, json!("")).is_empty());
    assert!(reasons(&s, json!("A, B")).is_empty());
    assert_eq!(
        reasons(&s, json!("A,C")),
        ["$.K: list member \"C\": the string \"C\" is not one of A, B"]
    );
    assert_eq!(
        reasons(&s, json!("A,,B")),
        ["$.K: member 2 of the list is empty"]
    );
    assert_eq!(split_list(" "), Vec::<&str>::new());
    assert_eq!(split_list("a , b"), ["a", "b"]);
}

#[test]
fn schema_errors_name_the_place() {
    let bad = json!({"type": "integr"});
    let err = Reader::new("X.json", &bad)
        .parse(&bad, "/properties/K")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "schema X.json: /properties/K/type: type must be one JSON type name"
    );
    let typo = json!({"type": "string", "maxLenght": 3});
    let err = Reader::new("X.json", &typo).parse(&typo, "").unwrap_err();
    assert!(err.reason.contains("unsupported keyword maxLenght"));
    let dangling = json!({"$ref": "#/definitions/Nope"});
    assert!(Reader::new("X.json", &dangling)
        .parse(&dangling, "")
        .is_err());
    let fmt = json!({"x-format": "phone"});
    assert!(Reader::new("X.json", &fmt).parse(&fmt, "").is_err());
}
