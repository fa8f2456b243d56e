//! Label and field selectors, parsed and matched like `k8s.io/apimachinery` `labels.Parse` and
//! `fields.ParseSelector`.
//!
//! Both parse into a conjunction of requirements; an empty string selects everything. Matching is
//! pure and total. Field selectors are additionally restricted to the two fields metrics-server's
//! field-label conversion accepts (`metadata.name`, `metadata.namespace`).

mod field;
mod label;

#[cfg(test)]
mod tests;

pub use field::{FieldOp, FieldRequirement, FieldSelector};
pub use label::{LabelOp, LabelRequirement, LabelSelector};

/// Why a selector string was rejected (rendered as a 400 `BadRequest`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// The label selector ended where a key, operator or value was expected.
    #[error("unable to parse requirement: found '', expected: {expected} in label selector {input:?}")]
    UnexpectedEnd {
        /// What the parser wanted.
        expected: &'static str,
        /// The whole selector.
        input: String,
    },
    /// An unexpected token in the label selector.
    #[error("unable to parse requirement: found '{found}', expected: {expected} in label selector {input:?}")]
    UnexpectedToken {
        /// The offending token.
        found: String,
        /// What the parser wanted.
        expected: &'static str,
        /// The whole selector.
        input: String,
    },
    /// A label key that is not a valid qualified name.
    #[error("unable to parse requirement: invalid label key {key:?}: {why}")]
    InvalidKey {
        /// The key.
        key: String,
        /// Which rule it breaks.
        why: &'static str,
    },
    /// A label value that is not a valid label value.
    #[error("unable to parse requirement: invalid label value {value:?}: {why}")]
    InvalidValue {
        /// The value.
        value: String,
        /// Which rule it breaks.
        why: &'static str,
    },
    /// `in`/`notin` with an empty value set.
    #[error(
        "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty (key {0:?})"
    )]
    EmptyValueSet(String),
    /// `<`/`>` with a value that is not an integer.
    #[error(
        "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer, got {value:?} (key {key:?})"
    )]
    NotAnInteger {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
    /// A field selector term without an operator.
    #[error("invalid selector: '{input}'; can't understand '{term}'")]
    FieldTermWithoutOperator {
        /// The whole selector.
        input: String,
        /// The offending term.
        term: String,
    },
    /// A field selector value with a bad `\` escape.
    #[error("invalid field selector: invalid escape sequence: {0}")]
    InvalidEscape(String),
    /// A field selector value with an unescaped `,` or `=`.
    #[error("invalid field selector: unescaped character {0}")]
    UnescapedCharacter(char),
    /// A field selector that names a field other than `metadata.name`/`metadata.namespace`.
    #[error("{0:?} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")]
    UnknownField(String),
}
