use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::path::PathBuf;
use std::ptr;

use crate::arena::{init, Arena, LibraryObject};
use crate::call::{call_control, CallControl};
use crate::catalog::{inspection_from, Inspection};
use crate::error::{check, Result};
use crate::handle::Snapshotter;
use crate::selector::Selector;
use crate::stats::Stats;
use crate::sys;

/// Where a tar stream goes or comes from: a descriptor the caller keeps owning, or a directory.
#[derive(Debug)]
enum Place<'a> {
    None,
    Descriptor(BorrowedFd<'a>),
    Directory(PathBuf),
}

impl Place<'_> {
    fn fd(&self) -> std::ffi::c_int {
        match self {
            Place::Descriptor(fd) => fd.as_raw_fd(),
            _ => -1,
        }
    }
}

/// Builds `snapshotter_export_request`: a snapshot, and a descriptor or a directory to export it to.
#[derive(Debug)]
pub struct ExportRequest<'a> {
    selector: Selector,
    place: Place<'a>,
    gzip: bool,
    control: CallControl<'a>,
}

impl<'a> ExportRequest<'a> {
    /// Exports the snapshot name:version.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self::of(Selector::NameVersion(name.into(), version.into()))
    }

    /// Exports the snapshot a reference names: "name:version", "name@latest" or "name@<RFC 3339 time>".
    pub fn reference(reference: impl Into<String>) -> Self {
        Self::of(Selector::Reference(reference.into()))
    }

    fn of(selector: Selector) -> Self {
        ExportRequest { selector, place: Place::None, gzip: false, control: CallControl::default() }
    }

    /// Writes the tar stream (snapshot.json, then files/ with holes in GNU sparse format 1.0) to this
    /// descriptor, a file, pipe or socket, from its current position; it is never closed by the library.
    pub fn to_fd(mut self, output: &'a impl AsFd) -> Self {
        self.place = Place::Descriptor(output.as_fd());
        self
    }

    /// Exports into a new or empty directory instead: files/ first, snapshot.json last.
    pub fn to_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.place = Place::Directory(dir.into());
        self
    }

    /// Compresses the tar stream with gzip.
    pub fn gzip(mut self) -> Self {
        self.gzip = true;
        self
    }
}

call_control!(ExportRequest);

/// Builds `snapshotter_import_request`: a tar stream or an export directory to record a snapshot from.
#[derive(Debug)]
pub struct ImportRequest<'a> {
    place: Place<'a>,
    rename: Option<(String, String)>,
    control: CallControl<'a>,
}

impl<'a> ImportRequest<'a> {
    /// Reads a tar stream (gzip recognised by its magic) from this descriptor to its end; it is never closed
    /// by the library.
    pub fn from_fd(input: &'a impl AsFd) -> Self {
        ImportRequest { place: Place::Descriptor(input.as_fd()), rename: None, control: CallControl::default() }
    }

    /// Reads an export directory.
    pub fn from_dir(dir: impl Into<PathBuf>) -> Self {
        ImportRequest { place: Place::Directory(dir.into()), rename: None, control: CallControl::default() }
    }

    /// Records the snapshot as name:version instead of the name in its snapshot.json; required for a tar
    /// without one.
    pub fn rename(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.rename = Some((name.into(), version.into()));
        self
    }
}

call_control!(ImportRequest);

impl Snapshotter {
    /// Exports the snapshot, every byte verified against its digest. On failure the stream written so far is
    /// void: discard it.
    pub fn export(&self, request: ExportRequest<'_>) -> Result<Stats> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_export_request_init,
            sys::SNAPSHOTTER_EXPORT_REQUEST_VERSION,
            "snapshotter_export_request",
        )?;
        request.selector.write(&mut arena, &mut raw.r#ref, &mut raw.name, &mut raw.snapshot_version)?;
        raw.fd = request.place.fd();
        if let Place::Directory(dir) = &request.place {
            raw.output_dir = arena.path(dir, "output_dir")?;
        }
        raw.flags = if request.gzip { sys::SNAPSHOTTER_EXPORT_GZIP } else { 0 };

        let mut control = request.control;
        (raw.progress, raw.progress_payload, raw.cancel) = control.raw();
        let mut stats = Stats::raw();
        // SAFETY: the handle is live for `&self`; raw's strings live in `arena`, its progress payload and
        // cancel token in `control`, its descriptor is borrowed for the request's lifetime; all outlive the call.
        let result = check(|err| unsafe { sys::snapshotter_export(&mut stats, self.as_ptr(), &raw, err) });
        control.finish(result.map(|()| Stats::from_raw(&stats)))
    }

    /// Records a snapshot from a tar stream or an export directory, every digest verified before anything
    /// becomes visible, and returns it as recorded.
    pub fn import(&self, request: ImportRequest<'_>) -> Result<(Inspection, Stats)> {
        let mut arena = Arena::default();
        let mut raw = init(
            sys::snapshotter_import_request_init,
            sys::SNAPSHOTTER_IMPORT_REQUEST_VERSION,
            "snapshotter_import_request",
        )?;
        raw.fd = request.place.fd();
        if let Place::Directory(dir) = &request.place {
            raw.input_dir = arena.path(dir, "input_dir")?;
        }
        if let Some((name, version)) = &request.rename {
            raw.name = arena.str(name, "name")?;
            raw.snapshot_version = arena.str(version, "snapshot_version")?;
        }

        let mut control = request.control;
        (raw.progress, raw.progress_payload, raw.cancel) = control.raw();
        let mut stats = Stats::raw();
        let mut out = ptr::null_mut();
        // SAFETY: as in `export`; `out` is written only on success.
        let result = check(|err| unsafe { sys::snapshotter_import(&mut stats, &mut out, self.as_ptr(), &raw, err) });
        control.finish(result)?;
        let imported = LibraryObject::new(out, sys::snapshotter_inspection_free);
        // SAFETY: the inspection is live until `imported` drops.
        let inspection = unsafe { inspection_from(imported.as_ptr()) }?;
        Ok((inspection, Stats::from_raw(&stats)))
    }
}
