//! A count of the API requests the sim has served, by verb and resource: what benchmarks read to
//! report "API calls per sync period" of a client (bellows' HPA controller, its informers).
//!
//! Keys are `"<verb> <resource>[/<subresource>]"` with the group prefixed (`"list pods"`,
//! `"update apps/deployments/scale"`, `"create authorization.k8s.io/subjectaccessreviews"`);
//! requests on non-resource URLs count as `"<verb> nonresource"`. Counts only grow; readers take
//! [`RequestCounter::snapshot`]s and subtract ([`delta`]).

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use crate::sim::auth::Attributes;

/// Requests served so far, by key (see the module documentation).
#[derive(Debug, Default)]
pub struct RequestCounter {
    counts: Mutex<BTreeMap<String, u64>>,
}

/// The counter key of a request's attributes.
pub fn key(attrs: &Attributes) -> String {
    match attrs {
        Attributes::Resource { verb, group, resource, subresource, .. } => {
            let mut key = verb.clone();
            key.push(' ');
            if !group.is_empty() {
                key.push_str(group);
                key.push('/');
            }
            key.push_str(resource);
            if !subresource.is_empty() {
                key.push('/');
                key.push_str(subresource);
            }
            key
        }
        Attributes::NonResource { verb, .. } => format!("{verb} nonresource"),
    }
}

impl RequestCounter {
    /// Count one request.
    pub fn record(&self, attrs: &Attributes) {
        let key = key(attrs);
        *self.counts.lock().unwrap_or_else(PoisonError::into_inner).entry(key).or_default() += 1;
    }

    /// The counts so far.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// `after - before` per key, keeping only keys that moved.
pub fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .filter_map(|(k, v)| {
            let d = v.saturating_sub(before.get(k).copied().unwrap_or(0));
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(verb: &str, group: &str, resource: &str, subresource: &str) -> Attributes {
        Attributes::Resource {
            verb: verb.into(),
            group: group.into(),
            version: "v1".into(),
            resource: resource.into(),
            subresource: subresource.into(),
            namespace: "default".into(),
            name: String::new(),
        }
    }

    #[test]
    fn keys_name_the_verb_group_resource_and_subresource() {
        assert_eq!(key(&resource("list", "", "pods", "")), "list pods");
        assert_eq!(key(&resource("update", "apps", "deployments", "scale")), "update apps/deployments/scale");
        let non = Attributes::NonResource { verb: "get".into(), path: "/apis".into() };
        assert_eq!(key(&non), "get nonresource");
    }

    #[test]
    fn delta_keeps_only_the_keys_that_moved() {
        let counter = RequestCounter::default();
        counter.record(&resource("list", "", "pods", ""));
        let before = counter.snapshot();
        counter.record(&resource("list", "", "pods", ""));
        counter.record(&resource("list", "", "pods", ""));
        counter.record(&resource("get", "", "nodes", ""));
        let moved = delta(&before, &counter.snapshot());
        assert_eq!(moved, BTreeMap::from([("list pods".to_owned(), 2), ("get nodes".to_owned(), 1)]));
    }
}
