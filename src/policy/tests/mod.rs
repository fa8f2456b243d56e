//! Tests of the policy module: validation, CRD schema and YAML drift, serde round trips.

mod behavior;
mod crd;
mod examples;
mod fixtures;
mod serde_roundtrip;
mod validate;
