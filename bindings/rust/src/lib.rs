//! Safe Rust binding of libsnapshotter, a file snapshot and restore engine.
//!
//! ```no_run
//! use snapshotter::{FileFlags, Options, RestoreRequest, SnapshotRequest, Snapshotter};
//!
//! let store = Snapshotter::open(&Options::new("/var/lib/snapshots"))?;
//! store.snapshot(
//!     SnapshotRequest::new("vm-checkpoint", "v1", "/run/vm/42")
//!         .file("memory.bin", FileFlags::READ_ONLY)
//!         .file("disk.img", FileFlags::empty()),
//! )?;
//! let stats = store.restore(RestoreRequest::new("vm-checkpoint", "v1").output_dir("/run/vm/43"))?;
//! println!("restored {} files", stats.files);
//! # Ok::<(), snapshotter::Error>(())
//! ```
//!
//! The library is linked by [`sys`] (the `libsnapshotter-sys` crate, which holds the raw declarations of
//! the C header), found through `$SNAPSHOTTER_LIB_DIR`, pkg-config or the source tree's `build/`.
//!
//! Threads: a [`Snapshotter`] is `Send + Sync` and its calls run concurrently (share it with `Arc` or
//! scoped threads); closing it needs ownership, so no call can be in flight then. A [`CancelToken`] may
//! be triggered from any thread. Progress closures run on library threads, one at a time per call, so
//! they must be `Send`; a panic in one cancels the call and resumes on the calling thread.
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks, missing_docs)]

mod arena;
mod call;
mod cancel;
mod catalog;
mod diff;
mod error;
mod flags;
mod gc;
mod handle;
mod lifecycle;
mod log;
mod options;
mod progress;
mod restore;
mod selector;
mod snapshot;
mod stats;
mod transfer;
mod version;

pub use cancel::CancelToken;
pub use catalog::{
    DeleteRequest, DeleteStats, FileInfo, InspectRequest, Inspection, ListRequest, SnapshotInfo, SnapshotPlace,
};
pub use diff::{DiffEntry, DiffKind, DiffReasons, DiffRequest};
pub use error::{Error, ErrorKind, Result};
pub use gc::{
    EvictedSnapshot, GcOptions, GcReason, GcReport, GcRequest, Problem, ProblemKind, VerifyReport, VerifyRequest,
};
pub use handle::Snapshotter;
pub use libsnapshotter_sys as sys;
pub use lifecycle::{CommitRequest, LifecycleInfo, LifecycleKind, Mount, Usage, WalkFilter};
pub use log::{clear_logger, set_logger, LogLevel};
pub use options::{ContentOptions, Options, RegistryOptions};
pub use progress::Progress;
pub use restore::{RestoreFlags, RestoreRequest};
pub use snapshot::{FileFlags, SnapshotFlags, SnapshotRequest};
pub use stats::Stats;
pub use transfer::{ExportRequest, ImportRequest};
pub use version::{code_name, version, version_number, HEADER_VERSION, HEADER_VERSION_NUMBER};
