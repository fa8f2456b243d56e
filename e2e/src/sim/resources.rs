//! The resource table: every resource the simulated API server serves, built-in or from a CRD.
//!
//! Model: one [`ResourceInfo`] per (group, plural). Its served versions all share one stored
//! object (no conversion: the serving layer only rewrites `apiVersion`). Built-in types register
//! at start ([`crate::sim::builtin`]); a `CustomResourceDefinition` written through the API
//! registers (or re-registers) its resource with [`ResourceTable::register_crd`], and deleting it
//! unregisters the resource.
//!
//! Invariants: (group, plural) is unique; the first served version of a group that was registered
//! is that group's preferred version; core (`""`) is listed under `/api`, every other group under
//! `/apis` in registration order.

use serde_json::Value;

/// The verbs every ordinary resource supports.
pub const STANDARD_VERBS: &[&str] =
    &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/// Where a printer column's cell comes from.
#[derive(Debug, Clone)]
pub enum CellSource {
    /// A `JSONPath` into the object (CRD `additionalPrinterColumns`).
    JsonPath(String),
    /// `metadata.creationTimestamp` rendered as an age (`5m`, `2d3h`).
    Age,
    /// Computed by a built-in printer, like kube-apiserver's Go printers.
    Builtin(fn(&Value) -> Value),
}

/// One Table column.
#[derive(Debug, Clone)]
pub struct PrinterColumn {
    /// Header, e.g. `Ready`.
    pub name: String,
    /// `OpenAPI` type: `string`, `integer`, `number`, `boolean`, `date`.
    pub kind: String,
    /// `OpenAPI` format (`name` for the Name column).
    pub format: String,
    /// Column description.
    pub description: String,
    /// 0 for default output, more for `-o wide`.
    pub priority: i64,
    /// How a cell is computed.
    pub source: CellSource,
}

impl PrinterColumn {
    /// A column computed by a built-in printer.
    pub fn builtin(name: &str, kind: &str, priority: i64, f: fn(&Value) -> Value) -> Self {
        Self {
            name: name.to_owned(),
            kind: kind.to_owned(),
            format: String::new(),
            description: String::new(),
            priority,
            source: CellSource::Builtin(f),
        }
    }

    /// The Age column.
    pub fn age() -> Self {
        Self {
            name: "Age".into(),
            kind: "string".into(),
            format: String::new(),
            description:
                "CreationTimestamp is a timestamp representing the server time when this object was created."
                    .into(),
            priority: 0,
            source: CellSource::Age,
        }
    }
}

/// Where the `scale` subresource finds replicas and selector in the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleSpec {
    /// `JSONPath` of the desired replicas (`.spec.replicas`).
    pub spec_replicas_path: String,
    /// `JSONPath` of the observed replicas (`.status.replicas`).
    pub status_replicas_path: String,
    /// `JSONPath` of the selector: a string (CRDs) or a `LabelSelector` object (built-ins).
    pub label_selector_path: Option<String>,
}

impl ScaleSpec {
    /// The paths the apps/v1 workloads use.
    pub fn workload() -> Self {
        Self {
            spec_replicas_path: ".spec.replicas".into(),
            status_replicas_path: ".status.replicas".into(),
            label_selector_path: Some(".spec.selector".into()),
        }
    }
}

/// One served resource.
#[derive(Debug, Clone)]
pub struct ResourceInfo {
    /// API group, `""` for core.
    pub group: String,
    /// Served versions; the first is the preferred one.
    pub versions: Vec<String>,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Plural (the URL segment), e.g. `deployments`.
    pub plural: String,
    /// Singular name, e.g. `deployment`.
    pub singular: String,
    /// Short names, e.g. `deploy`.
    pub short_names: Vec<String>,
    /// Categories, e.g. `all`.
    pub categories: Vec<String>,
    /// Namespaced (true) or cluster-scoped.
    pub namespaced: bool,
    /// Supported verbs on the main resource.
    pub verbs: Vec<String>,
    /// Whether a `status` subresource exists.
    pub status: bool,
    /// The `scale` subresource, if any.
    pub scale: Option<ScaleSpec>,
    /// Table columns after Name.
    pub columns: Vec<PrinterColumn>,
    /// Registered by a CRD (deleted with it).
    pub from_crd: bool,
    /// Served as a view of another resource's stored objects (see [`crate::sim::views`]).
    pub view: Option<crate::sim::views::View>,
}

