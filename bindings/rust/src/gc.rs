use std::time::Duration;

use crate::arena::{init, LibraryObject};
use crate::call::{call_control, CallControl};
use crate::catalog::{string, time};
use crate::error::{check, Error, Result};
use crate::handle::Snapshotter;
use crate::sys;

/// Builds `snapshotter_gc_options`: how the store is collected, by the background collector of every
/// handle and by [`Snapshotter::gc`]. `GcOptions::default()` is the library's defaults (those of
/// Dragonfly's Go snapshotter), and so is zero in every setting; the `no_*` methods turn off what a zero
/// cannot. Durations are whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GcOptions {
    no_background: bool,
    no_disk_eviction: bool,
    no_min_retention: bool,
    no_orphan_grace: bool,
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

impl GcOptions {
    /// Whether the handle runs a background collector (default: yes); without it, collections happen
    /// only through [`Snapshotter::gc`].
    pub fn background(mut self, background: bool) -> GcOptions {
        self.no_background = !background;
        self
    }

    /// The background collector's period; zero means 5 minutes.
    pub fn interval(mut self, interval: Duration) -> GcOptions {
        self.interval = interval;
        self
    }

    /// Disk usage (percent of the filesystem) that starts eviction, and the level it evicts down to;
    /// 0 means 90 and 70 (or the high watermark, when that is lower) respectively.
    pub fn watermarks(mut self, high_percent: u32, low_percent: u32) -> GcOptions {
        self.high_watermark_percent = high_percent;
        self.low_watermark_percent = low_percent;
        self
    }

    /// No eviction for disk usage: the watermarks are not used.
    pub fn no_disk_eviction(mut self) -> GcOptions {
        self.no_disk_eviction = true;
        self
    }

    /// Snapshots evicted per batch and batches per collection; 0 means 10 and 100.
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

    /// Snapshots used more recently than this are never evicted; zero means 5 minutes.
    pub fn min_retention(mut self, retention: Duration) -> GcOptions {
        self.min_retention = retention;
        self
    }

    /// No minimum retention: a snapshot used a moment ago may be evicted.
    pub fn no_min_retention(mut self) -> GcOptions {
        self.no_min_retention = true;
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

    /// Unreferenced content and foreign temporary files younger than this are kept; zero means 1 hour.
    pub fn orphan_grace(mut self, grace: Duration) -> GcOptions {
        self.orphan_grace = grace;
        self
    }

    /// No grace period for orphans: they are removed however young.
    pub fn no_orphan_grace(mut self) -> GcOptions {
        self.no_orphan_grace = true;
        self
    }

    pub(crate) fn to_raw(self) -> Result<sys::snapshotter_gc_options> {
        let mut raw =
            init(sys::snapshotter_gc_options_init, sys::SNAPSHOTTER_GC_OPTIONS_VERSION, "snapshotter_gc_options")?;
        for (set, flag) in [
            (self.no_background, sys::SNAPSHOTTER_GC_NO_BACKGROUND),
            (self.no_disk_eviction, sys::SNAPSHOTTER_GC_NO_DISK_EVICTION),
            (self.no_min_retention, sys::SNAPSHOTTER_GC_NO_MIN_RETENTION),
            (self.no_orphan_grace, sys::SNAPSHOTTER_GC_NO_ORPHAN_GRACE),
        ] {
            if set {
                raw.flags |= flag;
            }
        }
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
        let mut out = std::ptr::null_mut();
        // SAFETY: the handle is live for `&self`; the cancel token is borrowed for the request's lifetime,
        // which covers the call; `out` is written only on success.
        check(|err| unsafe { sys::snapshotter_gc(&mut out, self.as_ptr(), &raw, err) })?;
        let report = LibraryObject::new(out, sys::snapshotter_gc_report_free);
        // SAFETY: the report is live until `report` drops; what its accessors return is owned by it and
        // copied before then.
        unsafe {
            let summary = sys::snapshotter_gc_report_summary(report.as_ptr())
                .as_ref()
                .ok_or_else(|| Error::internal("the library returned no gc summary"))?;
            let evicted = (0..sys::snapshotter_gc_report_evicted_count(report.as_ptr()))
                .map(|i| {
                    let e = sys::snapshotter_gc_report_evicted_get(report.as_ptr(), i)
                        .as_ref()
                        .ok_or_else(|| Error::internal("the library returned no evicted snapshot"))?;
                    Ok(EvictedSnapshot {
                        name: string(e.name),
                        version: string(e.snapshot_version),
                        reason: GcReason::from_raw(e.reason),
                        last_used: time(i64::try_from(e.last_used_ns).unwrap_or(i64::MAX)),
                        content_removed: e.content_removed,
                        bytes_freed: e.bytes_freed,
                    })
                })
                .collect::<Result<_>>()?;
            Ok(GcReport {
                dry_run: summary.dry_run != 0,
                disk_total_bytes: summary.disk_total_bytes,
                disk_used_bytes: summary.disk_used_bytes,
                store_bytes: summary.store_bytes,
                batches: summary.batches,
                evicted,
                content_removed: summary.content_removed,
                content_bytes_freed: summary.content_bytes_freed,
                orphan_temp_files: summary.orphan_temp_files,
                orphan_content: summary.orphan_content,
                orphan_snapshot_files: summary.orphan_snapshot_files,
                orphan_records: summary.orphan_records,
                orphan_bytes_freed: summary.orphan_bytes_freed,
            })
        }
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
        let mut out = std::ptr::null_mut();
        // SAFETY: the handle is live for `&self`; the progress payload and cancel token live in `control`
        // until after the call; `out` is written only on success.
        let result = check(|err| unsafe { sys::snapshotter_verify(&mut out, self.as_ptr(), &raw, err) });
        control.finish(result)?;
        let report = LibraryObject::new(out, sys::snapshotter_verify_report_free);
        // SAFETY: as in `gc`.
        unsafe {
            let summary = sys::snapshotter_verify_report_summary(report.as_ptr())
                .as_ref()
                .ok_or_else(|| Error::internal("the library returned no verify summary"))?;
            let problems = (0..sys::snapshotter_verify_report_problem_count(report.as_ptr()))
                .map(|i| {
                    let p = sys::snapshotter_verify_report_problem_get(report.as_ptr(), i)
                        .as_ref()
                        .ok_or_else(|| Error::internal("the library returned no problem"))?;
                    Ok(Problem {
                        kind: ProblemKind::from_raw(p.kind),
                        repaired: p.repaired != 0,
                        subject: string(p.subject),
                        message: string(p.message),
                    })
                })
                .collect::<Result<_>>()?;
            Ok(VerifyReport {
                snapshots_checked: summary.snapshots_checked,
                content_checked: summary.content_checked,
                snapshot_files_checked: summary.snapshot_files_checked,
                bytes_checked: summary.bytes_checked,
                unreferenced_content: summary.unreferenced_content,
                problems,
                problems_unrepaired: summary.problems_unrepaired,
            })
        }
    }
}
