//! The shared state of a running sim: the object store and the resource table behind one lock, plus
//! a change signal that watches wait on.
//!
//! Everything that writes objects (HTTP handlers, in-process test access, later controllers) goes
//! through [`Cluster`], so side effects of writes happen in one place:
//! - a `CustomResourceDefinition` is validated and registered before it is stored (and gets the
//!   `NamesAccepted`/`Established` conditions); deleting it unregisters its resource and deletes
//!   its objects;
//! - a `Namespace` gets `status.phase: Active`; deleting it deletes the objects in it at once;
//! - namespaced objects can only be created in an existing namespace;
//! - new objects of built-in types get their defaults ([`defaults`]), Services a cluster IP;
//! - a view's key (`events.k8s.io` `events`, see [`super::views`]) reads and writes the viewed
//!   resource's objects, converted to and from the view's shape (the HTTP handlers pass the
//!   storage key themselves and convert at the edge).
//!
//! The lock is a `std::sync::Mutex`, never held across an `.await`.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::defaults;
use super::resources::{ResourceInfo, ResourceTable};
use super::schema;
use super::status::ApiError;
use super::store::{Planned, ResourceKey, Store, StoreError, UpdateScope, WatchEvent, format_time};
use super::views::View;

const CRDS: (&str, &str) = ("apiextensions.k8s.io", "customresourcedefinitions");

struct Inner {
    store: Store,
    /// Shared with readers; writers copy on write (CRD changes are rare, reads are per request).
    table: Arc<ResourceTable>,
    /// Service cluster IPs handed out so far.
    cluster_ips: u32,
}

/// Store + resource table + change signal.
pub struct Cluster {
    inner: Mutex<Inner>,
    changes: watch::Sender<u64>,
    requests: super::server::requests::RequestCounter,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster").field("revision", &*self.changes.borrow()).finish_non_exhaustive()
    }
}

/// The view `res` names, if it is one (core resources never are).
fn view_of(inner: &Inner, res: &ResourceKey) -> Option<View> {
    if res.group.is_empty() {
        return None;
    }
    inner.table.all().iter().find(|r| r.group == res.group && r.plural == res.resource).and_then(|r| r.view)
}

/// The schema a custom resource of `res` is written against (the CRD version its `apiVersion`
/// names), and its kind; `None` for built-in resources and views.
fn custom_schema(inner: &Inner, res: &ResourceKey, obj: &Value) -> Option<(Value, String)> {
    if res.group.is_empty() {
        return None;
    }
    let info = inner.table.all().iter().find(|r| r.group == res.group && r.plural == res.resource)?;
    if !info.from_crd || info.view.is_some() {
        return None;
    }
    let crd =
        inner.store.get(&ResourceKey::new(CRDS.0, CRDS.1), "", &format!("{}.{}", res.resource, res.group))?;
    let version = obj["apiVersion"].as_str().and_then(|v| v.rsplit('/').next()).unwrap_or_default();
    Some((schema::version_schema(crd, version)?.clone(), info.kind.clone()))
}

fn name_of(obj: &Value) -> String {
    obj["metadata"]["name"].as_str().unwrap_or_default().to_owned()
}

impl Cluster {
    /// An empty cluster with the built-in resources, keeping `log_capacity` watch events per resource.
    pub fn new(log_capacity: usize) -> Self {
        let inner = Inner {
            store: Store::new(log_capacity),
            table: Arc::new(ResourceTable::with_builtins()),
            cluster_ips: 0,
        };
        Self {
            inner: Mutex::new(inner),
            changes: watch::channel(0).0,
            requests: super::server::requests::RequestCounter::default(),
        }
    }

