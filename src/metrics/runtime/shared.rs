//! The published store: one writer (the scrape loop), many readers (API requests, HPA, VPA).
//!
//! Choice: the loop keeps no lock while it works. After each cycle it builds the next store from
//! the current snapshot and publishes it as an immutable `Arc<Store>` through a
//! `tokio::sync::watch` channel. A reader clones the `Arc` (a brief read lock inside the channel)
//! and computes usage from its snapshot with no lock held, so API traffic never waits for a
//! scrape and a scrape never waits for a slow list; in-process consumers can also
//! `changed().await` for every new cycle. The price is one copy of the store per cycle (every
//! `--metric-resolution`), which is small next to the scrape itself but not small in absolute
//! terms on a big cluster (150,000 pods): the loop therefore builds it with `block_in_place`
//! ([`StoreWriter::publish_in_place`]), so API requests queued on that worker move to another
//! thread instead of waiting for the copy.
//!
//! The start of the latest tick is kept beside the store (it is recorded *before* the scrape, as
//! upstream's `tickLastStart`, so `/livez` sees a stalled loop even when a cycle never finishes).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::watch;

use crate::metrics::store::{ScrapeCycle, Store};

/// Creates an empty store for `resolution` and its writer and reader halves.
pub fn store_channel(resolution: Duration) -> (StoreWriter, StoreReader) {
    let resolution = SignedDuration::try_from(resolution).unwrap_or(SignedDuration::MAX);
    let (tx, rx) = watch::channel(Arc::new(Store::new(resolution)));
    let last_tick = Arc::new(Mutex::new(None));
    (StoreWriter { tx, last_tick: Arc::clone(&last_tick) }, StoreReader { rx, last_tick })
}

/// The scrape loop's half.
#[derive(Debug)]
pub struct StoreWriter {
    tx: watch::Sender<Arc<Store>>,
    last_tick: Arc<Mutex<Option<Timestamp>>>,
}

impl StoreWriter {
    /// Records the start of a tick.
    pub fn record_tick(&self, start: Timestamp) {
        *self.last_tick.lock().unwrap_or_else(PoisonError::into_inner) = Some(start);
    }

    /// Stores one cycle into a copy of the current store, publishes it and returns it.
    pub fn publish(&self, cycle: &ScrapeCycle) -> Arc<Store> {
        let mut next = Store::clone(&self.tx.borrow());
        next.store_cycle(cycle);
        let next = Arc::new(next);
        self.tx.send_replace(Arc::clone(&next));
        next
    }

    /// [`publish`](Self::publish) without holding up a runtime worker: on a multi-thread runtime the
    /// worker first hands its queued tasks (API requests) to another thread (`block_in_place`);
    /// on a current-thread runtime (tests, where the paused clock needs it inline) it runs inline.
    pub fn publish_in_place(&self, cycle: &ScrapeCycle) -> Arc<Store> {
        match Handle::try_current().map(|runtime| runtime.runtime_flavor()) {
            Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| self.publish(cycle)),
            _ => self.publish(cycle),
        }
    }

    /// A new reader of this store.
    pub fn reader(&self) -> StoreReader {
        StoreReader { rx: self.tx.subscribe(), last_tick: Arc::clone(&self.last_tick) }
    }
}

/// A reader's half; cheap to clone.
#[derive(Debug, Clone)]
pub struct StoreReader {
    rx: watch::Receiver<Arc<Store>>,
    last_tick: Arc<Mutex<Option<Timestamp>>>,
}

impl StoreReader {
    /// The latest published store.
    pub fn snapshot(&self) -> Arc<Store> {
        Arc::clone(&self.rx.borrow())
    }

    /// Start of the latest tick, `None` before the first.
    pub fn last_tick(&self) -> Option<Timestamp> {
        *self.last_tick.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A channel receiver that wakes on every published cycle (for in-process consumers).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Store>> {
        self.rx.clone()
    }
}

impl crate::metrics::api::why::ExplainSource for StoreReader {
    fn why_node(&self, name: &str) -> crate::metrics::store::Explanation {
        self.snapshot().why_node(name)
    }

    fn why_pod(&self, namespace: &str, name: &str) -> crate::metrics::store::Explanation {
        self.snapshot().why_pod(namespace, name)
    }
}
