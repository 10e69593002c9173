use std::time::Duration;

use crate::arena::init;
use crate::call::{call_control, CallControl};
use crate::catalog::{string, time};
use crate::error::{check, Error, Result};
use crate::handle::Snapshotter;
use crate::sys;

/// Builds `snapshotter_gc_options`: how the store is collected, by the background collector of every
/// handle and by [`Snapshotter::gc`]. `GcOptions::default()` holds the library's defaults (those of
/// Dragonfly's Go snapshotter); every value set is then taken as written, so zero turns a policy off
/// where its method says so. Durations are whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GcOptions {
    background: bool,
    interval: Duration,
    high_watermark_percent: u32,
    low_watermark_percent: u32,
    batch_size: u32,
    max_batches: u32,
    keep_last: u32,
    min_retention: Duration,
    max_age: Duration,
    max_store_bytes: u64,
    orphan_grace: Duration,
}

impl Default for GcOptions {
    /// The library's defaults, as `snapshotter_gc_options_init` fills them in.
    fn default() -> GcOptions {
        let raw = init(sys::snapshotter_gc_options_init, sys::SNAPSHOTTER_GC_OPTIONS_VERSION, "snapshotter_gc_options")
            .expect("the library knows the version of snapshotter_gc_options this crate was built with");
        GcOptions {
            background: raw.flags & sys::SNAPSHOTTER_GC_NO_BACKGROUND == 0,
            interval: Duration::from_secs(raw.interval_seconds),
            high_watermark_percent: raw.high_watermark_percent,
            low_watermark_percent: raw.low_watermark_percent,
            batch_size: raw.batch_size,
            max_batches: raw.max_batches,
            keep_last: raw.keep_last,
            min_retention: Duration::from_secs(raw.min_retention_seconds),
            max_age: Duration::from_secs(raw.max_age_seconds),
            max_store_bytes: raw.max_store_bytes,
            orphan_grace: Duration::from_secs(raw.orphan_grace_seconds),
        }
    }
}

impl GcOptions {
    /// Whether the handle runs a background collector (default: yes); without it, collections happen
    /// only through [`Snapshotter::gc`].
    pub fn background(mut self, background: bool) -> GcOptions {
        self.background = background;
        self
    }

    /// The background collector's period (default 5 minutes; at least a second).
    pub fn interval(mut self, interval: Duration) -> GcOptions {
        self.interval = interval;
        self
    }

    /// Disk usage (percent of the filesystem) that starts eviction, and the level it evicts down to
    /// (defaults 90 and 70); a high watermark of 0 turns eviction for disk usage off.
    pub fn watermarks(mut self, high_percent: u32, low_percent: u32) -> GcOptions {
        self.high_watermark_percent = high_percent;
        self.low_watermark_percent = low_percent;
        self
    }

    /// Snapshots evicted per batch (default 10) and batches per collection (default 100).
    pub fn batches(mut self, batch_size: u32, max_batches: u32) -> GcOptions {
        self.batch_size = batch_size;
        self.max_batches = max_batches;
        self
    }

    /// Keep only the newest `versions` of each name; 0 (the default) keeps all.
    pub fn keep_last(mut self, versions: u32) -> GcOptions {
        self.keep_last = versions;
        self
    }

    /// Snapshots used more recently than this are never evicted (default 5 minutes).
    pub fn min_retention(mut self, retention: Duration) -> GcOptions {
        self.min_retention = retention;
        self
    }

    /// Evict snapshots unused for longer than this; zero (the default) never does.
    pub fn max_age(mut self, age: Duration) -> GcOptions {
        self.max_age = age;
        self
    }

    /// Evict while the content stored exceeds this many bytes; 0 (the default) never does.
    pub fn max_store_bytes(mut self, bytes: u64) -> GcOptions {
        self.max_store_bytes = bytes;
        self
    }

    /// Unreferenced content and foreign temporary files younger than this are kept (default 1 hour).
    pub fn orphan_grace(mut self, grace: Duration) -> GcOptions {
        self.orphan_grace = grace;
        self
    }

