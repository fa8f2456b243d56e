//! Tests of the metrics API surface; every router test drives the axum `Router` with `oneshot`.

mod auth;
mod discovery;
mod fixtures;
mod health;
mod negotiate;
mod nodes;
mod pods;
mod properties;
mod table;
mod why;
