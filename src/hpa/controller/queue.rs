//! The work queue: client-go's `workqueue` semantics with the HPA controller's rate limiter.
//!
//! - A key is queued at most once (`dirty`); a key being processed is not handed to a second worker,
//!   and an add during processing re-queues it when the worker calls [`WorkQueue::done`].
//! - `add` is immediate (new or changed objects); `add_after` is the resync (upstream's
//!   `FixedItemIntervalRateLimiter`: every re-queue, after success or error, waits one sync period).
//!   An immediate add supersedes a pending delayed one.
//!
//! [`WorkQueue`] is plain data with `now` passed in; [`SharedQueue`] wraps it for async workers.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use tokio::time::Instant;

/// The queue's state.
#[derive(Debug)]
pub struct WorkQueue<K> {
    queue: VecDeque<K>,
    dirty: HashSet<K>,
    processing: HashSet<K>,
    delayed: HashMap<K, Instant>,
    shut_down: bool,
}

impl<K> Default for WorkQueue<K> {
    fn default() -> Self {
        Self {
            queue: VecDeque::new(),
            dirty: HashSet::new(),
            processing: HashSet::new(),
            delayed: HashMap::new(),
            shut_down: false,
        }
    }
}

impl<K: Clone + Eq + Hash> WorkQueue<K> {
    /// Queues `key` now.
    pub fn add(&mut self, key: K) {
        self.delayed.remove(&key);
        if self.shut_down || !self.dirty.insert(key.clone()) {
            return;
        }
        if !self.processing.contains(&key) {
            self.queue.push_back(key);
        }
    }

    /// Queues `key` at `due` (the earliest of several delayed adds wins).
    pub fn add_after(&mut self, key: K, due: Instant) {
        if self.shut_down || self.dirty.contains(&key) {
            return;
        }
        let entry = self.delayed.entry(key).or_insert(due);
        if due < *entry {
            *entry = due;
        }
    }

    /// Moves the delayed keys that are due into the queue.
    fn promote(&mut self, now: Instant) {
        let due: Vec<K> = self.delayed.iter().filter(|(_, t)| **t <= now).map(|(k, _)| k.clone()).collect();
        for key in due {
            self.add(key);
        }
    }

    /// The next key to process, if any is ready at `now`; the caller must call [`Self::done`].
    pub fn pop(&mut self, now: Instant) -> Option<K> {
        self.promote(now);
        let key = self.queue.pop_front()?;
        self.dirty.remove(&key);
        self.processing.insert(key.clone());
        Some(key)
    }

    /// Ends processing of `key`; re-queues it if it was added meanwhile.
    pub fn done(&mut self, key: &K) {
        self.processing.remove(key);
        if self.dirty.contains(key) {
            self.queue.push_back(key.clone());
        }
    }

    /// Drops every pending add of `key` (the object was deleted).
    pub fn forget(&mut self, key: &K) {
        self.delayed.remove(key);
        if self.dirty.remove(key) {
            self.queue.retain(|k| k != key);
        }
    }

    /// When the earliest delayed key is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.delayed.values().min().copied()
    }

    /// Keys queued or delayed (for diagnostics and tests).
    pub fn len(&self) -> usize {
        self.queue.len() + self.delayed.len()
    }

    /// Whether nothing is queued or delayed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A [`WorkQueue`] shared by async workers.
#[derive(Debug)]
pub struct SharedQueue<K> {
    inner: Mutex<WorkQueue<K>>,
    notify: Notify,
}

impl<K> Default for SharedQueue<K> {
    fn default() -> Self {
        Self { inner: Mutex::new(WorkQueue::default()), notify: Notify::new() }
    }
}

impl<K: Clone + Eq + Hash> SharedQueue<K> {
    /// The state, for a short critical section.
    pub fn lock(&self) -> MutexGuard<'_, WorkQueue<K>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `key` now and wakes a worker.
    pub fn add(&self, key: K) {
        self.lock().add(key);
        self.notify.notify_one();
    }

    /// Queues `key` after `delay`.
    pub fn add_after(&self, key: K, delay: std::time::Duration) {
        self.lock().add_after(key, Instant::now() + delay);
        self.notify.notify_one();
    }

    /// Ends processing of `key`.
    pub fn done(&self, key: &K) {
        self.lock().done(key);
        self.notify.notify_one();
    }

    /// Stops handing out keys: [`Self::next`] returns `None` from now on.
    pub fn shut_down(&self) {
        self.lock().shut_down = true;
        self.notify.notify_waiters();
    }

    /// Waits for the next key; `None` after [`Self::shut_down`].
    pub async fn next(&self) -> Option<K> {
        loop {
            let notified = self.notify.notified();
            let due = {
                let mut q = self.lock();
                if q.shut_down {
                    return None;
                }
                if let Some(key) = q.pop(Instant::now()) {
                    return Some(key);
                }
                q.next_due()
            };
            match due {
                Some(due) => {
                    tokio::select! {
                        () = notified => {}
                        () = tokio::time::sleep_until(due) => {}
                    }
                }
                None => notified.await,
            }
        }
    }
}
