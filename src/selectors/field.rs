//! Field selectors (`fieldSelector=` query parameter).
//!
//! Grammar (as `fields.ParseSelector`): terms separated by unescaped `,`; each term is
//! `field<op>value` with `op` the first of `!=`, `==`, `=` found scanning left to right; values
//! must escape `\`, `,` and `=` with `\`. [`FieldSelector::parse`] additionally accepts only
//! `metadata.name` and `metadata.namespace` (the apiserver's default field-label conversion).
//! Matching reads a missing field as `""`, so `metadata.namespace=` matches every node (nodes have
//! no namespace field).

use super::SelectorError;

/// Operator of one field requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldOp {
    /// `=` or `==`.
    Equals,
    /// `!=`.
    NotEquals,
}

/// One `field<op>value` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    /// Field path (`metadata.name` or `metadata.namespace`).
    pub field: String,
    /// Operator.
    pub op: FieldOp,
    /// Unescaped value.
    pub value: String,
}

/// A conjunction of field requirements; empty selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    /// Requirements, all of which must hold.
    pub requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses `input` and checks every field is one of the two supported ones.
    pub fn parse(input: &str) -> Result<Self, SelectorError> {
        let selector = Self::parse_unrestricted(input)?;
        if let Some(r) = selector
            .requirements
            .iter()
            .find(|r| r.field != "metadata.name" && r.field != "metadata.namespace")
        {
            return Err(SelectorError::UnknownField(r.field.clone()));
        }
        Ok(selector)
    }

    /// Parses `input` like `fields.ParseSelector`, accepting any field name.
    pub fn parse_unrestricted(input: &str) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();
        for term in split_unescaped(input, ',') {
            if term.is_empty() {
                continue;
            }
            let Some((field, op, raw)) = split_term(term) else {
                return Err(SelectorError::FieldTermWithoutOperator {
                    input: input.to_owned(),
                    term: term.to_owned(),
                });
            };
            requirements.push(FieldRequirement { field: field.to_owned(), op, value: unescape(raw)? });
        }
        Ok(Self { requirements })
    }

    /// Whether an object with this name (and namespace, `None` for cluster-scoped) matches.
    pub fn matches(&self, name: &str, namespace: Option<&str>) -> bool {
        self.matches_with(|field| match field {
            "metadata.name" => Some(name),
            "metadata.namespace" => namespace,
            _ => None,
        })
    }

    /// Whether the fields `lookup` returns match (a missing field reads as `""`).
    pub fn matches_with<'a>(&self, lookup: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.requirements.iter().all(|r| {
            let actual = lookup(&r.field).unwrap_or("");
            match r.op {
                FieldOp::Equals => actual == r.value,
                FieldOp::NotEquals => actual != r.value,
            }
        })
    }
}

/// Splits on `sep` not preceded by a backslash escape, keeping escapes in the pieces.
fn split_unescaped(input: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in input.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&input[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&input[start..]);
    parts
}

/// Finds the first operator, trying `!=`, `==`, `=` at each position (escapes are not considered,
/// as upstream: field names cannot contain them).
fn split_term(term: &str) -> Option<(&str, FieldOp, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (op_text, op) in [("!=", FieldOp::NotEquals), ("==", FieldOp::Equals), ("=", FieldOp::Equals)] {
            if rest.starts_with(op_text) {
                return Some((&term[..i], op, &term[i + op_text.len()..]));
            }
        }
    }
    None
}

/// Unescapes a value; `,` and `=` must be escaped and only `\\`, `\,`, `\=` are escapes.
fn unescape(raw: &str) -> Result<String, SelectorError> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next @ ('\\' | ',' | '=')) => out.push(next),
                Some(other) => return Err(SelectorError::InvalidEscape(format!("\\{other}"))),
                None => return Err(SelectorError::InvalidEscape("\\".to_owned())),
            },
            ',' | '=' => return Err(SelectorError::UnescapedCharacter(c)),
            _ => out.push(c),
        }
    }
    Ok(out)
}
