//! `meta.k8s.io` Table output (what `kubectl get nodes.metrics.k8s.io` asks for).
//!
//! Port of metrics-server `pkg/api/table.go` plus the apiserver's row-object transform: columns
//! `Name` (format `name`), one column per resource name sorted (`cpu`, `memory`, format
//! `quantity`), then `Window` (format `duration`). Columns are decided by the first item that has
//! resources; before that (pods with no containers) only `Name` and `Window` exist, as upstream's
//! `names == nil` check does. Pod cells sum usage over containers. An empty list yields `null`
//! column definitions and rows (Go nil slices). Row objects follow `includeObject`: by default
//! `PartialObjectMetadata`, `Object` for the full item, `None` for `null`.

use serde::Serialize;

use super::types::{ListMeta, NodeMetrics, ObjectMeta, PodMetrics};
use crate::quantity::Quantity;

/// Which `meta.k8s.io` version the client asked the Table in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableVersion {
    /// `meta.k8s.io/v1`.
    V1,
    /// `meta.k8s.io/v1beta1`.
    V1Beta1,
}

impl TableVersion {
    /// The `apiVersion` string.
    pub fn api_version(self) -> &'static str {
        match self {
            Self::V1 => "meta.k8s.io/v1",
            Self::V1Beta1 => "meta.k8s.io/v1beta1",
        }
    }
}

/// The `includeObject` query parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IncludeObject {
    /// `None`: rows carry `"object":null`.
    None,
    /// `Metadata` (default): rows carry `PartialObjectMetadata`.
    #[default]
    Metadata,
    /// `Object`: rows carry the full item.
    Object,
}

impl IncludeObject {
    /// Parses the query value; `None` for anything unknown.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "None" => Some(Self::None),
            "Metadata" | "" => Some(Self::Metadata),
            "Object" => Some(Self::Object),
            _ => None,
        }
    }
}

/// One column definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableColumnDefinition {
    /// Column title.
    pub name: String,
    /// Cell type (always `string`).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Cell format (`name`, `quantity`, `duration`).
    pub format: &'static str,
    /// Description (only on `Name`).
    pub description: &'static str,
    /// Always 0.
    pub priority: i32,
}

/// `PartialObjectMetadata` row object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartialObjectMetadata {
    /// Always `PartialObjectMetadata`.
    pub kind: &'static str,
    /// Same version as the Table.
    pub api_version: &'static str,
    /// The item's metadata.
    pub metadata: ObjectMeta,
}

/// What a row carries in `object`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RowObject {
    /// Metadata only.
    Partial(PartialObjectMetadata),
    /// A full node item.
    Node(NodeMetrics),
    /// A full pod item.
    Pod(PodMetrics),
}

/// One row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    /// Cells in column order.
    pub cells: Vec<String>,
    /// Row object (`null` with `includeObject=None`).
    pub object: Option<RowObject>,
}

/// A `Table`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// Always `Table`.
    pub kind: &'static str,
    /// `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`.
    pub api_version: &'static str,
    /// Always `{}`.
    pub metadata: ListMeta,
    /// Columns, `null` for an empty list.
    pub column_definitions: Option<Vec<TableColumnDefinition>>,
    /// Rows, `null` for an empty list.
    pub rows: Option<Vec<TableRow>>,
}

fn columns(resource_names: &[&str]) -> Vec<TableColumnDefinition> {
    let column = |name: &str, format, description| TableColumnDefinition {
        name: name.to_owned(),
        kind: "string",
        format,
        description,
        priority: 0,
    };
    let mut out = vec![column("Name", "name", "Name of the resource")];
    out.extend(resource_names.iter().map(|n| column(n, "quantity", "")));
    out.push(column("Window", "duration", ""));
    out
}

struct Builder {
    version: TableVersion,
    include: IncludeObject,
    columns: Option<Vec<TableColumnDefinition>>,
    rows: Option<Vec<TableRow>>,
    /// Whether the resource columns are fixed (upstream `names != nil`).
    names_fixed: bool,
}

impl Builder {
    fn new(version: TableVersion, include: IncludeObject) -> Self {
        Self { version, include, columns: None, rows: None, names_fixed: false }
    }

    fn push(&mut self, name: &str, usage: Option<(u64, u64)>, window: &str, object: RowObject) {
        if !self.names_fixed {
            let names: &[&str] = if usage.is_some() { &["cpu", "memory"] } else { &[] };
            self.columns = Some(columns(names));
            self.names_fixed = usage.is_some();
        }
        let mut cells = vec![name.to_owned()];
        if self.names_fixed {
            let (cpu, memory) = usage.unwrap_or((0, 0));
            cells.push(Quantity::from_nanocores(cpu).to_string());
            cells.push(Quantity::from_bytes(memory).to_string());
        }
        cells.push(window.to_owned());
        let object = match self.include {
            IncludeObject::None => None,
            IncludeObject::Object => Some(object),
            IncludeObject::Metadata => {
                let metadata = match object {
                    RowObject::Partial(p) => p.metadata,
                    RowObject::Node(n) => n.metadata,
                    RowObject::Pod(p) => p.metadata,
                };
                Some(RowObject::Partial(PartialObjectMetadata {
                    kind: "PartialObjectMetadata",
                    api_version: self.version.api_version(),
                    metadata,
                }))
            }
        };
        self.rows.get_or_insert_with(Vec::new).push(TableRow { cells, object });
    }

    fn finish(self) -> Table {
        Table {
            kind: "Table",
            api_version: self.version.api_version(),
            metadata: ListMeta {},
            column_definitions: self.columns,
            rows: self.rows,
        }
    }
}

/// Table for node items (already sorted).
pub fn node_table(items: &[NodeMetrics], version: TableVersion, include: IncludeObject) -> Table {
    let mut builder = Builder::new(version, include);
    for node in items {
        let usage = (node.usage.cpu_nanocores(), node.usage.memory_bytes());
        builder.push(&node.metadata.name, Some(usage), &node.window, RowObject::Node(node.clone()));
    }
    builder.finish()
}

/// Table for pod items (already sorted); cells sum usage over containers.
pub fn pod_table(items: &[PodMetrics], version: TableVersion, include: IncludeObject) -> Table {
    let mut builder = Builder::new(version, include);
    for pod in items {
        let usage = (!pod.containers.is_empty()).then(|| {
            pod.containers.iter().fold((0u64, 0u64), |(cpu, mem), c| {
                (cpu.saturating_add(c.usage.cpu_nanocores()), mem.saturating_add(c.usage.memory_bytes()))
            })
        });
        builder.push(&pod.metadata.name, usage, &pod.window, RowObject::Pod(pod.clone()));
    }
    builder.finish()
}
