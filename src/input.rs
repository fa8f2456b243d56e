//! Reading the input documents of the offline commands (`hpa plan`, `metrics replay`, …).
//!
//! Every offline command takes one JSON or YAML document from a file or `-` (stdin). The text is
//! first read into a `serde_json::Value` (JSON is tried first; YAML when the text is not JSON), then
//! decoded into the command's typed input with `serde_path_to_error`, so a bad field is reported by
//! its path (`pods[2].status.startTime: premature end of input`) rather than by a byte offset the
//! user cannot map back to a pasted `kubectl get -o json` document.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// Why an input document could not be read or decoded.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file (or stdin) could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The path given (`-` for stdin).
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is neither JSON nor YAML.
    #[error("{} is neither valid JSON ({json}) nor valid YAML ({yaml})", .path.display())]
    Syntax {
        /// The path given.
        path: PathBuf,
        /// The JSON parser's complaint.
        json: String,
        /// The YAML parser's complaint.
        yaml: String,
    },
    /// The document parsed but a field has the wrong shape or value.
    #[error("invalid input: field `{field}`: {message}")]
    Field {
        /// Path of the offending field, e.g. `pods[2].status.startTime` (`.` for the document itself).
        field: String,
        /// What was wrong with it.
        message: String,
    },
}

/// Reads a document from `path`, or from stdin when `path` is `-`.
pub fn read_document(path: &Path) -> Result<serde_json::Value, InputError> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|source| InputError::Read { path: path.to_owned(), source })?;
    parse_document(&text).map_err(|(json, yaml)| InputError::Syntax { path: path.to_owned(), json, yaml })
}

/// Parses JSON, or YAML when the text is not JSON. On failure returns both parsers' messages.
pub fn parse_document(text: &str) -> Result<serde_json::Value, (String, String)> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(json) => serde_saphyr::from_str::<serde_json::Value>(text)
            .map_err(|yaml| (json.to_string(), yaml.to_string())),
    }
}

/// Decodes a parsed document into `T`, naming the offending field on failure.
pub fn decode<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, InputError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let field = err.path().to_string();
        InputError::Field { field, message: err.into_inner().to_string() }
    })
}

/// Reads and decodes in one step.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<T, InputError> {
    decode(read_document(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        replicas: i32,
        #[serde(default)]
        pods: Vec<Pod>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pod {
        name: String,
    }

    #[test]
    fn json_and_yaml_documents_decode_to_the_same_value() {
        let json = parse_document(r#"{"replicas": 3, "pods": [{"name": "a"}]}"#).unwrap();
        let yaml = parse_document("replicas: 3\npods:\n  - name: a\n").unwrap();
        assert_eq!(json, yaml);
        let doc: Doc = decode(json).unwrap();
        assert_eq!(doc, Doc { replicas: 3, pods: vec![Pod { name: "a".into() }] });
    }

    #[test]
    fn a_bad_nested_field_is_named_by_its_path() {
        let value = parse_document(r#"{"replicas": 3, "pods": [{"name": "a"}, {"name": 7}]}"#).unwrap();
        let err = decode::<Doc>(value).unwrap_err().to_string();
        assert!(err.starts_with("invalid input: field `pods[1].name`: invalid type: integer `7`"), "{err}");
    }

    #[test]
    fn an_unknown_top_level_field_is_named() {
        let value = parse_document(r#"{"replicas": 3, "replicaz": 4}"#).unwrap();
        let err = decode::<Doc>(value).unwrap_err().to_string();
        assert!(err.contains("unknown field `replicaz`"), "{err}");
    }

    #[test]
    fn text_that_is_neither_json_nor_yaml_reports_both_parsers() {
        let (json, yaml) = parse_document("{replicas: [3").unwrap_err();
        assert!(!json.is_empty() && !yaml.is_empty());
    }

    #[test]
    fn a_missing_file_is_a_read_error_naming_the_path() {
        let err = read_document(Path::new("/nonexistent/bellows-input.json")).unwrap_err().to_string();
        assert!(err.starts_with("cannot read /nonexistent/bellows-input.json:"), "{err}");
    }
}
