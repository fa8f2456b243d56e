//! Leader election: the Lease `bellows-hpa` via `kube-lease-manager`; only the holder writes.
//!
//! The election task mirrors the lease state into the [`super::Context`] leader flag. Followers
//! keep their watches and caches warm but do not reconcile; reconcile drops their in-memory
//! histories so that, once elected, they restore the ones the previous leader persisted.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kube::Client;
use kube_lease_manager::LeaseManagerBuilder;

/// The Lease name.
pub const LEASE_NAME: &str = "bellows-hpa";
/// Lease duration in seconds (kube-controller-manager's default lease duration is 15 s).
pub const LEASE_SECONDS: u64 = 15;
/// Grace period in seconds before the lease is renewed.
pub const GRACE_SECONDS: u64 = 5;

/// Why leader election could not start.
#[derive(Debug, thiserror::Error)]
pub enum LeaderError {
    /// The Lease could not be created or read.
    #[error("leader election with Lease {namespace}/{LEASE_NAME} failed: {source}")]
    Lease {
        /// Lease namespace.
        namespace: String,
        /// The lease manager's error.
        source: kube_lease_manager::LeaseManagerError,
    },
}

/// Starts competing for the Lease in `namespace` as `identity`; `flag` follows the lease state
/// (false until acquired). The returned task ends when the lease manager stops.
pub async fn elect(
    client: Client,
    namespace: &str,
    identity: &str,
    flag: Arc<AtomicBool>,
) -> Result<tokio::task::JoinHandle<()>, LeaderError> {
    flag.store(false, Ordering::SeqCst);
    let manager = LeaseManagerBuilder::new(client, LEASE_NAME)
        .with_namespace(namespace)
        .with_identity(identity)
        .with_duration(LEASE_SECONDS)
        .with_grace(GRACE_SECONDS)
        .with_field_manager(super::ownership::FIELD_MANAGER)
        .build()
        .await
        .map_err(|source| LeaderError::Lease { namespace: namespace.to_owned(), source })?;
    let (mut state, manager_task) = manager.watch().await;
    Ok(tokio::spawn(async move {
        loop {
            let leading = *state.borrow_and_update();
            flag.store(leading, Ordering::SeqCst);
            tracing::info!(leading, "HPA controller leadership changed");
            if state.changed().await.is_err() {
                break;
            }
        }
        flag.store(false, Ordering::SeqCst);
        if let Ok(Err(err)) = manager_task.await {
            tracing::error!("leader election stopped: {err}");
        }
    }))
}
