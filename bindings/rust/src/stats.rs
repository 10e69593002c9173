use std::time::Duration;

use crate::sys;

/// What a snapshot or restore call did (`snapshotter_stats`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Files in the snapshot.
    pub files: u64,
    /// Their logical size in bytes.
    pub bytes: u64,
    /// Bytes read from the source files (snapshot) or the store (restore).
    pub bytes_read: u64,
    /// Bytes written into the store (snapshot) or the output dir (restore).
    pub bytes_written: u64,
    /// Files whose content was already stored (snapshot) or already matched in the output dir (restore).
    pub files_reused: u64,
    /// Files captured or restored as hardlinks rather than copies.
    pub files_linked: u64,
    /// Wall-clock time of the call.
    pub elapsed: Duration,
    /// Extra files an in-place restore with [`crate::RestoreFlags::DELETE_EXTRA`] removed.
    pub files_removed: u64,
}

impl Stats {
    /// An output struct of the version this binding reads.
    pub(crate) fn raw() -> sys::snapshotter_stats {
        sys::snapshotter_stats {
            version: sys::SNAPSHOTTER_STATS_VERSION,
            files: 0,
            bytes: 0,
            bytes_read: 0,
            bytes_written: 0,
            files_reused: 0,
            files_linked: 0,
            elapsed_ns: 0,
            files_removed: 0,
        }
    }

    pub(crate) fn from_raw(raw: &sys::snapshotter_stats) -> Stats {
        Stats {
            files: raw.files,
            bytes: raw.bytes,
            bytes_read: raw.bytes_read,
            bytes_written: raw.bytes_written,
            files_reused: raw.files_reused,
            files_linked: raw.files_linked,
            elapsed: Duration::from_nanos(raw.elapsed_ns),
            files_removed: raw.files_removed,
        }
    }
}
