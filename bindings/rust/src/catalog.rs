use std::ffi::{c_char, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::ptr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::arena::{init, Arena, LibraryObject};
use crate::error::{check, Result};
use crate::flags::flags;
use crate::handle::Snapshotter;
use crate::selector::Selector;
use crate::snapshot::FileFlags;
use crate::sys;

flags! {
    /// Where a listed snapshot is (`snapshotter_snapshot_info.flags`).
    SnapshotPlace {
        /// In the local store.
        LOCAL = sys::SNAPSHOTTER_SNAPSHOT_LOCAL;
        /// Tagged in the registry ([`ListRequest::remote`] only).
        REMOTE = sys::SNAPSHOTTER_SNAPSHOT_REMOTE;
    }
}

/// A snapshot (`snapshotter_snapshot_info`); one known only from the registry has only its name, version and
/// place.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// When it was made.
    pub created: SystemTime,
    /// Its last snapshot or restore.
    pub last_used: SystemTime,
    /// Its files.
    pub files: u64,
    /// Their logical size.
    pub bytes: u64,
    /// The stored size of its distinct content; content shared with other snapshots counts for each.
    pub stored_bytes: u64,
    /// Where it is.
    pub place: SnapshotPlace,
}

/// One file of a snapshot, as recorded (`snapshotter_file_info`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// Its path relative to the snapshot's base dir.
    pub relative_path: PathBuf,
    /// "xxh3:<hex>".
    pub digest: String,
    /// Its logical size.
    pub size: u64,
    /// Its modification time.
    pub modified: SystemTime,
    /// Its permission bits, as chmod takes them.
    pub mode: u32,
    /// Its owner.
    pub uid: u32,
    /// Its group.
    pub gid: u32,
    /// [`FileFlags::READ_ONLY`], [`FileFlags::CONTENT_LOCAL`].
    pub flags: FileFlags,
}

/// One snapshot and its files, ordered by path.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The snapshot.
    pub snapshot: SnapshotInfo,
    /// Its files.
    pub files: Vec<FileInfo>,
}

/// What [`Snapshotter::delete`] did (`snapshotter_delete_stats`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeleteStats {
    /// Files the deleted snapshot had.
    pub files: u64,
    /// Content objects no other snapshot referenced, now removed.
    pub content_freed: u64,
    /// Their stored size.
    pub bytes_freed: u64,
    /// 1 when [`DeleteRequest::remote`] deleted a manifest from the registry.
    pub manifests_deleted: u64,
}

/// Builds `snapshotter_list_request`.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    name: Option<String>,
    remote: bool,
}

impl ListRequest {
    /// Every local snapshot.
    pub fn new() -> ListRequest {
        ListRequest::default()
    }

    /// Only the snapshots of this name.
    pub fn name(mut self, name: impl Into<String>) -> ListRequest {
        self.name = Some(name.into());
        self
    }

    /// Also the versions of the name (required) that the registry tags.
    pub fn remote(mut self) -> ListRequest {
        self.remote = true;
        self
    }
}

/// Builds `snapshotter_inspect_request`.
#[derive(Debug, Clone)]
pub struct InspectRequest {
    selector: Selector,
}

impl InspectRequest {
    /// The snapshot name:version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> InspectRequest {
        InspectRequest { selector: Selector::NameVersion(name.into(), version.into()) }
    }

    /// The snapshot a reference names: "name:version", "name@latest" or "name@<RFC 3339 time>".
    pub fn reference(reference: impl Into<String>) -> InspectRequest {
        InspectRequest { selector: Selector::Reference(reference.into()) }
    }
}

/// Builds `snapshotter_delete_request`.
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    selector: Selector,
    remote: bool,
}

impl DeleteRequest {
    /// The snapshot name:version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> DeleteRequest {
        DeleteRequest { selector: Selector::NameVersion(name.into(), version.into()), remote: false }
    }

    /// The snapshot a reference names, as for [`InspectRequest::reference`].
    pub fn reference(reference: impl Into<String>) -> DeleteRequest {
        DeleteRequest { selector: Selector::Reference(reference.into()), remote: false }
    }

    /// First deletes the manifest the registry tags the snapshot with (by digest: other tags of that very
    /// manifest go with it).
    pub fn remote(mut self) -> DeleteRequest {
        self.remote = true;
        self
    }
}

