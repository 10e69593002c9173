use std::collections::BTreeMap;
use std::ffi::c_char;
use std::ptr;
use std::time::SystemTime;

use crate::arena::{init, Arena, LibraryObject};
use crate::call::{call_control, CallControl};
use crate::catalog::{string, time};
use crate::error::{check, Error, Result};
use crate::handle::Snapshotter;
use crate::stats::Stats;
use crate::sys;

/// containerd's snapshot kinds (`snapshotter_lifecycle_info.kind`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LifecycleKind {
    /// A read-only snapshot of a committed parent; it cannot be committed.
    View,
    /// A writable snapshot, to be committed or removed.
    Active,
    /// An active that was committed: read-only, a parent for others.
    Committed,
}

impl LifecycleKind {
    fn raw(self) -> u32 {
        match self {
            LifecycleKind::View => sys::SNAPSHOTTER_LIFECYCLE_VIEW,
            LifecycleKind::Active => sys::SNAPSHOTTER_LIFECYCLE_ACTIVE,
            LifecycleKind::Committed => sys::SNAPSHOTTER_LIFECYCLE_COMMITTED,
        }
    }
}

/// One mount to make, as containerd's mount.Mount (`snapshotter_mount`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The filesystem type: "bind" or "overlay".
    pub fs_type: String,
    /// What to mount.
    pub source: String,
    /// Its options ("ro", "rbind", "lowerdir=...").
    pub options: Vec<String>,
}

/// A lifecycle snapshot, as stat, update and walk report it (`snapshotter_lifecycle_info`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleInfo {
    /// Its key (a committed snapshot's name).
    pub key: String,
    /// View, active or committed.
    pub kind: LifecycleKind,
    /// Its parent's name, if it has one.
    pub parent: Option<String>,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// When it was made (a committed one: committed).
    pub created: SystemTime,
    /// When its labels last changed.
    pub updated: SystemTime,
    /// A committed snapshot's files as a snapshot of the store: (name, version).
    pub snapshot: Option<(String, String)>,
}

/// The disk a lifecycle snapshot's own directory takes (`snapshotter_usage`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Allocated bytes, each inode once.
    pub bytes: i64,
    /// Inodes.
    pub inodes: i64,
}

/// Builds `snapshotter_lifecycle_commit_request`: the active to commit and the name it gets.
#[derive(Debug)]
pub struct CommitRequest<'a> {
    name: String,
    key: String,
    labels: BTreeMap<String, String>,
    snapshot: Option<(String, Option<String>)>,
    control: CallControl<'a>,
}

impl<'a> CommitRequest<'a> {
    /// Commits the active `key` (unmounted) as `name`.
    pub fn new(name: impl Into<String>, key: impl Into<String>) -> Self {
        CommitRequest {
            name: name.into(),
            key: key.into(),
            labels: BTreeMap::new(),
            snapshot: None,
            control: CallControl::default(),
        }
    }

    /// A label of the committed snapshot.
    pub fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(name.into(), value.into());
        self
    }

    /// Records its files as the store snapshot `name` (version: the library's default unless given).
    pub fn snapshot_name(mut self, name: impl Into<String>, version: Option<String>) -> Self {
        self.snapshot = Some((name.into(), version));
        self
    }
}

call_control!(CommitRequest);

/// Which lifecycle snapshots a walk keeps (`snapshotter_lifecycle_walk_request`); every condition set must hold.
#[derive(Debug, Clone, Default)]
pub struct WalkFilter {
    kind: Option<LifecycleKind>,
    parent: Option<String>,
    label: Option<(String, Option<String>)>,
}

impl WalkFilter {
    /// Keeps everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this kind.
    pub fn kind(mut self, kind: LifecycleKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Only children of `parent`.
    pub fn parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    /// Only snapshots with label `name`, set to `value` (None: to anything).
    pub fn label(mut self, name: impl Into<String>, value: Option<String>) -> Self {
        self.label = Some((name.into(), value));
        self
    }
}

/// The labels as the C array a request points to, kept in `arena` for the call.
fn raw_labels<'l>(
    arena: &mut Arena,
    labels: impl IntoIterator<Item = (&'l String, &'l String)>,
) -> Result<(*const sys::snapshotter_label, usize)> {
    let mut raw = Vec::new();
    for (name, value) in labels {
        raw.push(sys::snapshotter_label {
            version: sys::SNAPSHOTTER_LABEL_VERSION,
            name: arena.str(name, "labels[].name")?,
            value: arena.str(value, "labels[].value")?,
        });
    }
    let count = raw.len();
    Ok((arena.keep_slice(raw), count))
}

