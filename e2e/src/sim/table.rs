//! Table output (`meta.k8s.io/v1` `Table`), as kube-apiserver serves it for
//! `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`.
//!
//! Columns: Name (format `name`), then the resource's printer columns. Cells of custom resources'
//! `date` columns and the Age column are rendered as kubectl's human durations (`apimachinery/pkg/util/duration`
//! `HumanDuration`). Each row carries the object as `PartialObjectMetadata` (default), the full
//! object (`includeObject=Object`) or nothing (`includeObject=None`).
//!
//! The `JSONPath` subset covers printer columns: `.a.b`, `.a[0].b`, `.a[*].b` (values joined by
//! commas, as kubectl prints them) and the `{…}` wrapping.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::resources::{CellSource, PrinterColumn, ResourceInfo};

/// What each row's `object` holds (`includeObject` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    /// No object.
    None,
    /// `PartialObjectMetadata` (the default).
    Metadata,
    /// The full object.
    Object,
}

impl IncludeObject {
    /// Parse the query parameter; unknown values mean the default.
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("None") => Self::None,
            Some("Object") => Self::Object,
            _ => Self::Metadata,
        }
    }
}

/// `HumanDuration` from `k8s.io/apimachinery/pkg/util/duration`, for whole seconds.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 { format!("{}d", hours / 24) } else { format!("{}d{h}h", hours / 24) };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Age of an RFC 3339 timestamp at `now`, or `<unknown>`.
fn age(ts: &Value, now: Timestamp) -> Value {
    match ts.as_str().and_then(|s| s.parse::<Timestamp>().ok()) {
        Some(t) => json!(human_duration(now.as_second() - t.as_second())),
        None => json!("<unknown>"),
    }
}

/// Evaluate a printer-column `JSONPath`; `None` when nothing matches.
pub fn json_path(obj: &Value, path: &str) -> Option<Value> {
    let path = path.trim();
    let path = path.strip_prefix('{').and_then(|p| p.strip_suffix('}')).unwrap_or(path);
    let mut current: Vec<&Value> = vec![obj];
    for step in split_steps(path.trim_start_matches('$')) {
        let mut next = Vec::new();
        for v in current {
            match step {
                Step::Field(name) => next.extend(v.get(name)),
                Step::Index(i) => next.extend(v.get(i)),
                Step::All => next.extend(v.as_array().into_iter().flatten()),
            }
        }
        current = next;
    }
    match current.as_slice() {
        [] => None,
        [one] => Some((*one).clone()),
        many => Some(json!(many.iter().map(|v| cell_text(v)).collect::<Vec<_>>().join(","))),
    }
}

enum Step<'a> {
    Field(&'a str),
    Index(usize),
    All,
}

fn split_steps(path: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (name, rest) = segment.split_once('[').map_or((segment, None), |(n, r)| (n, Some(r)));
        if !name.is_empty() {
            steps.push(Step::Field(name));
        }
        for index in rest.into_iter().flat_map(|r| r.split('[')) {
            let index = index.trim_end_matches(']');
            if index == "*" {
                steps.push(Step::All);
            } else if let Ok(i) = index.parse() {
                steps.push(Step::Index(i));
            }
        }
    }
    steps
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn cell(column: &PrinterColumn, obj: &Value, now: Timestamp) -> Value {
    match &column.source {
        CellSource::Age => age(&obj["metadata"]["creationTimestamp"], now),
        CellSource::Builtin(f) => f(obj),
        // Custom resources' `date` columns are served as ages; built-in `Created At` columns stay
        // timestamps (what `kubectl get crd` shows).
        CellSource::JsonPath(path) => match json_path(obj, path) {
            Some(v) if column.kind == "date" && v.is_string() => age(&v, now),
            Some(v) => v,
            None => Value::Null,
        },
    }
}

fn column_definition(name: &str, kind: &str, format: &str, description: &str, priority: i64) -> Value {
    json!({"name": name, "type": kind, "format": format, "description": description, "priority": priority})
}

/// A Table of `objects` of `info` at `now`, with the list's resourceVersion and continue token.
pub fn render(
    info: &ResourceInfo,
    api_version: &str,
    objects: &[Value],
    now: Timestamp,
    include: IncludeObject,
    list_meta: &Value,
) -> Value {
    let mut columns = vec![column_definition(
        "Name",
        "string",
        "name",
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.",
        0,
    )];
    columns.extend(
        info.columns
            .iter()
            .map(|c| column_definition(&c.name, &c.kind, &c.format, &c.description, c.priority)),
    );
    let rows: Vec<Value> = objects
        .iter()
        .map(|obj| {
            let mut cells = vec![obj["metadata"]["name"].clone()];
            cells.extend(info.columns.iter().map(|c| cell(c, obj, now)));
            let object = match include {
                IncludeObject::None => Value::Null,
                IncludeObject::Metadata => json!({
                    "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"].clone(),
                }),
                IncludeObject::Object => {
                    let mut o = obj.clone();
                    o["apiVersion"] = json!(api_version);
                    o["kind"] = json!(info.kind);
                    o
                }
            };
            json!({"cells": cells, "object": object})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "columnDefinitions": columns, "rows": rows})
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use serde_json::json;

    use super::{IncludeObject, human_duration, json_path, render};
    use crate::sim::resources::ResourceTable;

    // Vectors from k8s.io/apimachinery/pkg/util/duration TestHumanDuration.
    #[test]
    fn human_duration_matches_upstream_vectors() {
        let table = [
            (1, "1s"),
            (70, "70s"),
            (190, "3m10s"),
            (70 * 60, "70m"),
            (47 * 3600, "47h"),
            (49 * 3600, "2d1h"),
            ((8 * 24 + 2) * 3600, "8d"),
            (367 * 24 * 3600, "367d"),
            ((365 * 2 + 1) * 24 * 3600, "2y1d"),
            ((365 * 8) * 24 * 3600 + 3600, "8y"),
            (-2, "<invalid>"),
            (-1, "0s"),
            (2 * 3600 + 30 * 60, "150m"),
            (5 * 3600, "5h"),
            (5 * 3600 + 5 * 60, "5h5m"),
        ];
        for (secs, want) in table {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn json_path_reads_fields_indexes_and_wildcards() {
        let obj = json!({"spec": {"replicas": 3, "containers": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(json_path(&obj, ".spec.replicas"), Some(json!(3)));
        assert_eq!(json_path(&obj, "{.spec.containers[1].name}"), Some(json!("b")));
        assert_eq!(json_path(&obj, ".spec.containers[*].name"), Some(json!("a,b")));
        assert_eq!(json_path(&obj, ".spec.missing"), None);
    }

    #[test]
    fn deployment_table_has_ready_up_to_date_available_and_age() {
        let table = ResourceTable::with_builtins();
        let info = table.find("apps", "v1", "deployments").unwrap();
        let now = Timestamp::from_second(1_700_000_600).unwrap();
        let deploy = json!({"metadata": {"name": "web", "creationTimestamp": "2023-11-14T22:13:20Z"},
            "spec": {"replicas": 3}, "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let t = render(
            info,
            "apps/v1",
            &[deploy],
            now,
            IncludeObject::Metadata,
            &json!({"resourceVersion": "7"}),
        );
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["name"].as_str())
            .take(5)
            .collect();
        assert_eq!(names, vec!["Name", "Ready", "Up-to-date", "Available", "Age"]);
        let cells = &t["rows"][0]["cells"];
        assert_eq!(
            cells.as_array().unwrap()[..5],
            [json!("web"), json!("2/3"), json!(3), json!(2), json!("10m")]
        );
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    }
}
