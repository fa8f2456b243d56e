//! Properties: parsers of client input never panic, and the store's resourceVersions only grow.

use bellows_e2e::sim::certinfo::identity;
use bellows_e2e::sim::selector::{FieldSelector, LabelSelector};
use bellows_e2e::sim::server::query::Query;
use bellows_e2e::sim::server::route;
use bellows_e2e::sim::store::{ResourceKey, Store, UpdateScope, parse_resource_version};
use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::json;

proptest! {
    #[test]
    fn selector_and_query_parsers_never_panic(s in ".{0,64}") {
        let _ = LabelSelector::parse(&s).map(|sel| sel.matches(&json!({"metadata": {"labels": {"a": "b"}}})));
        let _ = FieldSelector::parse(&s).map(|sel| sel.matches(&json!({"metadata": {"name": "x"}})));
        let _ = Query::parse(Some(&s));
        let _ = route::parse(&s, &|_, _, _| true);
    }

    #[test]
    fn certificate_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = identity(&bytes);
    }

    #[test]
    fn every_effective_write_takes_exactly_the_next_resource_version(
        ops in proptest::collection::vec((0u8..3, 0u8..4, 0u8..2), 1..40),
    ) {
        let res = ResourceKey::new("", "configmaps");
        let now = Timestamp::from_second(1_700_000_000).expect("timestamp");
        let mut store = Store::new(8);
        for (op, n, value) in ops {
            let name = format!("cm-{n}");
            let before = store.revision();
            let written = match op {
                0 => store.create(&res, json!({"metadata": {"name": name, "namespace": "d"}}), now).ok(),
                1 => {
                    let obj = json!({"metadata": {"name": name, "namespace": "d"}, "data": {"v": value}});
                    store.update(&res, obj, UpdateScope::Whole).ok()
                }
                _ => store.delete(&res, "d", &name).ok(),
            };
            let after = store.revision();
            prop_assert!(after == before || after == before + 1, "{before} -> {after}");
            if after == before + 1 {
                prop_assert_eq!(written.as_ref().and_then(parse_resource_version), Some(after));
                let events = store.events_since(&res, before).expect("the latest event is in the log");
                prop_assert_eq!(events.len(), 1);
            }
        }
    }
}