    pub(crate) fn to_raw(self) -> Result<sys::snapshotter_gc_options> {
        let mut raw =
            init(sys::snapshotter_gc_options_init, sys::SNAPSHOTTER_GC_OPTIONS_VERSION, "snapshotter_gc_options")?;
        raw.flags = if self.background { 0 } else { sys::SNAPSHOTTER_GC_NO_BACKGROUND };
        raw.interval_seconds = whole_seconds(self.interval, "gc.interval")?;
        raw.high_watermark_percent = self.high_watermark_percent;
        raw.low_watermark_percent = self.low_watermark_percent;
        raw.batch_size = self.batch_size;
        raw.max_batches = self.max_batches;
        raw.keep_last = self.keep_last;
        raw.min_retention_seconds = whole_seconds(self.min_retention, "gc.min_retention")?;
        raw.max_age_seconds = whole_seconds(self.max_age, "gc.max_age")?;
        raw.max_store_bytes = self.max_store_bytes;
        raw.orphan_grace_seconds = whole_seconds(self.orphan_grace, "gc.orphan_grace")?;
        Ok(raw)
    }
}

/// A duration the C struct holds in seconds: a fraction of a second would be silently lost, so it is
/// refused.
fn whole_seconds(duration: Duration, field: &str) -> Result<u64> {
    if duration.subsec_nanos() != 0 {
        return Err(Error::new(
            sys::SNAPSHOTTER_ERROR_INVALID_ARGUMENT,
            format!("{field} {duration:?} is not a whole number of seconds"),
        ));
    }
    Ok(duration.as_secs())
}

/// Why a snapshot was evicted (`snapshotter_gc_reason`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GcReason {
    /// The filesystem was fuller than the high watermark.
    DiskUsage,
    /// The content stored exceeded the maximum store size.
    StoreSize,
    /// It was unused for longer than the maximum age.
    MaxAge,
    /// Newer versions of its name filled the keep-last count.
    KeepLast,
    /// A reason this crate does not know yet, with its C value.
    Other(u32),
}

impl GcReason {
    fn from_raw(reason: u32) -> GcReason {
        match reason {
            sys::SNAPSHOTTER_GC_REASON_DISK_USAGE => GcReason::DiskUsage,
            sys::SNAPSHOTTER_GC_REASON_STORE_SIZE => GcReason::StoreSize,
            sys::SNAPSHOTTER_GC_REASON_MAX_AGE => GcReason::MaxAge,
            sys::SNAPSHOTTER_GC_REASON_KEEP_LAST => GcReason::KeepLast,
            other => GcReason::Other(other),
        }
    }
}

/// One evicted snapshot (`snapshotter_gc_evicted`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvictedSnapshot {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Why it was evicted.
    pub reason: GcReason,
    /// When it was last created or restored.
    pub last_used: std::time::SystemTime,
    /// Content objects whose last reference it was.
    pub content_removed: u64,
    /// Their stored bytes.
    pub bytes_freed: u64,
}

/// What a collection did, or with [`GcRequest::dry_run`] would do (`snapshotter_gc_report`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GcReport {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// The store's filesystem when the collection started: its size and what was used of it.
    pub disk_total_bytes: u64,
    /// See `disk_total_bytes`.
    pub disk_used_bytes: u64,
    /// The content stored when the collection started.
    pub store_bytes: u64,
    /// Eviction batches run.
    pub batches: u64,
    /// The evicted snapshots, least recently used first.
    pub evicted: Vec<EvictedSnapshot>,
    /// Content objects removed with the evicted snapshots.
    pub content_removed: u64,
    /// Their stored bytes.
    pub content_bytes_freed: u64,
    /// Orphaned temporary files and staging directories removed.
    pub orphan_temp_files: u64,
    /// Unreferenced content files removed.
    pub orphan_content: u64,
    /// Unreferenced storage/snapshot files removed.
    pub orphan_snapshot_files: u64,
    /// Records of dead handles and content records without files removed.
    pub orphan_records: u64,
    /// The bytes of the orphaned files removed.
    pub orphan_bytes_freed: u64,
}

/// Builds `snapshotter_gc_request`.
#[derive(Debug, Default)]
pub struct GcRequest<'a> {
    dry_run: bool,
    cancel: Option<&'a crate::CancelToken>,
}

impl<'a> GcRequest<'a> {
    /// A real collection.
    pub fn new() -> Self {
        GcRequest::default()
    }

