//! `Accept` negotiation.

use crate::metrics::api::negotiate::{Representation, negotiate};
use crate::metrics::api::table::TableVersion;

#[test]
fn accept_headers_select_json_or_table() {
    let table_v1 = Some(Representation::Table(TableVersion::V1));
    let table_beta = Some(Representation::Table(TableVersion::V1Beta1));
    let json = Some(Representation::Json);
    let cases: &[(Option<&str>, Option<Representation>)] = &[
        (None, json),
        (Some(""), json),
        (Some("application/json"), json),
        (Some("*/*"), json),
        (Some("application/vnd.kubernetes.protobuf, */*"), json),
        (Some("application/json;as=Table;v=v1;g=meta.k8s.io"), table_v1),
        (Some("application/json; as=Table; v=v1beta1; g=meta.k8s.io"), table_beta),
        (Some("application/json;as=Table;v=v1;g=meta.k8s.io;q=0.5, application/json"), json),
        (Some("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io, application/json"), json),
        (Some("application/json;q=0"), None),
        (Some("application/vnd.kubernetes.protobuf"), None),
        (Some("application/yaml"), None),
    ];
    for (accept, expected) in cases {
        assert_eq!(negotiate(*accept), *expected, "{accept:?}");
    }
}
