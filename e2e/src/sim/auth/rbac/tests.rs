use serde_json::{Value, json};

use super::{cluster_role_rules, decide, forbidden_message, rule_allows};
use crate::sim::auth::{Attributes, UserInfo, bootstrap};
use crate::sim::cluster::Cluster;
use crate::sim::store::ResourceKey;

fn res(verb: &str, group: &str, resource: &str, sub: &str, ns: &str, name: &str) -> Attributes {
    Attributes::resource(verb, group, resource, sub, ns, name)
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

/// A cluster with `default` and the bootstrap RBAC objects.
fn cluster() -> Cluster {
    let c = Cluster::new(100);
    for ns in ["default", "kube-system", "other"] {
        c.create(&ResourceKey::new("", "namespaces"), json!({"metadata": {"name": ns}}), false).unwrap();
    }
    bootstrap::seed(&c).unwrap();
    c
}

fn rbac(resource: &str) -> ResourceKey {
    ResourceKey::new("rbac.authorization.k8s.io", resource)
}

fn role_binding(c: &Cluster, ns: &str, role_kind: &str, role: &str, subject: &Value) {
    let obj = json!({"metadata": {"name": format!("{role}-binding"), "namespace": ns},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": [subject]});
    c.create(&rbac("rolebindings"), obj, false).unwrap();
}

fn user(name: &str) -> Value {
    json!({"kind": "User", "name": name})
}

#[test]
fn rules_match_verbs_groups_resources_and_names() {
    // Cases modelled on plugin/pkg/auth/authorizer/rbac/rbac_test.go TestRuleMatches.
    let table: Vec<(&str, Value, Attributes, bool)> = vec![
        (
            "star verb, exact match other",
            rule(&[""], &["pods"], &["*"]),
            res("list", "", "pods", "", "ns", ""),
            true,
        ),
        ("star group", rule(&["*"], &["pods"], &["get"]), res("get", "apps", "pods", "", "", ""), true),
        ("star resource", rule(&[""], &["*"], &["get"]), res("get", "", "secrets", "", "", ""), true),
        ("wrong verb", rule(&[""], &["pods"], &["get"]), res("list", "", "pods", "", "", ""), false),
        ("wrong group", rule(&["apps"], &["pods"], &["get"]), res("get", "", "pods", "", "", ""), false),
        (
            "subresource needs its own entry",
            rule(&[""], &["pods"], &["get"]),
            res("get", "", "pods", "log", "", "a"),
            false,
        ),
        (
            "exact subresource",
            rule(&[""], &["pods/log"], &["get"]),
            res("get", "", "pods", "log", "", "a"),
            true,
        ),
        (
            "star subresource",
            rule(&[""], &["*/scale"], &["update"]),
            res("update", "", "deployments", "scale", "", "a"),
            true,
        ),
        (
            "star subresource does not match main",
            rule(&[""], &["*/scale"], &["get"]),
            res("get", "", "deployments", "", "", "a"),
            false,
        ),
        (
            "resource name match",
            json!({"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"], "verbs": ["get"]}),
            res("get", "", "configmaps", "", "ns", "a"),
            true,
        ),
        (
            "resource name mismatch",
            json!({"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"], "verbs": ["get"]}),
            res("get", "", "configmaps", "", "ns", "b"),
            false,
        ),
        (
            "resource names do not allow list",
            json!({"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"], "verbs": ["list"]}),
            res("list", "", "configmaps", "", "ns", ""),
            false,
        ),
        (
            "nonresource rule never matches a resource",
            json!({"nonResourceURLs": ["*"], "verbs": ["*"]}),
            res("get", "", "pods", "", "", ""),
            false,
        ),
    ];
    for (case, rule, attrs, want) in table {
        assert_eq!(rule_allows(&rule, &attrs), want, "{case}");
    }
}

#[test]
fn non_resource_urls_match_exactly_or_by_star_prefix() {
    let nr = |paths: &[&str]| json!({"nonResourceURLs": paths, "verbs": ["get"]});
    let table = [
        ("star matches everything", nr(&["*"]), "/metrics", true),
        ("exact", nr(&["/metrics"]), "/metrics", true),
        ("exact is not a prefix", nr(&["/metrics"]), "/metrics/cadvisor", false),
        ("star suffix is a prefix", nr(&["/apis/*"]), "/apis/apps/v1", true),
        ("star suffix needs its prefix", nr(&["/apis/*"]), "/api/v1", false),
        ("star suffix after a slash does not match the bare path", nr(&["/apis/*"]), "/apis", false),
    ];
    for (case, rule, path, want) in table {
        assert_eq!(rule_allows(&rule, &Attributes::non_resource("get", path)), want, "{case}");
    }
    assert!(!rule_allows(&nr(&["*"]), &Attributes::non_resource("post", "/metrics")), "verb mismatch");
}

