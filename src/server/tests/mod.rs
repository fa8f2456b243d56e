//! Tests of the HTTPS edge: certificate files, reload, real TLS on 127.0.0.1, delegated auth and
//! `/metrics`. All PKI is generated with rcgen per test.

mod auth;
mod certs;
mod fixtures;
mod pki;
mod serving;
mod telemetry;
