//! Discovery documents, byte-equal to what metrics-server returns (spec §4.2).
//!
//! They never change at runtime, so they are constants; the aggregator's availability check reads
//! `/apis/metrics.k8s.io/v1beta1`, kubectl reads `/apis` and the group document. Only legacy
//! discovery is served: the aggregator falls back to it when `/apis` is not an aggregated (v2)
//! document.

/// `APIResourceList` for `/apis/metrics.k8s.io/v1beta1`.
pub const API_RESOURCE_LIST: &str = concat!(
    r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"metrics.k8s.io/v1beta1","resources":["#,
    r#"{"name":"nodes","singularName":"","namespaced":false,"kind":"NodeMetrics","verbs":["get","list"]},"#,
    r#"{"name":"pods","singularName":"","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]}]}"#
);

/// The group body shared by `APIGroup` and the `APIGroupList` entry.
macro_rules! group_body {
    () => {
        concat!(
            r#""name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}],"#,
            r#""preferredVersion":{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}"#
        )
    };
}

/// `APIGroup` for `/apis/metrics.k8s.io`.
pub const API_GROUP: &str = concat!(r#"{"kind":"APIGroup","apiVersion":"v1","#, group_body!(), "}");

/// `APIGroupList` for `/apis` (only our group).
pub const API_GROUP_LIST: &str =
    concat!(r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[{"#, group_body!(), "}]}");
