use std::path::PathBuf;

use crate::arena::{init, Arena};
use crate::call::{call_control, CallControl};
use crate::error::{check, Result};
use crate::flags::flags;
use crate::handle::Snapshotter;
use crate::stats::Stats;
use crate::sys;

flags! {
    /// `snapshotter_file.flags`.
    FileFlags {
        /// Captured and restored as a hardlink of one stored inode (zero copy); without it the file is
        /// copied, and restored as a private, writable copy.
        READ_ONLY = sys::SNAPSHOTTER_FILE_READ_ONLY;
        /// Reported by [`Snapshotter::inspect`]: the file's content object is in the local store; without
        /// it a restore fetches the content from the content provider. Never valid in a request.
        CONTENT_LOCAL = sys::SNAPSHOTTER_FILE_CONTENT_LOCAL;
    }
}

flags! {
    /// `snapshotter_snapshot_request.flags`.
    SnapshotFlags {
        /// Read every file, taking no digest remembered for an unchanged file on trust; what is read is
        /// still remembered for later snapshots.
        REHASH = sys::SNAPSHOTTER_SNAPSHOT_REHASH;
        /// Record a snapshot of no files when no file is given (refused otherwise).
        ALLOW_EMPTY = sys::SNAPSHOTTER_SNAPSHOT_ALLOW_EMPTY;
    }
}

/// Builds `snapshotter_snapshot_request`: which files to capture under which name and version.
#[derive(Debug)]
pub struct SnapshotRequest<'a> {
    name: String,
    version: String,
    base_dir: PathBuf,
    files: Vec<(PathBuf, FileFlags)>,
    flags: SnapshotFlags,
    control: CallControl<'a>,
}

impl<'a> SnapshotRequest<'a> {
    /// `name` is an OCI repository path component, `version` an OCI tag; the files' paths are relative
    /// to `base_dir`.
    pub fn new(name: impl Into<String>, version: impl Into<String>, base_dir: impl Into<PathBuf>) -> Self {
        SnapshotRequest {
            name: name.into(),
            version: version.into(),
            base_dir: base_dir.into(),
            files: Vec::new(),
            flags: SnapshotFlags::empty(),
            control: CallControl::default(),
        }
    }

    /// Adds a file, by its path relative to the base dir (no "..", not absolute).
    pub fn file(mut self, relative_path: impl Into<PathBuf>, flags: FileFlags) -> Self {
        self.files.push((relative_path.into(), flags));
        self
    }

    /// Sets the request's flags.
    pub fn flags(mut self, flags: SnapshotFlags) -> Self {
        self.flags = flags;
        self
    }
}

call_control!(SnapshotRequest);

impl Snapshotter {
    /// Captures the request's files into the store as name:version. The snapshot becomes visible
    /// atomically once all of its content is durable; a failed or cancelled call leaves nothing behind.
    pub fn snapshot(&self, request: SnapshotRequest<'_>) -> Result<Stats> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_snapshot_request_init,
            sys::SNAPSHOTTER_SNAPSHOT_REQUEST_VERSION,
            "snapshotter_snapshot_request",
        )?;
        raw.name = arena.str(&request.name, "name")?;
        raw.snapshot_version = arena.str(&request.version, "snapshot_version")?;
        raw.base_dir = arena.path(&request.base_dir, "base_dir")?;
        let files = request
            .files
            .iter()
            .map(|(path, flags)| {
                let mut file = init(sys::snapshotter_file_init, sys::SNAPSHOTTER_FILE_VERSION, "snapshotter_file")?;
                file.relative_path = arena.path(path, "files[].relative_path")?;
                file.flags = flags.bits();
                Ok(file)
            })
            .collect::<Result<Vec<_>>>()?;
        raw.file_count = files.len();
        raw.files = arena.keep_slice(files);
        raw.flags = request.flags.bits();

        let mut control = request.control;
        (raw.progress, raw.progress_payload, raw.cancel) = control.raw();
        let mut stats = Stats::raw();
        // SAFETY: the handle is live for `&self`; raw's strings and arrays live in `arena`, its progress
        // payload and cancel token in `control`, all until after the call.
        let result = check(|err| unsafe { sys::snapshotter_snapshot(&mut stats, self.as_ptr(), &raw, err) });
        control.finish(result.map(|()| Stats::from_raw(&stats)))
    }
}