impl ResourceInfo {
    /// A namespaced or cluster-scoped resource with the standard verbs and an Age column.
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        Self {
            group: group.to_owned(),
            versions: vec![version.to_owned()],
            kind: kind.to_owned(),
            plural: plural.to_owned(),
            singular: kind.to_lowercase(),
            short_names: Vec::new(),
            categories: Vec::new(),
            namespaced,
            verbs: STANDARD_VERBS.iter().map(|v| (*v).to_owned()).collect(),
            status: false,
            scale: None,
            columns: vec![PrinterColumn::age()],
            from_crd: false,
            view: None,
        }
    }

    /// Builder: a view of another resource's objects (stored there, converted on every access).
    #[must_use]
    pub fn view_of(mut self, view: crate::sim::views::View) -> Self {
        self.view = Some(view);
        self
    }

    /// The store key of this resource's objects (the viewed resource's key for a view).
    pub fn storage_key(&self) -> crate::sim::store::ResourceKey {
        self.view.map_or_else(
            || crate::sim::store::ResourceKey::new(&self.group, &self.plural),
            crate::sim::views::View::storage,
        )
    }

    /// Builder: short names.
    #[must_use]
    pub fn short(mut self, names: &[&str]) -> Self {
        self.short_names = names.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Builder: member of the `all` category.
    #[must_use]
    pub fn in_all(mut self) -> Self {
        self.categories = vec!["all".into()];
        self
    }

    /// Builder: with a `status` subresource.
    #[must_use]
    pub fn with_status(mut self) -> Self {
        self.status = true;
        self
    }

    /// Builder: with the workload `scale` subresource.
    #[must_use]
    pub fn with_scale(mut self) -> Self {
        self.scale = Some(ScaleSpec::workload());
        self
    }

    /// Builder: replace the Table columns after Name.
    #[must_use]
    pub fn columns(mut self, columns: Vec<PrinterColumn>) -> Self {
        self.columns = columns;
        self
    }

    /// Builder: more served versions after the preferred one.
    #[must_use]
    pub fn also_versions(mut self, versions: &[&str]) -> Self {
        self.versions.extend(versions.iter().map(|v| (*v).to_owned()));
        self
    }

    /// `group/version` for `apiVersion`, `version` alone for core.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() { version.to_owned() } else { format!("{}/{version}", self.group) }
    }

    /// The preferred (storage) version.
    pub fn preferred_version(&self) -> &str {
        self.versions.first().map_or("v1", String::as_str)
    }
}

/// Failures registering a CRD (HTTP 422 `Invalid`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// A required CRD field is missing.
    #[error("CustomResourceDefinition.apiextensions.k8s.io \"{crd}\" is invalid: {field}: Required value")]
    CrdFieldMissing {
        /// CRD name.
        crd: String,
        /// Missing field path.
        field: String,
    },
    /// The CRD's name is not `<plural>.<group>`.
    #[error(
        "CustomResourceDefinition.apiextensions.k8s.io \"{crd}\" is invalid: metadata.name: Invalid value: \"{crd}\": must be spec.names.plural+\".\"+spec.group"
    )]
    CrdNameMismatch {
        /// CRD name.
        crd: String,
    },
    /// The CRD would replace a built-in resource.
    #[error(
        "CustomResourceDefinition.apiextensions.k8s.io \"{crd}\" is invalid: spec.group: resource conflicts with a built-in resource"
    )]
    CrdShadowsBuiltin {
        /// CRD name.
        crd: String,
    },
}

/// The registry of served resources.
#[derive(Debug, Clone, Default)]
pub struct ResourceTable {
    resources: Vec<ResourceInfo>,
}

impl ResourceTable {
    /// A table with the built-in resources registered.
    pub fn with_builtins() -> Self {
        let mut table = Self::default();
        for info in crate::sim::builtin::builtins() {
            table.register(info);
        }
        for info in crate::sim::auth::resources() {
            table.register(info);
        }
        table
    }

    /// Register a resource, replacing one with the same group and plural.
    pub fn register(&mut self, info: ResourceInfo) {
        if let Some(slot) =
            self.resources.iter_mut().find(|r| r.group == info.group && r.plural == info.plural)
        {
            *slot = info;
        } else {
            self.resources.push(info);
        }
    }

    /// Remove a resource; returns it if it was registered.
    pub fn unregister(&mut self, group: &str, plural: &str) -> Option<ResourceInfo> {
        let pos = self.resources.iter().position(|r| r.group == group && r.plural == plural)?;
        Some(self.resources.remove(pos))
    }

