//! Tests of the policy module: validation, CRD schema and YAML drift, serde round trips.

mod behavior;
mod crd;
mod fixtures;
mod serde_roundtrip;
mod validate;
