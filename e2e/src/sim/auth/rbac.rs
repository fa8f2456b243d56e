//! RBAC evaluation over the Role/ClusterRole/RoleBinding/ClusterRoleBinding objects in the store,
//! following `plugin/pkg/auth/authorizer/rbac` (`RuleAllows`, `appliesTo`, `VisitRulesFor`).
//!
//! Model: a request is allowed when `system:masters` is among the user's groups, or some rule
//! reachable from a binding whose subjects include the user allows it: `ClusterRoleBindings` for
//! every request, `RoleBindings` of the request's namespace for namespaced ones. Rules match on
//! verbs (`*`), API groups (`*`), resources (`*`, `resource/subresource`, `*/subresource`),
//! resourceNames (empty = all) or nonResourceURLs (`*`, exact, or a `prefix*`).
//!
//! `ClusterRole` aggregation (`aggregationRule.clusterRoleSelectors`) is resolved at evaluation
//! time (recursively, each role once) in addition to the rules the aggregation controller
//! stores, so a new aggregated role applies at once.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Attributes, MASTERS, UserInfo};
use crate::sim::cluster::Cluster;
use crate::sim::selector::{LabelSelector, label_selector_string};
use crate::sim::store::ResourceKey;

/// The RBAC API group.
pub const GROUP: &str = "rbac.authorization.k8s.io";

/// An authorization decision and its reason (upstream's wording for RBAC allows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// Why (empty for a plain denial, as upstream RBAC gives none).
    pub reason: String,
}

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

fn has(list: &Value, want: &str) -> bool {
    strings(list).any(|s| s == want)
}

/// Whether one `PolicyRule` allows `attrs` (upstream `RuleAllows`).
pub fn rule_allows(rule: &Value, attrs: &Attributes) -> bool {
    let verb_ok = |verb: &str| has(&rule["verbs"], "*") || has(&rule["verbs"], verb);
    match attrs {
        Attributes::Resource { verb, group, resource, subresource, name, .. } => {
            let combined =
                if subresource.is_empty() { resource.clone() } else { format!("{resource}/{subresource}") };
            verb_ok(verb)
                && (has(&rule["apiGroups"], "*") || has(&rule["apiGroups"], group))
                && strings(&rule["resources"]).any(|r| {
                    r == "*"
                        || r == combined
                        || (!subresource.is_empty() && r.strip_prefix("*/") == Some(subresource.as_str()))
                })
                && (strings(&rule["resourceNames"]).next().is_none() || has(&rule["resourceNames"], name))
        }
        Attributes::NonResource { verb, path } => {
            verb_ok(verb)
                && strings(&rule["nonResourceURLs"]).any(|u| {
                    u == "*"
                        || u == path
                        || u.strip_suffix('*').is_some_and(|prefix| path.starts_with(prefix))
                })
        }
    }
}

