//! Multi-document YAML for the generated artefacts (`bellows crds`, `bellows manifests`): a header
//! comment, then `---` and one document per object, each ending in a newline. Deterministic, so
//! the committed files can be compared byte for byte.

use serde::Serialize;

/// An object that could not be rendered (a bug: generated objects are plain data).
#[derive(Debug, thiserror::Error)]
#[error("cannot render {object} as YAML: {source}")]
pub struct YamlError {
    /// What the object is, e.g. `CustomResourceDefinition foo` or `Deployment bellows`.
    pub object: String,
    /// The serializer's error.
    #[source]
    pub source: serde_saphyr::SerializeError,
}

/// Renders `objects` after `header`; `describe` names an object in errors.
pub fn documents<T: Serialize>(
    header: &str,
    objects: &[T],
    describe: impl Fn(&T) -> String,
) -> Result<String, YamlError> {
    let mut out = String::from(header);
    for object in objects {
        let yaml = serde_saphyr::to_string(object)
            .map_err(|source| YamlError { object: describe(object), source })?;
        out.push_str("---\n");
        out.push_str(&yaml);
        if !yaml.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_is_a_document_after_the_header() {
        let objects = [serde_json::json!({"a": 1}), serde_json::json!({"b": "x"})];
        let text = documents("# header\n", &objects, ToString::to_string).unwrap();
        assert_eq!(text, "# header\n---\na: 1\n---\nb: x\n");
    }
}