impl Snapshotter {
    /// The local snapshots, ordered by name, then creation time, then version.
    pub fn list(&self, request: ListRequest) -> Result<Vec<SnapshotInfo>> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_list_request_init,
            sys::SNAPSHOTTER_LIST_REQUEST_VERSION,
            "snapshotter_list_request",
        )?;
        if let Some(name) = &request.name {
            raw.name = arena.str(name, "name")?;
        }
        raw.flags = if request.remote { sys::SNAPSHOTTER_LIST_REMOTE } else { 0 };
        let mut out = ptr::null_mut();
        // SAFETY: the handle is live for `&self`; raw's strings live in `arena` until after the call;
        // `out` is written only on success.
        check(|err| unsafe { sys::snapshotter_list(&mut out, self.as_ptr(), &raw, err) })?;
        let list = LibraryObject::new(out, sys::snapshotter_snapshot_list_free);
        // SAFETY: the list is live until `list` drops; count and get read it, and what get returns is
        // owned by the list and copied before then.
        unsafe {
            let count = sys::snapshotter_snapshot_list_count(list.as_ptr());
            (0..count).map(|i| snapshot_info(sys::snapshotter_snapshot_list_get(list.as_ptr(), i))).collect()
        }
    }

    /// One snapshot and its files.
    pub fn inspect(&self, request: InspectRequest) -> Result<Inspection> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_inspect_request_init,
            sys::SNAPSHOTTER_INSPECT_REQUEST_VERSION,
            "snapshotter_inspect_request",
        )?;
        request.selector.write(&mut arena, &mut raw.r#ref, &mut raw.name, &mut raw.snapshot_version)?;
        let mut out = ptr::null_mut();
        // SAFETY: as in `list`.
        check(|err| unsafe { sys::snapshotter_inspect(&mut out, self.as_ptr(), &raw, err) })?;
        let inspection = LibraryObject::new(out, sys::snapshotter_inspection_free);
        // SAFETY: the inspection is live until `inspection` drops.
        unsafe { inspection_from(inspection.as_ptr()) }
    }

    /// Deletes a local snapshot: its metadata at once, then the content no other snapshot references.
    pub fn delete(&self, request: DeleteRequest) -> Result<DeleteStats> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_delete_request_init,
            sys::SNAPSHOTTER_DELETE_REQUEST_VERSION,
            "snapshotter_delete_request",
        )?;
        request.selector.write(&mut arena, &mut raw.r#ref, &mut raw.name, &mut raw.snapshot_version)?;
        raw.flags = if request.remote { sys::SNAPSHOTTER_DELETE_REMOTE } else { 0 };
        let mut stats = sys::snapshotter_delete_stats {
            version: sys::SNAPSHOTTER_DELETE_STATS_VERSION,
            files: 0,
            content_freed: 0,
            bytes_freed: 0,
            manifests_deleted: 0,
        };
        // SAFETY: the handle is live for `&self`; raw's strings live in `arena` until after the call.
        check(|err| unsafe { sys::snapshotter_delete(&mut stats, self.as_ptr(), &raw, err) })?;
        Ok(DeleteStats {
            files: stats.files,
            content_freed: stats.content_freed,
            bytes_freed: stats.bytes_freed,
            manifests_deleted: stats.manifests_deleted,
        })
    }
}

/// Copies an inspection out of the library's object.
///
/// # Safety
/// `inspection` points to a live snapshotter_inspection.
pub(crate) unsafe fn inspection_from(inspection: *const sys::snapshotter_inspection) -> Result<Inspection> {
    // SAFETY: the caller's contract; what the accessors return is owned by the inspection and copied here.
    unsafe {
        let snapshot = snapshot_info(sys::snapshotter_inspection_snapshot(inspection))?;
        let count = sys::snapshotter_inspection_file_count(inspection);
        let files = (0..count)
            .map(|i| file_info(sys::snapshotter_inspection_file_get(inspection, i)))
            .collect::<Result<_>>()?;
        Ok(Inspection { snapshot, files })
    }
}

/// # Safety
/// `info` is NULL or points to a live snapshotter_snapshot_info.
unsafe fn snapshot_info(info: *const sys::snapshotter_snapshot_info) -> Result<SnapshotInfo> {
    // SAFETY: the caller's contract.
    let info =
        unsafe { info.as_ref() }.ok_or_else(|| crate::Error::internal("the library returned no snapshot info"))?;
    Ok(SnapshotInfo {
        // SAFETY: the strings belong to the live info.
        name: unsafe { string(info.name) },
        // SAFETY: as above.
        version: unsafe { string(info.snapshot_version) },
        created: time(info.created_ns),
        last_used: time(info.last_used_ns),
        files: info.files,
        bytes: info.bytes,
        stored_bytes: info.stored_bytes,
        place: SnapshotPlace::from_bits(info.flags),
    })
}

/// # Safety
/// `info` is NULL or points to a live snapshotter_file_info.
unsafe fn file_info(info: *const sys::snapshotter_file_info) -> Result<FileInfo> {
    // SAFETY: the caller's contract.
    let info = unsafe { info.as_ref() }.ok_or_else(|| crate::Error::internal("the library returned no file info"))?;
    // SAFETY: the strings belong to the live info; NULL is never returned for them.
    let relative_path = unsafe { CStr::from_ptr(info.relative_path) };
    Ok(FileInfo {
        relative_path: PathBuf::from(OsStr::from_bytes(relative_path.to_bytes())),
        // SAFETY: as above.
        digest: unsafe { string(info.digest) },
        size: info.size,
        modified: time(info.mtime_ns),
        mode: info.mode,
        uid: info.uid,
        gid: info.gid,
        flags: FileFlags::from_bits(info.flags),
    })
}

/// # Safety
/// `value` is NULL or a live NUL-terminated string.
pub(crate) unsafe fn string(value: *const c_char) -> String {
    if value.is_null() {
        return String::new();
    }
    // SAFETY: the caller's contract.
    unsafe { CStr::from_ptr(value) }.to_string_lossy().into_owned()
}

/// Nanoseconds since the Unix epoch, either side of it.
pub(crate) fn time(ns: i64) -> SystemTime {
    let offset = Duration::from_nanos(ns.unsigned_abs());
    if ns >= 0 {
        UNIX_EPOCH + offset
    } else {
        UNIX_EPOCH - offset
    }
}