    /// The authenticated API requests served so far, by verb and resource (for benchmarks).
    pub fn requests(&self) -> &super::server::requests::RequestCounter {
        &self.requests
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the store half-written (writes are single
        // map operations), so a poisoned lock is still consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn notify(&self, revision: u64) {
        self.changes.send_replace(revision);
    }

    /// A receiver that changes whenever the global resourceVersion moves.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// A snapshot of the resource table.
    pub fn table(&self) -> Arc<ResourceTable> {
        Arc::clone(&self.lock().table)
    }

    /// The resource served at `group/version/plural`.
    pub fn resource(&self, group: &str, version: &str, plural: &str) -> Option<ResourceInfo> {
        self.lock().table.find(group, version, plural).cloned()
    }

    /// The current global resourceVersion.
    pub fn revision(&self) -> u64 {
        self.lock().store.revision()
    }

    /// One object.
    pub fn get(&self, res: &ResourceKey, namespace: &str, name: &str) -> Option<Value> {
        let inner = self.lock();
        match view_of(&inner, res) {
            Some(view) => inner.store.get(&view.storage(), namespace, name).cloned().map(|o| view.present(o)),
            None => inner.store.get(res, namespace, name).cloned(),
        }
    }

    /// Objects of a resource (optionally in one namespace) and the revision they were read at.
    pub fn list(&self, res: &ResourceKey, namespace: Option<&str>) -> (Vec<Value>, u64) {
        let (items, revision) = self.list_shared(res, namespace);
        (items.into_iter().map(Arc::unwrap_or_clone).collect(), revision)
    }

    /// [`Cluster::list`] without copying: the stored objects themselves, shared.
    pub fn list_shared(&self, res: &ResourceKey, namespace: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        self.list_page(res, namespace, &|_| true, None, None).into_parts()
    }

    /// One page of the objects of `res` accepted by `filter`, in (namespace, name) order, starting
    /// after the object id `after` and holding at most `limit` objects. The objects are shared
    /// with the store (a view's objects are converted copies).
    pub fn list_page(
        &self,
        res: &ResourceKey,
        namespace: Option<&str>,
        filter: &dyn Fn(&Value) -> bool,
        after: Option<(&str, &str)>,
        limit: Option<usize>,
    ) -> ListPage {
        let inner = self.lock();
        let limit = limit.unwrap_or(usize::MAX);
        if let Some(view) = view_of(&inner, res) {
            let mut matching = inner
                .store
                .list_shared(&view.storage(), namespace, after)
                .map(|o| view.present(Value::clone(o)))
                .filter(|o| filter(o));
            let items: Vec<Arc<Value>> = matching.by_ref().take(limit).map(Arc::new).collect();
            return ListPage { items, revision: inner.store.revision(), remaining: matching.count() };
        }
        let mut matching = inner.store.list_shared(res, namespace, after).filter(|o| filter(o));
        let items: Vec<Arc<Value>> = matching.by_ref().take(limit).cloned().collect();
        ListPage { items, revision: inner.store.revision(), remaining: matching.count() }
    }

    /// Watch events of `res` after `since`, and the revision up to which they are complete.
    pub fn events_since(&self, res: &ResourceKey, since: u64) -> Result<(Vec<WatchEvent>, u64), ApiError> {
        let inner = self.lock();
        let events = inner.store.events_since(res, since).map_err(|e| ApiError::from_store(&e, res, ""))?;
        Ok((events, inner.store.revision()))
    }

    /// Create an object of `res` (whose metadata already names its namespace). A dry run checks
    /// and returns what would be stored without storing it.
    pub fn create(&self, res: &ResourceKey, mut obj: Value, dry_run: bool) -> Result<Value, ApiError> {
        // A statement of its own, so the lock is released before the nested call.
        let view = view_of(&self.lock(), res);
        if let Some(view) = view {
            return self.create(&view.storage(), view.store(obj), dry_run).map(|o| view.present(o));
        }
        if !obj["metadata"].is_object() {
            return Err(ApiError::from_store(
                &StoreError::NotAnObject { resource: res.qualified() },
                res,
                "",
            ));
        }
        let now = Timestamp::now();
        let mut inner = self.lock();
        let namespace = obj["metadata"]["namespace"].as_str().unwrap_or_default().to_owned();
        let ns_key = ResourceKey::new("", "namespaces");
        if !namespace.is_empty() && inner.store.get(&ns_key, "", &namespace).is_none() {
            let msg = format!("namespaces \"{namespace}\" not found");
            return Err(ApiError::new(404, "NotFound", msg).about(&ns_key, &namespace));
        }
        let name = name_of(&obj);
        if let Some((schema, kind)) = custom_schema(&inner, res, &obj) {
            schema::admit(&mut obj, &schema).map_err(|e| schema::invalid(&res.group, &kind, &name, &e))?;
        }
        let is_crd = (res.group.as_str(), res.resource.as_str()) == CRDS;
        if is_crd {
            // Validate against a copy first: the table only changes once the object is stored.
            let info = ResourceTable::clone(&inner.table)
                .register_crd(&obj)
                .map_err(|e| ApiError::invalid(e.to_string()))?;
            obj["status"] = crd_status(&obj, &info, now);
        }
        let mut allocated = inner.cluster_ips;
        defaults::on_create(res, &mut obj, &mut || {
            allocated += 1;
            defaults::cluster_ip(allocated - 1)
        });
        if (res.group.as_str(), res.resource.as_str()) == ("", "namespaces")
            && obj["status"]["phase"].is_null()
        {
            obj["status"] = json!({"phase": "Active"});
            obj["spec"] = json!({"finalizers": ["kubernetes"]});
        }
        if dry_run {
            return inner.store.plan_create(res, obj, now).map_err(|e| ApiError::from_store(&e, res, &name));
        }
        let created = inner.store.create(res, obj, now).map_err(|e| ApiError::from_store(&e, res, &name))?;
        inner.cluster_ips = allocated;
        if is_crd {
            Arc::make_mut(&mut inner.table)
                .register_crd(&created)
                .map_err(|e| ApiError::invalid(e.to_string()))?;
        }
        let rev = inner.store.revision();
        drop(inner);
        self.notify(rev);
        Ok(created)
    }

    /// Replace an object (see [`Store::update`] for `scope` and the resourceVersion check).
    pub fn update(
        &self,
        res: &ResourceKey,
        mut obj: Value,
        scope: UpdateScope,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let view = view_of(&self.lock(), res);
        if let Some(view) = view {
            return self.update(&view.storage(), view.store(obj), scope, dry_run).map(|o| view.present(o));
        }
        let name = name_of(&obj);
        let mut inner = self.lock();
        if let Some((schema, kind)) = custom_schema(&inner, res, &obj) {
            // Prune and default what was sent, then validate what would be stored (the status
            // scope keeps the old spec, the main scope the old status).
            schema::prepare(&mut obj, &schema);
            if let Ok(Planned::Write(planned)) = inner.store.plan_update(res, obj.clone(), scope) {
                let errors = schema::validate::validate(&planned, &schema);
                if !errors.is_empty() {
                    return Err(schema::invalid(&res.group, &kind, &name, &errors));
                }
            }
        }
        let is_crd = (res.group.as_str(), res.resource.as_str()) == CRDS && scope != UpdateScope::Status;
        if is_crd {
            ResourceTable::clone(&inner.table)
                .register_crd(&obj)
                .map_err(|e| ApiError::invalid(e.to_string()))?;
        }
        if dry_run {
            return match inner.store.plan_update(res, obj, scope) {
                Ok(Planned::Unchanged(v) | Planned::Write(v)) => Ok(v),
                Err(e) => Err(ApiError::from_store(&e, res, &name)),
            };
        }
        let updated =
            inner.store.update(res, obj, scope).map_err(|e| ApiError::from_store(&e, res, &name))?;
        if is_crd {
            Arc::make_mut(&mut inner.table)
                .register_crd(&updated)
                .map_err(|e| ApiError::invalid(e.to_string()))?;
        }
        let rev = inner.store.revision();
        drop(inner);
        self.notify(rev);
        Ok(updated)
    }

    /// Delete an object, with the cascades described in the module documentation (none for a
    /// dry run, which only returns what would be deleted).
    pub fn delete(
        &self,
        res: &ResourceKey,
        namespace: &str,
        name: &str,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let mut inner = self.lock();
        if let Some(view) = view_of(&inner, res) {
            drop(inner);
            return self.delete(&view.storage(), namespace, name, dry_run).map(|o| view.present(o));
        }
        if dry_run {
            return inner
                .store
                .plan_delete(res, namespace, name)
                .map_err(|e| ApiError::from_store(&e, res, name));
        }
        let deleted =
            inner.store.delete(res, namespace, name).map_err(|e| ApiError::from_store(&e, res, name))?;
        if (res.group.as_str(), res.resource.as_str()) == CRDS {
            let group = deleted["spec"]["group"].as_str().unwrap_or_default().to_owned();
            let plural = deleted["spec"]["names"]["plural"].as_str().unwrap_or_default().to_owned();
            Arc::make_mut(&mut inner.table).unregister(&group, &plural);
            let key = ResourceKey::new(&group, &plural);
            delete_all(&mut inner.store, &key, None);
        }
        if (res.group.as_str(), res.resource.as_str()) == ("", "namespaces") {
            let namespaced: Vec<ResourceKey> = inner
                .table
                .all()
                .iter()
                .filter(|r| r.namespaced)
                .map(|r| ResourceKey::new(&r.group, &r.plural))
                .collect();
            for key in namespaced {
                delete_all(&mut inner.store, &key, Some(name));
            }
        }
        let rev = inner.store.revision();
        drop(inner);
        self.notify(rev);
        Ok(deleted)
    }
}

/// One page of a list (see [`Cluster::list_page`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// The objects of the page.
    pub items: Vec<Arc<Value>>,
    /// The revision the page was read at.
    pub revision: u64,
    /// How many matching objects follow the page.
    pub remaining: usize,
}

