//! `Accept` header negotiation: plain JSON or a `meta.k8s.io` Table.
//!
//! Media ranges are considered in order of decreasing `q` (stable for ties, `q=0` excluded).
//! `application/json` without `as` (and `*/*`, `application/*`) selects JSON;
//! `application/json;as=Table;g=meta.k8s.io;v=v1|v1beta1` selects a Table. Protobuf, YAML and other
//! transforms are not served, so they are skipped; if nothing remains the request is refused with
//! 406 like the apiserver. A missing or empty header means JSON.

use super::table::TableVersion;

/// The representation to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    /// The object itself as JSON.
    Json,
    /// A Table of the given version.
    Table(TableVersion),
}

impl Representation {
    /// `Content-Type` header for this representation.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Table(TableVersion::V1) => "application/json;as=Table;v=v1;g=meta.k8s.io",
            Self::Table(TableVersion::V1Beta1) => "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
        }
    }
}

/// Picks the representation for `accept`; `None` when nothing acceptable is offered.
pub fn negotiate(accept: Option<&str>) -> Option<Representation> {
    let accept = accept.map(str::trim).unwrap_or_default();
    if accept.is_empty() {
        return Some(Representation::Json);
    }
    let mut ranges: Vec<(f64, Option<Representation>)> = accept.split(',').map(classify).collect();
    ranges.retain(|(q, _)| *q > 0.0);
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges.into_iter().find_map(|(_, r)| r)
}

/// The `q` value of one media range and what it would select.
fn classify(range: &str) -> (f64, Option<Representation>) {
    let mut parts = range.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default().to_ascii_lowercase();
    let (mut q, mut as_, mut g, mut v) = (1.0, None, None, None);
    for param in parts {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"');
        match key.trim() {
            "q" => q = value.parse().unwrap_or(1.0),
            "as" => as_ = Some(value.to_owned()),
            "g" => g = Some(value.to_owned()),
            "v" => v = Some(value.to_owned()),
            _ => {}
        }
    }
    let selected = match (media.as_str(), as_.as_deref()) {
        ("application/json" | "*/*" | "application/*", None) => Some(Representation::Json),
        ("application/json", Some("Table")) if g.as_deref() == Some("meta.k8s.io") => match v.as_deref() {
            Some("v1") => Some(Representation::Table(TableVersion::V1)),
            Some("v1beta1") => Some(Representation::Table(TableVersion::V1Beta1)),
            _ => None,
        },
        _ => None,
    };
    (q, selected)
}