#[test]
fn system_masters_may_do_anything() {
    let c = cluster();
    let root = UserInfo::new("root", &["system:masters"]);
    assert!(decide(&c, &root, &res("delete", "", "nodes", "", "", "node-1")).allowed);
}

#[test]
fn a_user_without_bindings_is_denied_but_may_discover() {
    let c = cluster();
    let alice = UserInfo::new("alice", &[]);
    assert!(!decide(&c, &alice, &res("list", "", "pods", "", "default", "")).allowed);
    let discovery = decide(&c, &alice, &Attributes::non_resource("get", "/apis/apps/v1"));
    assert_eq!(
        (discovery.allowed, discovery.reason.as_str()),
        (
            true,
            "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\""
        )
    );
}

#[test]
fn role_bindings_apply_only_in_their_namespace() {
    let c = cluster();
    role_binding(&c, "default", "ClusterRole", "view", &user("alice"));
    let alice = UserInfo::new("alice", &[]);
    let allowed = decide(&c, &alice, &res("list", "", "pods", "", "default", ""));
    assert_eq!(
        (allowed.allowed, allowed.reason.as_str()),
        (
            true,
            "RBAC: allowed by RoleBinding \"view-binding/default\" of ClusterRole \"view\" to User \"alice\""
        )
    );
    assert!(!decide(&c, &alice, &res("list", "", "pods", "", "other", "")).allowed);
    assert!(
        !decide(&c, &alice, &res("delete", "", "pods", "", "default", "web")).allowed,
        "view cannot delete"
    );
}

#[test]
fn service_account_subjects_default_to_the_binding_namespace() {
    let c = cluster();
    c.create(
        &rbac("roles"),
        json!({"metadata": {"name": "cm-reader", "namespace": "default"},
               "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]}),
        false,
    )
    .unwrap();
    role_binding(&c, "default", "Role", "cm-reader", &json!({"kind": "ServiceAccount", "name": "robot"}));
    let robot = UserInfo::new("system:serviceaccount:default:robot", &["system:serviceaccounts"]);
    let other = UserInfo::new("system:serviceaccount:other:robot", &["system:serviceaccounts"]);
    let attrs = res("get", "", "configmaps", "", "default", "x");
    assert!(decide(&c, &robot, &attrs).allowed);
    assert!(!decide(&c, &other, &attrs).allowed);
}

#[test]
fn aggregated_roles_collect_rules_of_labelled_roles_recursively() {
    let c = cluster();
    let admin_rules = cluster_role_rules(&c, "admin");
    // admin ⊇ edit ⊇ view: it reads pods (view), writes deployments (edit) and manages roles (admin).
    assert!(admin_rules.iter().any(|r| rule_allows(r, &res("list", "", "pods", "", "ns", ""))));
    assert!(admin_rules.iter().any(|r| rule_allows(r, &res("create", "apps", "deployments", "", "ns", ""))));
    assert!(
        admin_rules
            .iter()
            .any(|r| rule_allows(r, &res("create", "rbac.authorization.k8s.io", "roles", "", "ns", "")))
    );
    let view_rules = cluster_role_rules(&c, "view");
    assert!(!view_rules.iter().any(|r| rule_allows(r, &res("create", "apps", "deployments", "", "ns", ""))));

    c.create(
        &rbac("clusterroles"),
        json!({"metadata": {"name": "widgets-view", "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}},
               "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]}]}),
        false,
    )
    .unwrap();
    let widgets = res("get", "example.com", "widgets", "", "ns", "w");
    assert!(cluster_role_rules(&c, "view").iter().any(|r| rule_allows(r, &widgets)));
    assert!(cluster_role_rules(&c, "admin").iter().any(|r| rule_allows(r, &widgets)), "through edit");
}

#[test]
fn forbidden_messages_have_the_upstream_shape() {
    let alice = UserInfo::new("alice", &[]);
    let table = [
        (
            res("list", "", "pods", "", "default", ""),
            "pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
        ),
        (
            res("get", "apps", "deployments", "scale", "default", "web"),
            "deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource \"deployments/scale\" in API group \"apps\" in the namespace \"default\"",
        ),
        (
            res("list", "", "nodes", "", "", ""),
            "nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope",
        ),
        (
            Attributes::non_resource("get", "/metrics"),
            "forbidden: User \"alice\" cannot get path \"/metrics\"",
        ),
    ];
    for (attrs, want) in table {
        assert_eq!(forbidden_message(&alice, &attrs), want);
    }
}
