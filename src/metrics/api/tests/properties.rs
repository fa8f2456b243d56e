//! Properties: parsers are total on arbitrary input, selectors agree with the sets they were built
//! from, lists come out sorted, and duration strings add back up to the duration.

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;

use super::fixtures::{NOW, node, pod, ts};
use crate::goduration;
use crate::metrics::api::auth::RequestAttributes;
use crate::metrics::api::negotiate::negotiate;
use crate::metrics::api::query::parse_query;
use crate::metrics::api::types::{NodeMetrics, NodeMetricsList, PodMetrics, PodMetricsList};
use crate::selectors::{FieldSelector, LabelSelector};

/// Seconds encoded by a Go duration string of at least one second (`1h2m3.5s`).
fn seconds_of(text: &str) -> f64 {
    let mut total = 0.0;
    let mut number = String::new();
    for c in text.chars() {
        match c {
            'h' => total += number.parse::<f64>().unwrap_or(f64::NAN) * 3600.0,
            'm' => total += number.parse::<f64>().unwrap_or(f64::NAN) * 60.0,
            's' => total += number.parse::<f64>().unwrap_or(f64::NAN),
            _ => {
                number.push(c);
                continue;
            }
        }
        number.clear();
    }
    total
}

proptest! {
    #[test]
    fn parsers_never_panic_on_arbitrary_input(input in ".{0,40}") {
        let _ = LabelSelector::parse(&input);
        let _ = FieldSelector::parse(&input);
        let _ = negotiate(Some(&input));
        let _ = parse_query(Some(&input));
        let _ = RequestAttributes::from_request("GET", &input, Some(&input));
    }

    #[test]
    fn equality_selector_matches_the_set_it_was_built_from(
        labels in prop::collection::btree_map("[a-z][a-z0-9]{0,6}", "[a-z0-9]{1,6}", 1..5),
    ) {
        let text: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let selector = LabelSelector::parse(&text.join(",")).expect("generated selectors are valid");
        prop_assert!(selector.matches(&labels));
        let (first_key, first_value) = labels.iter().next().expect("non-empty");
        let negated = LabelSelector::parse(&format!("{first_key}!={first_value}")).expect("valid");
        prop_assert!(!negated.matches(&labels));
        let mut changed: BTreeMap<String, String> = labels.clone();
        changed.insert(first_key.clone(), format!("{first_value}x"));
        prop_assert!(!selector.matches(&changed));
    }

    #[test]
    fn whole_duration_strings_add_back_up(millis in 1_000u64..400_000_000) {
        let d = Duration::from_millis(millis);
        let text = goduration::format(d);
        prop_assert!((seconds_of(&text) - d.as_secs_f64()).abs() < 1e-6, "{} -> {}", millis, text);
    }

    #[test]
    fn lists_are_sorted_whatever_the_source_order(
        names in prop::collection::vec(("[a-c]{1,2}", "[a-z]{1,3}"), 0..8),
    ) {
        let now = ts(NOW);
        let nodes = NodeMetricsList::new(
            names.iter().map(|(_, n)| NodeMetrics::from_sample(&node(n).build(), now)).collect(),
        );
        let node_names: Vec<&String> = nodes.items.iter().map(|i| &i.metadata.name).collect();
        prop_assert!(node_names.windows(2).all(|w| w[0] <= w[1]));
        let pods = PodMetricsList::new(
            names.iter().map(|(ns, n)| PodMetrics::from_sample(&pod(ns, n).build(), now)).collect(),
        );
        let keys: Vec<(&Option<String>, &String)> =
            pods.items.iter().map(|i| (&i.metadata.namespace, &i.metadata.name)).collect();
        prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    }
}