impl Snapshotter {
    /// A new active snapshot `key` over the committed `parent` (or over nothing), with its mounts: a writable
    /// tree, made in constant time whatever the parent holds.
    pub fn lifecycle_prepare(
        &self,
        key: &str,
        parent: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Mount>> {
        self.lifecycle_create(key, parent, labels, sys::snapshotter_lifecycle_prepare)
    }

    /// A new read-only view `key` of the committed `parent`, with its mounts.
    pub fn lifecycle_view(
        &self,
        key: &str,
        parent: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Result<Vec<Mount>> {
        self.lifecycle_create(key, parent, labels, sys::snapshotter_lifecycle_view)
    }

    fn lifecycle_create(
        &self,
        key: &str,
        parent: Option<&str>,
        labels: &BTreeMap<String, String>,
        create: unsafe extern "C" fn(
            *mut *mut sys::snapshotter_mount_list,
            *mut sys::snapshotter,
            *const sys::snapshotter_lifecycle_request,
            *mut *mut sys::snapshotter_error,
        ) -> sys::snapshotter_code,
    ) -> Result<Vec<Mount>> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_lifecycle_request_init,
            sys::SNAPSHOTTER_LIFECYCLE_REQUEST_VERSION,
            "snapshotter_lifecycle_request",
        )?;
        raw.key = arena.str(key, "key")?;
        raw.parent = arena.optional_str(parent, "parent")?;
        (raw.labels, raw.label_count) = raw_labels(&mut arena, labels)?;
        let mut out = ptr::null_mut();
        // SAFETY: the handle is live for `&self`; raw's strings and labels live in `arena` until after the call;
        // `out` is written only on success.
        check(|err| unsafe { create(&mut out, self.as_ptr(), &raw, err) })?;
        mounts(LibraryObject::new(out, sys::snapshotter_mount_list_free))
    }

    /// The mounts of the active or view `key`.
    pub fn lifecycle_mounts(&self, key: &str) -> Result<Vec<Mount>> {
        let mut arena = Arena::default();
        let key = arena.str(key, "key")?;
        let mut out = ptr::null_mut();
        // SAFETY: the handle is live; `key` lives in `arena` until after the call; `out` is written only on success.
        check(|err| unsafe { sys::snapshotter_lifecycle_mounts(&mut out, self.as_ptr(), key, err) })?;
        mounts(LibraryObject::new(out, sys::snapshotter_mount_list_free))
    }

    /// What the library knows of `key`.
    pub fn lifecycle_stat(&self, key: &str) -> Result<LifecycleInfo> {
        let mut arena = Arena::default();
        let key = arena.str(key, "key")?;
        let mut out = ptr::null_mut();
        // SAFETY: as in lifecycle_mounts.
        check(|err| unsafe { sys::snapshotter_lifecycle_stat(&mut out, self.as_ptr(), key, err) })?;
        only(infos(LibraryObject::new(out, sys::snapshotter_lifecycle_list_free))?)
    }

    /// Changes the labels of `key` as containerd's Update does: with no `field_paths` they become `labels`;
    /// "labels" does the same; "labels.NAME" sets NAME to its value in `labels` or removes it when absent there.
    pub fn lifecycle_update(
        &self,
        key: &str,
        labels: &BTreeMap<String, String>,
        field_paths: &[&str],
    ) -> Result<LifecycleInfo> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_lifecycle_update_request_init,
            sys::SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_VERSION,
            "snapshotter_lifecycle_update_request",
        )?;
        raw.key = arena.str(key, "key")?;
        (raw.labels, raw.label_count) = raw_labels(&mut arena, labels)?;
        let paths = field_paths.iter().map(|path| arena.str(path, "field_paths[]")).collect::<Result<Vec<_>>>()?;
        raw.field_path_count = paths.len();
        raw.field_paths = arena.keep_slice(paths);
        let mut out = ptr::null_mut();
        // SAFETY: the handle is live; raw's strings and arrays live in `arena` until after the call.
        check(|err| unsafe { sys::snapshotter_lifecycle_update(&mut out, self.as_ptr(), &raw, err) })?;
        only(infos(LibraryObject::new(out, sys::snapshotter_lifecycle_list_free))?)
    }

    /// The lifecycle snapshots `filter` keeps, ordered by key.
    pub fn lifecycle_walk(&self, filter: &WalkFilter) -> Result<Vec<LifecycleInfo>> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_lifecycle_walk_request_init,
            sys::SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_VERSION,
            "snapshotter_lifecycle_walk_request",
        )?;
        raw.kind = filter.kind.map_or(0, LifecycleKind::raw);
        raw.parent = arena.optional_str(filter.parent.as_deref(), "parent")?;
        if let Some((name, value)) = &filter.label {
            raw.label_name = arena.str(name, "label_name")?;
            raw.label_value = arena.optional_str(value.as_deref(), "label_value")?;
        }
        let mut out = ptr::null_mut();
        // SAFETY: the handle is live; raw's strings live in `arena` until after the call.
        check(|err| unsafe { sys::snapshotter_lifecycle_walk(&mut out, self.as_ptr(), &raw, err) })?;
        infos(LibraryObject::new(out, sys::snapshotter_lifecycle_list_free))
    }

    /// Commits an active (unmounted by the caller): only what it changed is read and stored, and its files are
    /// recorded as a snapshot of the store.
    pub fn lifecycle_commit(&self, request: CommitRequest<'_>) -> Result<Stats> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_lifecycle_commit_request_init,
            sys::SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_VERSION,
            "snapshotter_lifecycle_commit_request",
        )?;
        raw.name = arena.str(&request.name, "name")?;
        raw.key = arena.str(&request.key, "key")?;
        (raw.labels, raw.label_count) = raw_labels(&mut arena, &request.labels)?;
        if let Some((name, version)) = &request.snapshot {
            raw.snapshot_name = arena.str(name, "snapshot_name")?;
            raw.snapshot_version = arena.optional_str(version.as_deref(), "snapshot_version")?;
        }
        let mut control = request.control;
        (raw.progress, raw.progress_payload, raw.cancel) = control.raw();
        let mut stats = Stats::raw();
        // SAFETY: the handle is live; raw's strings and labels live in `arena`, its progress payload and cancel
        // token in `control`, all until after the call.
        let result = check(|err| unsafe { sys::snapshotter_lifecycle_commit(&mut stats, self.as_ptr(), &raw, err) });
        control.finish(result)?;
        Ok(Stats::from_raw(&stats))
    }

    /// Removes `key` and its directory (unmounted by the caller); refused while it has children.
    pub fn lifecycle_remove(&self, key: &str) -> Result<()> {
        let mut arena = Arena::default();
        let key = arena.str(key, "key")?;
        // SAFETY: the handle is live; `key` lives in `arena` until after the call.
        check(|err| unsafe { sys::snapshotter_lifecycle_remove(self.as_ptr(), key, err) })
    }

    /// The disk the directory of `key` takes.
    pub fn lifecycle_usage(&self, key: &str) -> Result<Usage> {
        let mut arena = Arena::default();
        let key = arena.str(key, "key")?;
        let mut raw = sys::snapshotter_usage { version: sys::SNAPSHOTTER_USAGE_VERSION, bytes: 0, inodes: 0 };
        // SAFETY: the handle is live; `key` lives in `arena` until after the call; `raw` is written on success.
        check(|err| unsafe { sys::snapshotter_lifecycle_usage(&mut raw, self.as_ptr(), key, err) })?;
        Ok(Usage { bytes: raw.bytes, inodes: raw.inodes })
    }
}

