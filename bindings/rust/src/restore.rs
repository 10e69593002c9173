use std::path::PathBuf;

use crate::arena::{init, Arena};
use crate::call::{call_control, CallControl};
use crate::error::{check, Result};
use crate::flags::flags;
use crate::handle::Snapshotter;
use crate::selector::Selector;
use crate::stats::Stats;
use crate::sys;

flags! {
    /// `snapshotter_restore_request.flags`.
    RestoreFlags {
        /// Replace files in the output dir that differ from the snapshot; without it such a file fails
        /// the restore with [`crate::ErrorKind::AlreadyExists`] before anything is written.
        OVERWRITE = sys::SNAPSHOTTER_RESTORE_OVERWRITE;
        /// Restore into an existing tree touching only what differs: differing files are replaced (implies
        /// `OVERWRITE`), files whose content matches but whose mode, owner or mtime differ get only those
        /// set, identical files are left alone. Kept files are read once to know they match, unless
        /// their digest is remembered for their unchanged identity (see `REHASH`).
        IN_PLACE = sys::SNAPSHOTTER_RESTORE_IN_PLACE;
        /// With `IN_PLACE`: then remove what the output dir holds beyond the snapshot (within
        /// [`RestoreRequest::only`]), never following symlinks.
        DELETE_EXTRA = sys::SNAPSHOTTER_RESTORE_DELETE_EXTRA;
        /// Leave out the snapshot's character and block devices instead of failing with
        /// [`crate::ErrorKind::PermissionDenied`] when not running as root; each one skipped is logged
        /// as a warning.
        SKIP_DEVICES = sys::SNAPSHOTTER_RESTORE_SKIP_DEVICES;
        /// Read and hash every existing file whose content is compared, taking no remembered digest
        /// on trust, as [`crate::SnapshotFlags::REHASH`] does for a snapshot.
        REHASH = sys::SNAPSHOTTER_RESTORE_REHASH;
    }
}

/// Builds `snapshotter_restore_request`: which snapshot to restore, and where.
#[derive(Debug)]
pub struct RestoreRequest<'a> {
    selector: Selector,
    output_dir: Option<PathBuf>,
    flags: RestoreFlags,
    only: Vec<String>,
    control: CallControl<'a>,
}

impl<'a> RestoreRequest<'a> {
    /// Restores name:version; without an output dir, only makes sure all of the snapshot's content is
    /// in the local store.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self::of(Selector::NameVersion(name.into(), version.into()))
    }

    /// Restores the snapshot a reference names: "name:version", "name@latest" or
    /// "name@<RFC 3339 time>" (the latest created at or before then).
    pub fn reference(reference: impl Into<String>) -> Self {
        Self::of(Selector::Reference(reference.into()))
    }

    fn of(selector: Selector) -> Self {
        RestoreRequest {
            selector,
            output_dir: None,
            flags: RestoreFlags::empty(),
            only: Vec::new(),
            control: CallControl::default(),
        }
    }

    /// Where to put the files (created if missing).
    pub fn output_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output_dir = Some(dir.into());
        self
    }

    /// Flags such as [`RestoreFlags::OVERWRITE`].
    pub fn flags(mut self, flags: RestoreFlags) -> Self {
        self.flags = flags;
        self
    }

    /// Restores only the files this path or glob selects ('*', '?', '[a-z]', '**'; a directory selects
    /// everything below it); call it again for more. A pattern that selects nothing is
    /// [`crate::ErrorKind::NotFound`].
    pub fn only(mut self, pattern: impl Into<String>) -> Self {
        self.only.push(pattern.into());
        self
    }
}

call_control!(RestoreRequest);

impl Snapshotter {
    /// Restores the snapshot into the output dir. Each file appears only when complete; a failed or
    /// cancelled call leaves no partial file behind.
    pub fn restore(&self, request: RestoreRequest<'_>) -> Result<Stats> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_restore_request_init,
            sys::SNAPSHOTTER_RESTORE_REQUEST_VERSION,
            "snapshotter_restore_request",
        )?;
        request.selector.write(&mut arena, &mut raw.r#ref, &mut raw.name, &mut raw.snapshot_version)?;
        raw.output_dir = arena.optional_path(request.output_dir.as_deref(), "output_dir")?;
        raw.flags = request.flags.bits();
        let only = request.only.iter().map(|pattern| arena.str(pattern, "only[]")).collect::<Result<Vec<_>>>()?;
        raw.only_count = only.len();
        raw.only = arena.keep_slice(only);

        let mut control = request.control;
        (raw.progress, raw.progress_payload, raw.cancel) = control.raw();
        let mut stats = Stats::raw();
        // SAFETY: the handle is live for `&self`; raw's strings live in `arena`, its progress payload and
        // cancel token in `control`, all until after the call.
        let result = check(|err| unsafe { sys::snapshotter_restore(&mut stats, self.as_ptr(), &raw, err) });
        control.finish(result.map(|()| Stats::from_raw(&stats)))
    }
}
