//! Discovery (`/version`, `/api`, `/apis`, `/apis/<g>`, group-version resource lists) and the
//! minimal `OpenAPI` kubectl needs, all generated from the resource table.
//!
//! Discovery is served in the legacy shapes (`APIVersions`, `APIGroupList`, `APIGroup`,
//! `APIResourceList`) as plain `application/json`; kubectl falls back to them when aggregated
//! discovery is not offered. `OpenAPI` v3 is an index plus, per group version, a document whose
//! paths carry `x-kubernetes-group-version-kind` and the `fieldValidation` query parameter on
//! PATCH: that is how kubectl decides the server validates fields itself, so `kubectl apply` and
//! `kubectl create -f` work without a client-side schema. No component schemas are served.

use serde_json::{Value, json};

use crate::sim::resources::{ResourceInfo, ResourceTable};

/// The Kubernetes version the sim reports.
pub const GIT_VERSION: &str = "v1.35.0";

/// `/version`.
pub fn version() -> Value {
    json!({
        "major": "1", "minor": "35", "emulationMajor": "1", "emulationMinor": "35",
        "minCompatibilityMajor": "1", "minCompatibilityMinor": "34",
        "gitVersion": GIT_VERSION, "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2025-12-17T00:00:00Z", "goVersion": "go1.25.5",
        "compiler": "gc", "platform": "linux/amd64",
    })
}

/// `/api`.
pub fn api_versions(server_address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]})
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let entries: Vec<Value> =
        versions.iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect();
    json!({"name": name, "versions": entries, "preferredVersion": entries.first().cloned().unwrap_or(Value::Null)})
}

/// `/apis`.
pub fn api_group_list(table: &ResourceTable) -> Value {
    let groups: Vec<Value> = table.groups().iter().map(|(g, vs)| group_json(g, vs)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/<group>`, if the group exists.
pub fn api_group(table: &ResourceTable, group: &str) -> Option<Value> {
    let (name, versions) = table.groups().into_iter().find(|(g, _)| g == group)?;
    let mut doc = group_json(&name, &versions);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

fn resource_entries(info: &ResourceInfo) -> Vec<Value> {
    let mut main = json!({
        "name": info.plural, "singularName": info.singular, "namespaced": info.namespaced,
        "kind": info.kind, "verbs": info.verbs,
    });
    if !info.short_names.is_empty() {
        main["shortNames"] = json!(info.short_names);
    }
    if !info.categories.is_empty() {
        main["categories"] = json!(info.categories);
    }
    let mut entries = vec![main];
    if info.status {
        entries.push(json!({"name": format!("{}/status", info.plural), "singularName": "",
            "namespaced": info.namespaced, "kind": info.kind, "verbs": ["get", "patch", "update"]}));
    }
    if info.scale.is_some() {
        entries.push(json!({"name": format!("{}/scale", info.plural), "singularName": "",
            "namespaced": info.namespaced, "group": "autoscaling", "version": "v1", "kind": "Scale",
            "verbs": ["get", "patch", "update"]}));
    }
    if info.group.is_empty() && info.plural == "pods" {
        entries.extend(crate::sim::subresources::discovery_entries());
    }
    entries
}

/// `/api/v1` or `/apis/<group>/<version>`, if served.
pub fn resource_list(table: &ResourceTable, group: &str, version: &str) -> Option<Value> {
    let resources = table.in_group_version(group, version);
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
    let entries: Vec<Value> = resources.into_iter().flat_map(resource_entries).collect();
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}),
    )
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") }
}

/// A fingerprint of the served resources (FNV-1a over group, versions, plural and kind), so that
/// clients caching `OpenAPI` documents by hash refetch after a CRD change.
pub fn table_hash(table: &ResourceTable) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for info in table.all() {
        let text = format!("{}/{}/{}/{};", info.group, info.versions.join(","), info.plural, info.kind);
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016X}")
}

/// `/openapi/v3`: one entry per served group version; `hash` changes when the table does.
pub fn openapi_index(table: &ResourceTable, hash: &str) -> Value {
    let mut paths = serde_json::Map::new();
    let mut add = |group: &str, version: &str| {
        let path = gv_path(group, version);
        let url = format!("/openapi/v3/{path}?hash={hash}");
        paths.insert(path, json!({"serverRelativeURL": url}));
    };
    add("", "v1");
    for (group, versions) in table.groups() {
        for version in versions {
            add(&group, &version);
        }
    }
    json!({"paths": paths})
}

/// `/openapi/v3/<gv>`: paths of every resource of the group version (see the module docs).
pub fn openapi_group_version(table: &ResourceTable, group: &str, version: &str) -> Option<Value> {
    let resources = table.in_group_version(group, version);
    if resources.is_empty() {
        return None;
    }
    let mut paths = serde_json::Map::new();
    for info in resources {
        let gvk = json!({"group": group, "version": version, "kind": info.kind});
        let params = json!([
            {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        ]);
        let op = |action: &str| {
            json!({"operationId": format!("{action}{}", info.kind), "x-kubernetes-action": action,
                   "x-kubernetes-group-version-kind": gvk, "parameters": params,
                   "responses": {"200": {"description": "OK"}}})
        };
        let base = if info.namespaced {
            format!("/{}/namespaces/{{namespace}}/{}", gv_path(group, version), info.plural)
        } else {
            format!("/{}/{}", gv_path(group, version), info.plural)
        };
        paths.insert(base.clone(), json!({"get": op("list"), "post": op("post")}));
        paths.insert(
            format!("{base}/{{name}}"),
            json!({"get": op("get"), "put": op("put"), "patch": op("patch"), "delete": op("delete")}),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

#[cfg(test)]
mod tests {
    use super::{api_group_list, openapi_group_version, openapi_index, resource_list};
    use crate::sim::resources::ResourceTable;

    #[test]
    fn core_resource_list_has_subresources_and_short_names() {
        let table = ResourceTable::with_builtins();
        let list = resource_list(&table, "", "v1").unwrap();
        let names: Vec<&str> =
            list["resources"].as_array().unwrap().iter().filter_map(|r| r["name"].as_str()).collect();
        assert!(names.contains(&"pods") && names.contains(&"pods/status"), "{names:?}");
        let pods = list["resources"].as_array().unwrap().iter().find(|r| r["name"] == "pods").unwrap();
        assert_eq!(pods["shortNames"][0], "po");
        assert_eq!(pods["categories"][0], "all");
    }

    #[test]
    fn scale_subresource_is_an_autoscaling_v1_scale() {
        let table = ResourceTable::with_builtins();
        let list = resource_list(&table, "apps", "v1").unwrap();
        let scale =
            list["resources"].as_array().unwrap().iter().find(|r| r["name"] == "deployments/scale").unwrap();
        assert_eq!((scale["group"].as_str(), scale["kind"].as_str()), (Some("autoscaling"), Some("Scale")));
    }

    #[test]
    fn group_list_names_preferred_versions() {
        let groups = api_group_list(&ResourceTable::with_builtins());
        let apps = groups["groups"].as_array().unwrap().iter().find(|g| g["name"] == "apps").unwrap();
        assert_eq!(apps["preferredVersion"]["groupVersion"], "apps/v1");
    }

    #[test]
    fn openapi_documents_advertise_field_validation_on_patch() {
        let table = ResourceTable::with_builtins();
        let index = openapi_index(&table, "h1");
        assert_eq!(index["paths"]["apis/apps/v1"]["serverRelativeURL"], "/openapi/v3/apis/apps/v1?hash=h1");
        let doc = openapi_group_version(&table, "apps", "v1").unwrap();
        let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert!(patch["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "fieldValidation"));
    }
}
