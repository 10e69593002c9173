use std::ffi::{CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::ptr;

use crate::arena::{init, Arena, LibraryObject};
use crate::call::{call_control, CallControl};
use crate::error::{check, Error, Result};
use crate::flags::flags;
use crate::handle::Snapshotter;
use crate::selector::Selector;
use crate::sys;

/// How a path differs from the first side of a diff to the second (`snapshotter_diff_entry.kind`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiffKind {
    /// Only on the second side.
    Added,
    /// Only on the first side.
    Removed,
    /// On both, different for [`DiffEntry::reasons`].
    Changed,
}

flags! {
    /// What differs in a [`DiffKind::Changed`] entry (`snapshotter_diff_entry.reasons`).
    DiffReasons {
        /// The digest: other bytes, or the same bytes with other holes.
        CONTENT = sys::SNAPSHOTTER_DIFF_CONTENT;
        /// The size.
        SIZE = sys::SNAPSHOTTER_DIFF_SIZE;
        /// The permission bits.
        MODE = sys::SNAPSHOTTER_DIFF_MODE;
        /// The modification time, to the nanosecond.
        MTIME = sys::SNAPSHOTTER_DIFF_MTIME;
        /// Read-only on one side, writable on the other (two snapshots only).
        READ_ONLY = sys::SNAPSHOTTER_DIFF_READ_ONLY;
        /// uid or gid; against a directory only when running as root.
        OWNER = sys::SNAPSHOTTER_DIFF_OWNER;
        /// The entry is of another type (a regular file on one side, a directory or a symlink on the
        /// other...).
        TYPE = sys::SNAPSHOTTER_DIFF_TYPE;
        /// A symlink points elsewhere, or a hardlink shares another path's inode.
        LINK_TARGET = sys::SNAPSHOTTER_DIFF_LINK_TARGET;
        /// An extended attribute present on one side only, or with another value.
        XATTRS = sys::SNAPSHOTTER_DIFF_XATTRS;
        /// A device node's major or minor number.
        DEVICE = sys::SNAPSHOTTER_DIFF_DEVICE;
    }
}

/// One path that differs (`snapshotter_diff_entry`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffEntry {
    /// The path, relative to the snapshot's root.
    pub relative_path: PathBuf,
    /// Added, removed or changed.
    pub kind: DiffKind,
    /// Why it changed; empty for added and removed paths.
    pub reasons: DiffReasons,
}

#[derive(Debug, Clone)]
enum Other {
    Snapshot(String),
    Directory(PathBuf),
}

/// Builds `snapshotter_diff_request`: a snapshot, and the snapshot or directory to compare it with.
#[derive(Debug)]
pub struct DiffRequest<'a> {
    selector: Selector,
    other: Option<Other>,
    control: CallControl<'a>,
}

impl<'a> DiffRequest<'a> {
    /// From the snapshot name:version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self::of(Selector::NameVersion(name.into(), version.into()))
    }

    /// From the snapshot a reference names: "name:version", "name@latest" or "name@<RFC 3339 time>".
    pub fn reference(reference: impl Into<String>) -> Self {
        Self::of(Selector::Reference(reference.into()))
    }

    fn of(selector: Selector) -> Self {
        DiffRequest { selector, other: None, control: CallControl::default() }
    }

    /// To the snapshot this reference names (replaces a directory given before).
    pub fn other_snapshot(mut self, reference: impl Into<String>) -> Self {
        self.other = Some(Other::Snapshot(reference.into()));
        self
    }

    /// To a directory, walked without following symlinks (replaces a snapshot given before).
    pub fn other_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.other = Some(Other::Directory(dir.into()));
        self
    }
}

call_control!(DiffRequest);

impl Snapshotter {
    /// The paths that differ from the first side to the second, ordered by path; none is an empty vector.
    pub fn diff(&self, request: DiffRequest<'_>) -> Result<Vec<DiffEntry>> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_diff_request_init,
            sys::SNAPSHOTTER_DIFF_REQUEST_VERSION,
            "snapshotter_diff_request",
        )?;
        request.selector.write(&mut arena, &mut raw.r#ref, &mut raw.name, &mut raw.snapshot_version)?;
        match &request.other {
            Some(Other::Snapshot(reference)) => raw.other_ref = arena.str(reference, "other_ref")?,
            Some(Other::Directory(dir)) => raw.other_dir = arena.path(dir, "other_dir")?,
            None => {}
        }

        let mut control = request.control;
        (raw.progress, raw.progress_payload, raw.cancel) = control.raw();
        let mut out = ptr::null_mut();
        // SAFETY: the handle is live for `&self`; raw's strings live in `arena`, its progress payload and
        // cancel token in `control`, all until after the call; `out` is written only on success.
        let result = check(|err| unsafe { sys::snapshotter_diff(&mut out, self.as_ptr(), &raw, err) });
        control.finish(result)?;
        let list = LibraryObject::new(out, sys::snapshotter_diff_list_free);
        // SAFETY: the list is live until `list` drops; what get returns is owned by it and copied before then.
        unsafe {
            let count = sys::snapshotter_diff_list_count(list.as_ptr());
            (0..count).map(|i| diff_entry(sys::snapshotter_diff_list_get(list.as_ptr(), i))).collect()
        }
    }
}

/// # Safety
/// `entry` is NULL or points to a live snapshotter_diff_entry.
unsafe fn diff_entry(entry: *const sys::snapshotter_diff_entry) -> Result<DiffEntry> {
    // SAFETY: the caller's contract.
    let entry = unsafe { entry.as_ref() }.ok_or_else(|| Error::internal("the library returned no diff entry"))?;
    let kind = match entry.kind {
        sys::SNAPSHOTTER_DIFF_ADDED => DiffKind::Added,
        sys::SNAPSHOTTER_DIFF_REMOVED => DiffKind::Removed,
        sys::SNAPSHOTTER_DIFF_CHANGED => DiffKind::Changed,
        other => return Err(Error::internal(format!("the library returned an unknown diff kind {other}"))),
    };
    // SAFETY: the path belongs to the live entry and is never NULL.
    let path = unsafe { CStr::from_ptr(entry.relative_path) };
    Ok(DiffEntry {
        relative_path: PathBuf::from(OsStr::from_bytes(path.to_bytes())),
        kind,
        reasons: DiffReasons::from_bits(entry.reasons),
    })
}