    /// Only report what a collection would evict and remove, changing nothing.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Cancels the collection when `token` is triggered, from any thread.
    pub fn cancel(mut self, token: &'a crate::CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

/// What is wrong with the store (`snapshotter_problem_kind`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A content file does not hash to its name; repair removes it and recovers the content.
    CorruptContent,
    /// Referenced content is not in the store; repair fetches or re-encodes it.
    MissingContent,
    /// A storage/snapshot file was modified; repair removes it.
    CorruptSnapshotFile,
    /// A read-only entry's storage/snapshot file is missing; repair recreates it.
    MissingSnapshotFile,
    /// Pending snapshots and leases of handles no longer open; repair drops them.
    DanglingRecord,
    /// A snapshot whose content is gone for good; not repairable.
    UnrestorableSnapshot,
    /// A file in the store that the store did not write; reported only.
    StrayFile,
    /// The metadata database is damaged; not repairable.
    CorruptMetadata,
    /// A kind this crate does not know yet, with its C value.
    Other(u32),
}

impl ProblemKind {
    fn from_raw(kind: u32) -> ProblemKind {
        match kind {
            sys::SNAPSHOTTER_PROBLEM_CORRUPT_CONTENT => ProblemKind::CorruptContent,
            sys::SNAPSHOTTER_PROBLEM_MISSING_CONTENT => ProblemKind::MissingContent,
            sys::SNAPSHOTTER_PROBLEM_CORRUPT_SNAPSHOT_FILE => ProblemKind::CorruptSnapshotFile,
            sys::SNAPSHOTTER_PROBLEM_MISSING_SNAPSHOT_FILE => ProblemKind::MissingSnapshotFile,
            sys::SNAPSHOTTER_PROBLEM_DANGLING_RECORD => ProblemKind::DanglingRecord,
            sys::SNAPSHOTTER_PROBLEM_UNRESTORABLE_SNAPSHOT => ProblemKind::UnrestorableSnapshot,
            sys::SNAPSHOTTER_PROBLEM_STRAY_FILE => ProblemKind::StrayFile,
            sys::SNAPSHOTTER_PROBLEM_CORRUPT_METADATA => ProblemKind::CorruptMetadata,
            other => ProblemKind::Other(other),
        }
    }
}

/// One problem verification found (`snapshotter_verify_problem`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// Whether this call repaired it.
    pub repaired: bool,
    /// A digest ("xxh3:..."), a snapshot ("name:version") or a path.
    pub subject: String,
    /// What was found.
    pub message: String,
}

/// What [`Snapshotter::verify`] checked and found (`snapshotter_verify_report`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    /// Snapshots checked.
    pub snapshots_checked: u64,
    /// Content files re-hashed.
    pub content_checked: u64,
    /// storage/snapshot files re-hashed.
    pub snapshot_files_checked: u64,
    /// The bytes of the files re-hashed.
    pub bytes_checked: u64,
    /// Content no snapshot references: not a problem, the collector's to remove.
    pub unreferenced_content: u64,
    /// Every problem found.
    pub problems: Vec<Problem>,
    /// Problems still there after the call; 0 means the store is clean.
    pub problems_unrepaired: u64,
}

/// Builds `snapshotter_verify_request`.
#[derive(Debug, Default)]
pub struct VerifyRequest<'a> {
    repair: bool,
    control: CallControl<'a>,
}

impl VerifyRequest<'_> {
    /// Check only.
    pub fn new() -> Self {
        VerifyRequest::default()
    }

    /// Also repair what each [`ProblemKind`] says is repairable.
    pub fn repair(mut self) -> Self {
        self.repair = true;
        self
    }
}

call_control!(VerifyRequest);

