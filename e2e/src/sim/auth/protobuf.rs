//! A minimal decoder of Kubernetes protobuf for the one body the sim must read in that encoding:
//! `SelfSubjectAccessReview`, which `kubectl auth can-i` sends as
//! `application/vnd.kubernetes.protobuf` without a JSON fallback.
//!
//! Wire format: the magic `k8s\0`, then a `runtime.Unknown` message (1 `typeMeta`, 2 `raw`, …)
//! whose `raw` is the `SelfSubjectAccessReview` (2 `spec`: 1 `resourceAttributes`
//! {1 namespace, 2 verb, 3 group, 4 version, 5 resource, 6 subresource, 7 name},
//! 2 `nonResourceAttributes` {1 path, 2 verb}). Unknown fields are skipped; every read is
//! bounds-checked and malformed input is an error, never a panic.

use serde_json::{Value, json};

/// The Kubernetes protobuf media type.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

const MAGIC: &[u8] = b"k8s\0";

/// Malformed protobuf input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    /// The body does not start with `k8s\0`.
    #[error("the protobuf body does not start with the Kubernetes magic number")]
    Magic,
    /// A varint ran past the end or over 10 bytes.
    #[error("truncated or overlong varint at byte {0}")]
    Varint(usize),
    /// A length-delimited field ran past the end.
    #[error("field {field} claims {len} bytes but only {left} remain")]
    Truncated {
        /// Field number.
        field: u64,
        /// Claimed length.
        len: u64,
        /// Bytes left.
        left: usize,
    },
    /// A wire type the decoder does not know (groups, or > 5).
    #[error("unsupported protobuf wire type {0}")]
    WireType(u64),
    /// A string field is not UTF-8.
    #[error("field {0} is not valid UTF-8")]
    Utf8(u64),
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, ProtobufError> {
    let start = *pos;
    let mut value = 0u64;
    for shift in 0..10 {
        let byte = *buf.get(*pos).ok_or(ProtobufError::Varint(start))?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << (shift * 7);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(ProtobufError::Varint(start))
}

/// One decoded field value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 2 (strings, bytes, embedded messages).
    Bytes(&'a [u8]),
}

/// The length-delimited fields of a message, as (field number, bytes); other wire types skipped.
pub fn fields(buf: &[u8]) -> Result<Vec<(u64, &[u8])>, ProtobufError> {
    Ok(all_fields(buf)?
        .into_iter()
        .filter_map(|(n, f)| match f {
            Field::Bytes(b) => Some((n, b)),
            Field::Varint(_) => None,
        })
        .collect())
}

/// The varint and length-delimited fields of a message; fixed-width ones are skipped.
pub fn all_fields(buf: &[u8]) -> Result<Vec<(u64, Field<'_>)>, ProtobufError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let (field, wire) = (key >> 3, key & 7);
        match wire {
            0 => out.push((field, Field::Varint(varint(buf, &mut pos)?))),
            1 | 5 => {
                let width = if wire == 1 { 8 } else { 4 };
                if buf.len() - pos < width {
                    return Err(ProtobufError::Truncated { field, len: width as u64, left: buf.len() - pos });
                }
                pos += width;
            }
            2 => {
                let len = varint(buf, &mut pos)?;
                let left = buf.len() - pos;
                let n = usize::try_from(len).ok().filter(|n| *n <= left);
                let Some(n) = n else { return Err(ProtobufError::Truncated { field, len, left }) };
                out.push((field, Field::Bytes(&buf[pos..pos + n])));
                pos += n;
            }
            other => return Err(ProtobufError::WireType(other)),
        }
    }
    Ok(out)
}

fn field(buf: &[u8], number: u64) -> Result<Option<&[u8]>, ProtobufError> {
    Ok(fields(buf)?.into_iter().rev().find(|(f, _)| *f == number).map(|(_, b)| b))
}

fn strings(buf: &[u8], names: &[(u64, &str)]) -> Result<Value, ProtobufError> {
    let mut obj = serde_json::Map::new();
    for (number, bytes) in fields(buf)? {
        if let Some((_, name)) = names.iter().find(|(n, _)| *n == number) {
            let s = std::str::from_utf8(bytes).map_err(|_| ProtobufError::Utf8(number))?;
            obj.insert((*name).to_owned(), json!(s));
        }
    }
    Ok(Value::Object(obj))
}