/// Whether a binding subject names `user` (upstream `appliesToUser`); `binding_namespace`
/// defaults a `ServiceAccount` subject's namespace.
pub fn subject_applies(subject: &Value, user: &UserInfo, binding_namespace: &str) -> bool {
    let name = subject["name"].as_str().unwrap_or_default();
    match subject["kind"].as_str().unwrap_or_default() {
        "User" => user.username == name,
        "Group" => user.groups.iter().any(|g| g == name),
        "ServiceAccount" => {
            let ns = subject["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(binding_namespace);
            !ns.is_empty() && user.username == super::token::service_account_username(ns, name)
        }
        _ => false,
    }
}

fn key(resource: &str) -> ResourceKey {
    ResourceKey::new(GROUP, resource)
}

/// The rules of `ClusterRole` `name`: its stored rules plus those of every `ClusterRole` its
/// aggregation rule selects (recursively).
pub fn cluster_role_rules(cluster: &Cluster, name: &str) -> Vec<Value> {
    let (roles, _) = cluster.list(&key("clusterroles"), None);
    let mut seen = BTreeSet::new();
    let mut rules = Vec::new();
    collect_rules(&roles, name, &mut seen, &mut rules);
    rules
}

/// Whether a `ClusterRole`'s labels match any selector of an aggregation rule.
pub fn aggregation_selects(aggregation_rule: &Value, role: &Value) -> bool {
    aggregation_rule["clusterRoleSelectors"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|sel| LabelSelector::parse(&label_selector_string(sel)).is_ok_and(|s| s.matches(role)))
}

fn collect_rules(roles: &[Value], name: &str, seen: &mut BTreeSet<String>, out: &mut Vec<Value>) {
    if !seen.insert(name.to_owned()) {
        return;
    }
    let Some(role) = roles.iter().find(|r| r["metadata"]["name"] == name) else { return };
    for rule in role["rules"].as_array().into_iter().flatten() {
        if !out.contains(rule) {
            out.push(rule.clone());
        }
    }
    let aggregation = &role["aggregationRule"];
    if aggregation.is_object() {
        let selected: Vec<String> = roles
            .iter()
            .filter(|r| aggregation_selects(aggregation, r))
            .filter_map(|r| r["metadata"]["name"].as_str().map(str::to_owned))
            .collect();
        for child in selected {
            collect_rules(roles, &child, seen, out);
        }
    }
}

fn role_rules(cluster: &Cluster, role_ref: &Value, binding_namespace: &str) -> Vec<Value> {
    let name = role_ref["name"].as_str().unwrap_or_default();
    match role_ref["kind"].as_str().unwrap_or_default() {
        "ClusterRole" => cluster_role_rules(cluster, name),
        "Role" if !binding_namespace.is_empty() => cluster
            .get(&key("roles"), binding_namespace, name)
            .and_then(|r| r["rules"].as_array().cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Upstream `describeSubject`.
fn describe_subject(subject: &Value, binding_namespace: &str) -> String {
    let kind = subject["kind"].as_str().unwrap_or_default();
    let name = subject["name"].as_str().unwrap_or_default();
    if kind == "ServiceAccount" {
        let ns = subject["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(binding_namespace);
        return format!("ServiceAccount \"{name}/{ns}\"");
    }
    format!("{kind} \"{name}\"")
}

/// Upstream's `clusterRoleBindingDescriber`/`roleBindingDescriber` text.
fn describe_binding(binding: &Value, binding_namespace: &str, subject: &Value) -> String {
    let name = binding["metadata"]["name"].as_str().unwrap_or_default();
    let role_ref = &binding["roleRef"];
    let (kind, name) = if binding_namespace.is_empty() {
        ("ClusterRoleBinding", name.to_owned())
    } else {
        ("RoleBinding", format!("{name}/{binding_namespace}"))
    };
    format!(
        "{kind} \"{name}\" of {} \"{}\" to {}",
        role_ref["kind"].as_str().unwrap_or_default(),
        role_ref["name"].as_str().unwrap_or_default(),
        describe_subject(subject, binding_namespace)
    )
}

/// Decide `attrs` for `user`.
pub fn decide(cluster: &Cluster, user: &UserInfo, attrs: &Attributes) -> Decision {
    if user.groups.iter().any(|g| g == MASTERS) {
        return Decision { allowed: true, reason: String::new() };
    }
    let namespace = match attrs {
        Attributes::Resource { namespace, .. } => namespace.as_str(),
        Attributes::NonResource { .. } => "",
    };
    let (cluster_bindings, _) = cluster.list(&key("clusterrolebindings"), None);
    let role_bindings =
        if namespace.is_empty() { Vec::new() } else { cluster.list(&key("rolebindings"), Some(namespace)).0 };
    let bindings =
        cluster_bindings.iter().map(|b| (b, "")).chain(role_bindings.iter().map(|b| (b, namespace)));
    for (binding, binding_ns) in bindings {
        let Some(subject) =
            strings_objects(&binding["subjects"]).find(|s| subject_applies(s, user, binding_ns))
        else {
            continue;
        };
        if role_rules(cluster, &binding["roleRef"], binding_ns).iter().any(|r| rule_allows(r, attrs)) {
            let reason = format!("RBAC: allowed by {}", describe_binding(binding, binding_ns, subject));
            return Decision { allowed: true, reason };
        }
    }
    Decision { allowed: false, reason: String::new() }
}

fn strings_objects(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// The upstream 403 text for a denied request (`forbiddenMessage` + `NewForbidden`), e.g.
/// `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the
/// namespace "default"`.
pub fn forbidden_message(user: &UserInfo, attrs: &Attributes) -> String {
    let username = &user.username;
    match attrs {
        Attributes::NonResource { verb, path } => {
            format!("forbidden: User \"{username}\" cannot {verb} path \"{path}\"")
        }
        Attributes::Resource { verb, group, resource, subresource, namespace, name, .. } => {
            let shown =
                if subresource.is_empty() { resource.clone() } else { format!("{resource}/{subresource}") };
            let scope = if namespace.is_empty() {
                "at the cluster scope".to_owned()
            } else {
                format!("in the namespace \"{namespace}\"")
            };
            let why = format!(
                "User \"{username}\" cannot {verb} resource \"{shown}\" in API group \"{group}\" {scope}"
            );
            let qualified = if group.is_empty() { resource.clone() } else { format!("{resource}.{group}") };
            if name.is_empty() {
                format!("{qualified} is forbidden: {why}")
            } else {
                format!("{qualified} \"{name}\" is forbidden: {why}")
            }
        }
    }
}

#[cfg(test)]
mod tests;