impl ListPage {
    /// Items and revision.
    pub fn into_parts(self) -> (Vec<Arc<Value>>, u64) {
        (self.items, self.revision)
    }
}

/// (namespace, name) of an object, borrowed.
pub fn object_id(obj: &Value) -> [&str; 2] {
    let meta = &obj["metadata"];
    [meta["namespace"].as_str().unwrap_or_default(), meta["name"].as_str().unwrap_or_default()]
}

fn delete_all(store: &mut Store, key: &ResourceKey, namespace: Option<&str>) {
    let ids: Vec<(String, String)> = store
        .list(key, namespace)
        .iter()
        .map(|o| {
            let m = &o["metadata"];
            (
                m["namespace"].as_str().unwrap_or_default().to_owned(),
                m["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (ns, name) in ids {
        // The object was just listed under the same lock, so it exists.
        let _ = store.delete(key, &ns, &name);
    }
}

/// The status kube-apiserver gives an accepted CRD.
fn crd_status(crd: &Value, info: &ResourceInfo, now: Timestamp) -> Value {
    let time = format_time(now);
    let condition = |kind: &str, reason: &str, message: &str| json!({"type": kind, "status": "True", "lastTransitionTime": time, "reason": reason, "message": message});
    json!({
        "acceptedNames": crd["spec"]["names"].clone(),
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": [info.preferred_version()],
    })
}
