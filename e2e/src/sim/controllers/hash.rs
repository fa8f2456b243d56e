//! The `pod-template-hash` of a pod template, after `controller.ComputeHash`: FNV-1a (32 bit)
//! of the template, printed in decimal and mapped character by character onto the alphabet of
//! `rand.SafeEncodeString` (no vowels, no confusable digits). Upstream hashes a `spew` dump of the Go
//! struct; the sim hashes a canonical JSON text (keys sorted), so hashes are stable and differ
//! whenever the template differs, but are not byte-identical to a real cluster's.

use serde_json::Value;

const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// FNV-1a, 32 bit.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

/// JSON text with object keys sorted at every level.
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// `rand.SafeEncodeString`.
fn safe_encode(text: &str) -> String {
    text.bytes().map(|b| char::from(ALPHANUMS[usize::from(b) % ALPHANUMS.len()])).collect()
}

/// The hash label value for a template.
pub fn template_hash(template: &Value) -> String {
    safe_encode(&fnv1a(canonical(template).as_bytes()).to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{canonical, fnv1a, safe_encode, template_hash};

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // FNV-1a 32-bit test vectors (Fowler/Noll/Vo reference: "" and "a").
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
    }

    #[test]
    fn safe_encoding_maps_digits_like_upstream() {
        // '0' is byte 48, 48 % 27 = 21 → '4'.
        assert_eq!(safe_encode("0123"), "4567");
    }

    #[test]
    fn the_hash_ignores_key_order_but_not_content() {
        let a = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "image": "x"}]}});
        let b = json!({"spec": {"containers": [{"image": "x", "name": "a"}]}, "metadata": {"labels": {"app": "web"}}});
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(template_hash(&a), template_hash(&b));
        let c = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "image": "y"}]}});
        assert_ne!(template_hash(&a), template_hash(&c));
    }
}