impl Snapshotter {
    /// Runs one collection now with the handle's [`GcOptions`] (waiting while another collection of the
    /// store is in progress), or with [`GcRequest::dry_run`] reports exactly what one would do.
    pub fn gc(&self, request: GcRequest<'_>) -> Result<GcReport> {
        let mut raw =
            init(sys::snapshotter_gc_request_init, sys::SNAPSHOTTER_GC_REQUEST_VERSION, "snapshotter_gc_request")?;
        raw.flags = if request.dry_run { sys::SNAPSHOTTER_GC_DRY_RUN } else { 0 };
        raw.cancel = request.cancel.map_or(std::ptr::null_mut(), crate::CancelToken::as_ptr);
        let mut report = sys::snapshotter_gc_report {
            version: sys::SNAPSHOTTER_GC_REPORT_VERSION,
            dry_run: 0,
            disk_total_bytes: 0,
            disk_used_bytes: 0,
            store_bytes: 0,
            batches: 0,
            evicted: std::ptr::null_mut(),
            evicted_count: 0,
            content_removed: 0,
            content_bytes_freed: 0,
            orphan_temp_files: 0,
            orphan_content: 0,
            orphan_snapshot_files: 0,
            orphan_records: 0,
            orphan_bytes_freed: 0,
        };
        // SAFETY: the handle is live for `&self`; the cancel token is borrowed for the request's lifetime,
        // which covers the call; `report` is ours and written only on success.
        check(|err| unsafe { sys::snapshotter_gc(&mut report, self.as_ptr(), &raw, err) })?;
        // SAFETY: on success the library filled `report`, its `evicted` array holding `evicted_count`
        // entries whose strings it owns; they are copied before the array is released below.
        let evicted = unsafe { library_slice(report.evicted, report.evicted_count) }
            .iter()
            .map(|e| EvictedSnapshot {
                // SAFETY: the strings belong to the live array.
                name: unsafe { string(e.name) },
                // SAFETY: as above.
                version: unsafe { string(e.snapshot_version) },
                reason: GcReason::from_raw(e.reason),
                last_used: time(i64::try_from(e.last_used_ns).unwrap_or(i64::MAX)),
                content_removed: e.content_removed,
                bytes_freed: e.bytes_freed,
            })
            .collect();
        // SAFETY: the library allocated the array in `report` and nothing refers to it any more.
        unsafe { sys::snapshotter_gc_report_free(&mut report) };
        Ok(GcReport {
            dry_run: report.dry_run != 0,
            disk_total_bytes: report.disk_total_bytes,
            disk_used_bytes: report.disk_used_bytes,
            store_bytes: report.store_bytes,
            batches: report.batches,
            evicted,
            content_removed: report.content_removed,
            content_bytes_freed: report.content_bytes_freed,
            orphan_temp_files: report.orphan_temp_files,
            orphan_content: report.orphan_content,
            orphan_snapshot_files: report.orphan_snapshot_files,
            orphan_records: report.orphan_records,
            orphan_bytes_freed: report.orphan_bytes_freed,
        })
    }

    /// Checks the whole store (metadata integrity, every content and storage/snapshot file re-hashed,
    /// every snapshot restorable), repairing what is repairable with [`VerifyRequest::repair`]. Problems
    /// are the report's, not errors: it returns `Ok` when it could check.
    pub fn verify(&self, request: VerifyRequest<'_>) -> Result<VerifyReport> {
        let mut raw = init(
            sys::snapshotter_verify_request_init,
            sys::SNAPSHOTTER_VERIFY_REQUEST_VERSION,
            "snapshotter_verify_request",
        )?;
        raw.flags = if request.repair { sys::SNAPSHOTTER_VERIFY_REPAIR } else { 0 };
        let mut control = request.control;
        (raw.progress, raw.progress_payload, raw.cancel) = control.raw();
        let mut report = sys::snapshotter_verify_report {
            version: sys::SNAPSHOTTER_VERIFY_REPORT_VERSION,
            snapshots_checked: 0,
            content_checked: 0,
            snapshot_files_checked: 0,
            bytes_checked: 0,
            unreferenced_content: 0,
            problems: std::ptr::null_mut(),
            problem_count: 0,
            problems_unrepaired: 0,
        };
        // SAFETY: the handle is live for `&self`; the progress payload and cancel token live in `control`
        // until after the call; `report` is ours and written only on success.
        let result = check(|err| unsafe { sys::snapshotter_verify(&mut report, self.as_ptr(), &raw, err) });
        control.finish(result)?;
        // SAFETY: on success the library filled `report` and its `problems` array, copied before release.
        let problems = unsafe { library_slice(report.problems, report.problem_count) }
            .iter()
            .map(|p| Problem {
                kind: ProblemKind::from_raw(p.kind),
                repaired: p.repaired != 0,
                // SAFETY: the strings belong to the live array.
                subject: unsafe { string(p.subject) },
                // SAFETY: as above.
                message: unsafe { string(p.message) },
            })
            .collect();
        // SAFETY: the library allocated the array in `report` and nothing refers to it any more.
        unsafe { sys::snapshotter_verify_report_free(&mut report) };
        Ok(VerifyReport {
            snapshots_checked: report.snapshots_checked,
            content_checked: report.content_checked,
            snapshot_files_checked: report.snapshot_files_checked,
            bytes_checked: report.bytes_checked,
            unreferenced_content: report.unreferenced_content,
            problems,
            problems_unrepaired: report.problems_unrepaired,
        })
    }
}

/// An array the library returned, as a slice; empty when it is NULL.
///
/// # Safety
/// `items` is NULL or points to `count` initialized values that stay live while the slice is used.
unsafe fn library_slice<'r, T>(items: *const T, count: usize) -> &'r [T] {
    if items.is_null() || count == 0 {
        return &[];
    }
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts(items, count) }
}