fn only(mut infos: Vec<LifecycleInfo>) -> Result<LifecycleInfo> {
    match infos.len() {
        1 => Ok(infos.remove(0)),
        n => Err(Error::internal(format!("the library returned {n} snapshots for one key"))),
    }
}

/// # Safety
/// `strings` points to `count` live C strings (or `count` is 0).
unsafe fn strings(strings: *const *const c_char, count: usize) -> Vec<String> {
    // SAFETY: the caller's contract.
    (0..count).map(|i| unsafe { string(*strings.add(i)) }).collect()
}

fn mounts(list: LibraryObject<sys::snapshotter_mount_list>) -> Result<Vec<Mount>> {
    // SAFETY: the list is live until `list` drops; what get returns is owned by it and copied before then.
    unsafe {
        (0..sys::snapshotter_mount_list_count(list.as_ptr()))
            .map(|i| {
                let mount = sys::snapshotter_mount_list_get(list.as_ptr(), i)
                    .as_ref()
                    .ok_or_else(|| Error::internal("the library returned no mount"))?;
                Ok(Mount {
                    fs_type: string(mount.r#type),
                    source: string(mount.source),
                    options: strings(mount.options, mount.option_count),
                })
            })
            .collect()
    }
}

fn infos(list: LibraryObject<sys::snapshotter_lifecycle_list>) -> Result<Vec<LifecycleInfo>> {
    // SAFETY: the list is live until `list` drops; what get returns (strings and labels included) is owned by it
    // and copied before then.
    unsafe {
        (0..sys::snapshotter_lifecycle_list_count(list.as_ptr()))
            .map(|i| {
                let info = sys::snapshotter_lifecycle_list_get(list.as_ptr(), i)
                    .as_ref()
                    .ok_or_else(|| Error::internal("the library returned no lifecycle snapshot"))?;
                let kind = match info.kind {
                    sys::SNAPSHOTTER_LIFECYCLE_VIEW => LifecycleKind::View,
                    sys::SNAPSHOTTER_LIFECYCLE_ACTIVE => LifecycleKind::Active,
                    sys::SNAPSHOTTER_LIFECYCLE_COMMITTED => LifecycleKind::Committed,
                    other => return Err(Error::internal(format!("the library returned an unknown kind {other}"))),
                };
                let labels = (0..info.label_count)
                    .map(|j| {
                        let label = &*info.labels.add(j);
                        (string(label.name), string(label.value))
                    })
                    .collect();
                Ok(LifecycleInfo {
                    key: string(info.key),
                    kind,
                    parent: (!info.parent.is_null()).then(|| string(info.parent)),
                    labels,
                    created: time(info.created_ns),
                    updated: time(info.updated_ns),
                    snapshot: (!info.snapshot_name.is_null())
                        .then(|| (string(info.snapshot_name), string(info.snapshot_version))),
                })
            })
            .collect()
    }
}