/// The JSON form (`{"apiVersion", "kind", "spec": {…}}`) of a protobuf-encoded
/// `SelfSubjectAccessReview`.
pub fn decode_self_subject_access_review(body: &[u8]) -> Result<Value, ProtobufError> {
    let unknown = body.strip_prefix(MAGIC).ok_or(ProtobufError::Magic)?;
    let raw = field(unknown, 2)?.unwrap_or_default();
    let spec_bytes = field(raw, 2)?.unwrap_or_default();
    let mut spec = serde_json::Map::new();
    if let Some(r) = field(spec_bytes, 1)? {
        let names = [
            (1, "namespace"),
            (2, "verb"),
            (3, "group"),
            (4, "version"),
            (5, "resource"),
            (6, "subresource"),
            (7, "name"),
        ];
        spec.insert("resourceAttributes".into(), strings(r, &names)?);
    }
    if let Some(n) = field(spec_bytes, 2)? {
        spec.insert("nonResourceAttributes".into(), strings(n, &[(1, "path"), (2, "verb")])?);
    }
    Ok(
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "metadata": {}, "spec": spec}),
    )
}

/// The JSON form of a protobuf-encoded `TokenRequest` (`kubectl create token`): spec
/// `audiences` (1) and `expirationSeconds` (4); the bound object reference is ignored.
pub fn decode_token_request(body: &[u8]) -> Result<Value, ProtobufError> {
    let unknown = body.strip_prefix(MAGIC).ok_or(ProtobufError::Magic)?;
    let raw = field(unknown, 2)?.unwrap_or_default();
    let spec_bytes = field(raw, 2)?.unwrap_or_default();
    let mut audiences = Vec::new();
    let mut spec = serde_json::Map::new();
    for (number, value) in all_fields(spec_bytes)? {
        match (number, value) {
            (1, Field::Bytes(b)) => {
                audiences.push(json!(std::str::from_utf8(b).map_err(|_| ProtobufError::Utf8(1))?));
            }
            (4, Field::Varint(v)) => {
                spec.insert("expirationSeconds".into(), json!(v));
            }
            _ => {}
        }
    }
    spec.insert("audiences".into(), Value::Array(audiences));
    Ok(
        json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "metadata": {}, "spec": spec}),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{ProtobufError, decode_self_subject_access_review, decode_token_request};

    /// A length-delimited field.
    fn ld(field: u8, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(field << 3) | 2, u8::try_from(bytes.len()).unwrap()];
        out.extend_from_slice(bytes);
        out
    }

    fn envelope(raw: &[u8]) -> Vec<u8> {
        let type_meta = [ld(1, b"authorization.k8s.io/v1"), ld(2, b"SelfSubjectAccessReview")].concat();
        [b"k8s\0".to_vec(), ld(1, &type_meta), ld(2, raw), ld(4, b"application/vnd.kubernetes.protobuf")]
            .concat()
    }

    #[test]
    fn resource_attributes_decode_from_a_kubectl_shaped_body() {
        let attrs = [ld(1, b"default"), ld(2, b"list"), ld(5, b"pods")].concat();
        let raw = [ld(1, &[]), ld(2, &ld(1, &attrs)), ld(3, &[])].concat();
        let review = decode_self_subject_access_review(&envelope(&raw)).unwrap();
        assert_eq!(
            review["spec"],
            json!({"resourceAttributes": {"namespace": "default", "verb": "list", "resource": "pods"}})
        );
    }

    #[test]
    fn token_requests_decode_audiences_and_expiration() {
        let spec = [ld(1, b"api"), ld(1, b"vault"), vec![4 << 3, 0x90, 0x1c]].concat();
        let body = [b"k8s\0".to_vec(), ld(2, &ld(2, &spec))].concat();
        let request = decode_token_request(&body).unwrap();
        assert_eq!(request["spec"], json!({"audiences": ["api", "vault"], "expirationSeconds": 3600}));
    }

    #[test]
    fn non_resource_attributes_decode() {
        let raw = ld(2, &ld(2, &[ld(1, b"/metrics"), ld(2, b"get")].concat()));
        let review = decode_self_subject_access_review(&envelope(&raw)).unwrap();
        assert_eq!(review["spec"], json!({"nonResourceAttributes": {"path": "/metrics", "verb": "get"}}));
    }

    proptest::proptest! {
        #[test]
        fn decoders_never_panic_on_arbitrary_bodies(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let body = [b"k8s\0".to_vec(), tail].concat();
            let _ = decode_self_subject_access_review(&body);
            let _ = decode_token_request(&body);
        }
    }

    #[test]
    fn bodies_without_magic_or_truncated_are_errors() {
        assert_eq!(decode_self_subject_access_review(b"{}"), Err(ProtobufError::Magic));
        let truncated = [b"k8s\0".to_vec(), vec![0x12, 0x7f, 0x01]].concat();
        assert!(matches!(
            decode_self_subject_access_review(&truncated),
            Err(ProtobufError::Truncated { field: 2, len: 127, left: 1 })
        ));
    }
}