    /// The resource served at `group/version/plural`.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceInfo> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.plural == plural && r.versions.iter().any(|v| v == version))
    }

    /// The resource of a kind in a group, whatever the version.
    pub fn find_kind(&self, group: &str, kind: &str) -> Option<&ResourceInfo> {
        self.resources.iter().find(|r| r.group == group && r.kind == kind)
    }

    /// Resources served at `group/version`, in registration order.
    pub fn in_group_version(&self, group: &str, version: &str) -> Vec<&ResourceInfo> {
        self.resources
            .iter()
            .filter(|r| r.group == group && r.versions.iter().any(|v| v == version))
            .collect()
    }

    /// Non-core groups with their versions (preferred first), in registration order.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for r in self.resources.iter().filter(|r| !r.group.is_empty()) {
            let index = if let Some(i) = groups.iter().position(|(g, _)| *g == r.group) {
                i
            } else {
                groups.push((r.group.clone(), Vec::new()));
                groups.len() - 1
            };
            let entry = &mut groups[index].1;
            for v in &r.versions {
                if !entry.contains(v) {
                    entry.push(v.clone());
                }
            }
        }
        groups
    }

    /// Every registered resource.
    pub fn all(&self) -> &[ResourceInfo] {
        &self.resources
    }

    /// Register the resource a `CustomResourceDefinition` (apiextensions.k8s.io/v1) defines.
    pub fn register_crd(&mut self, crd: &Value) -> Result<ResourceInfo, ResourceError> {
        let info = crd_resource(crd)?;
        if self.resources.iter().any(|r| !r.from_crd && r.group == info.group && r.plural == info.plural) {
            return Err(ResourceError::CrdShadowsBuiltin { crd: format!("{}.{}", info.plural, info.group) });
        }
        self.register(info.clone());
        Ok(info)
    }
}

fn str_list(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

/// The [`ResourceInfo`] a CRD object defines (served versions, scope, names, subresources and
/// printer columns of the first served version).
pub fn crd_resource(crd: &Value) -> Result<ResourceInfo, ResourceError> {
    let name = crd["metadata"]["name"].as_str().unwrap_or_default().to_owned();
    let spec = &crd["spec"];
    let required = |field: &str, v: &Value| -> Result<String, ResourceError> {
        v.as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| ResourceError::CrdFieldMissing { crd: name.clone(), field: field.to_owned() })
    };
    let group = required("spec.group", &spec["group"])?;
    let plural = required("spec.names.plural", &spec["names"]["plural"])?;
    let kind = required("spec.names.kind", &spec["names"]["kind"])?;
    if name != format!("{plural}.{group}") {
        return Err(ResourceError::CrdNameMismatch { crd: name });
    }
    let served: Vec<&Value> = spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["served"].as_bool().unwrap_or(true))
        .collect();
    let first = served
        .first()
        .copied()
        .ok_or_else(|| ResourceError::CrdFieldMissing { crd: name.clone(), field: "spec.versions".into() })?;
    let versions: Vec<String> = served.iter().filter_map(|v| v["name"].as_str()).map(str::to_owned).collect();
    let singular = spec["names"]["singular"].as_str().map_or_else(|| kind.to_lowercase(), str::to_owned);
    let mut info = ResourceInfo::new(&group, "v0", &kind, &plural, spec["scope"].as_str() != Some("Cluster"));
    info.versions = versions;
    info.singular = singular;
    info.short_names = str_list(&spec["names"]["shortNames"]);
    info.categories = str_list(&spec["names"]["categories"]);
    info.from_crd = true;
    let sub = &first["subresources"];
    info.status = sub.get("status").is_some();
    info.scale = sub.get("scale").map(|s| ScaleSpec {
        spec_replicas_path: s["specReplicasPath"].as_str().unwrap_or(".spec.replicas").to_owned(),
        status_replicas_path: s["statusReplicasPath"].as_str().unwrap_or(".status.replicas").to_owned(),
        label_selector_path: s["labelSelectorPath"].as_str().map(str::to_owned),
    });
    let columns: Vec<PrinterColumn> = first["additionalPrinterColumns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| PrinterColumn {
            name: c["name"].as_str().unwrap_or_default().to_owned(),
            kind: c["type"].as_str().unwrap_or("string").to_owned(),
            format: c["format"].as_str().unwrap_or_default().to_owned(),
            description: c["description"].as_str().unwrap_or_default().to_owned(),
            priority: c["priority"].as_i64().unwrap_or(0),
            source: CellSource::JsonPath(c["jsonPath"].as_str().unwrap_or_default().to_owned()),
        })
        .collect();
    // Without additionalPrinterColumns the CRD table shows its creation time as Age.
    info.columns = if columns.is_empty() { vec![PrinterColumn::age()] } else { columns };
    Ok(info)
}

#[cfg(test)]
mod tests;
