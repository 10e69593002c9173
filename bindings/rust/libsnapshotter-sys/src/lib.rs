//! The raw C API of include/snapshotter.h, declaration for declaration: `#[repr(C)]` structs with the
//! header's field names, codes and flags as plain integers. tests/abi.rs compiles the header and checks
//! every struct's size and field offsets and every constant's value against these declarations.
//!
//! The build script links `libsnapshotter.so`, found through `$SNAPSHOTTER_LIB_DIR`, pkg-config or the
//! source tree's `build/`. Everything here is unsafe to use; the `snapshotter` crate is the safe API
//! built on it.
#![allow(non_camel_case_types, missing_docs)]

use std::ffi::{c_char, c_int, c_uint, c_void};
use std::marker::{PhantomData, PhantomPinned};

// SNAPSHOTTER_VERSION_{MAJOR,MINOR,PATCH,NUMBER,STRING}, read by build.rs from the header it found: the
// header is the version's one source.
include!(concat!(env!("OUT_DIR"), "/version.rs"));
pub const SNAPSHOTTER_RESTORE_INCOMPLETE_MARKER: &str = ".snapshotter-incomplete-restore";

/// `enum snapshotter_code`: an int, so that a code this declaration does not know is still a value.
pub type snapshotter_code = c_int;
pub const SNAPSHOTTER_OK: snapshotter_code = 0;
pub const SNAPSHOTTER_ERROR_INVALID_ARGUMENT: snapshotter_code = 1;
pub const SNAPSHOTTER_ERROR_NOT_FOUND: snapshotter_code = 2;
pub const SNAPSHOTTER_ERROR_ALREADY_EXISTS: snapshotter_code = 3;
pub const SNAPSHOTTER_ERROR_CANCELLED: snapshotter_code = 4;
pub const SNAPSHOTTER_ERROR_IO: snapshotter_code = 5;
pub const SNAPSHOTTER_ERROR_CORRUPT: snapshotter_code = 6;
pub const SNAPSHOTTER_ERROR_PERMISSION_DENIED: snapshotter_code = 7;
pub const SNAPSHOTTER_ERROR_NO_SPACE: snapshotter_code = 8;
pub const SNAPSHOTTER_ERROR_UNSUPPORTED: snapshotter_code = 9;
pub const SNAPSHOTTER_ERROR_CLOSED: snapshotter_code = 10;
pub const SNAPSHOTTER_ERROR_UNAUTHENTICATED: snapshotter_code = 11;
pub const SNAPSHOTTER_ERROR_UNAVAILABLE: snapshotter_code = 12;
pub const SNAPSHOTTER_ERROR_TIMEOUT: snapshotter_code = 13;
pub const SNAPSHOTTER_ERROR_FAILED_PRECONDITION: snapshotter_code = 14;
pub const SNAPSHOTTER_ERROR_INTERNAL: snapshotter_code = 100;

/// Opaque types: only ever behind pointers, neither Send nor Sync nor Unpin by themselves.
macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}
opaque!(
    snapshotter,
    snapshotter_error,
    snapshotter_cancel,
    snapshotter_snapshot_list,
    snapshotter_inspection,
    snapshotter_diff_list,
    snapshotter_gc_report,
    snapshotter_verify_report,
    snapshotter_mount_list,
    snapshotter_lifecycle_list
);

/// `enum snapshotter_log_level`: an int, as the callback receives it.
pub type snapshotter_log_level = c_int;
pub const SNAPSHOTTER_LOG_NONE: snapshotter_log_level = 0;
pub const SNAPSHOTTER_LOG_ERROR: snapshotter_log_level = 1;
pub const SNAPSHOTTER_LOG_WARNING: snapshotter_log_level = 2;
pub const SNAPSHOTTER_LOG_INFO: snapshotter_log_level = 3;
pub const SNAPSHOTTER_LOG_DEBUG: snapshotter_log_level = 4;

pub type snapshotter_log_cb =
    Option<unsafe extern "C" fn(level: snapshotter_log_level, message: *const c_char, payload: *mut c_void)>;

pub const SNAPSHOTTER_PROGRESS_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_progress {
    pub version: c_uint,
    pub files_done: u64,
    pub files_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

pub type snapshotter_progress_cb =
    Option<unsafe extern "C" fn(progress: *const snapshotter_progress, payload: *mut c_void) -> c_int>;

pub const SNAPSHOTTER_CONTENT_OPTIONS_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_content_options {
    pub version: c_uint,
    pub dir: *const c_char,
    pub dfdaemon: *const c_char,
    pub provider: *const c_char,
    pub bucket: *const c_char,
    pub region: *const c_char,
    pub endpoint: *const c_char,
    pub access_key_id: *const c_char,
    pub access_key_secret: *const c_char,
    pub insecure_skip_verify: c_int,
    pub replica_count: u32,
    pub ttl_seconds: u32,
    pub timeout_seconds: u32,
    pub storage_dir: *const c_char,
}

pub const SNAPSHOTTER_GC_NO_BACKGROUND: u32 = 0x1;
pub const SNAPSHOTTER_GC_NO_DISK_EVICTION: u32 = 0x2;
pub const SNAPSHOTTER_GC_NO_MIN_RETENTION: u32 = 0x4;
pub const SNAPSHOTTER_GC_NO_ORPHAN_GRACE: u32 = 0x8;
pub const SNAPSHOTTER_GC_OPTIONS_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_gc_options {
    pub version: c_uint,
    pub flags: u32,
    pub interval_seconds: u64,
    pub high_watermark_percent: u32,
    pub low_watermark_percent: u32,
    pub batch_size: u32,
    pub max_batches: u32,
    pub keep_last: u32,
    pub min_retention_seconds: u64,
    pub max_age_seconds: u64,
    pub max_store_bytes: u64,
    pub orphan_grace_seconds: u64,
}

pub const SNAPSHOTTER_REGISTRY_OPTIONS_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_registry_options {
    pub version: c_uint,
    pub url: *const c_char,
    pub repository_namespace: *const c_char,
    pub username: *const c_char,
    pub password: *const c_char,
    pub insecure_skip_verify: c_int,
    pub ca_file: *const c_char,
    pub request_timeout_ms: u32,
    pub max_attempts: u32,
    pub retry_time_limit_ms: u32,
}

pub const SNAPSHOTTER_OPTIONS_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_options {
    pub version: c_uint,
    pub root_dir: *const c_char,
    pub concurrency: c_uint,
    pub content: *const snapshotter_content_options,
    pub gc: *const snapshotter_gc_options,
    pub registry: *const snapshotter_registry_options,
}

pub const SNAPSHOTTER_STATS_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_stats {
    pub version: c_uint,
    pub files: u64,
    pub bytes: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
    pub files_reused: u64,
    pub files_linked: u64,
    pub elapsed_ns: u64,
    pub files_removed: u64,
}

pub const SNAPSHOTTER_FILE_READ_ONLY: u32 = 0x1;
pub const SNAPSHOTTER_FILE_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_file {
    pub version: c_uint,
    pub relative_path: *const c_char,
    pub flags: u32,
}

pub const SNAPSHOTTER_SNAPSHOT_REHASH: u32 = 0x1;
pub const SNAPSHOTTER_SNAPSHOT_ALLOW_EMPTY: u32 = 0x2;
pub const SNAPSHOTTER_SNAPSHOT_REQUEST_VERSION: c_uint = 2;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_snapshot_request {
    pub version: c_uint,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
    pub base_dir: *const c_char,
    pub files: *const snapshotter_file,
    pub file_count: usize,
    pub flags: u32,
    pub progress: snapshotter_progress_cb,
    pub progress_payload: *mut c_void,
    pub cancel: *mut snapshotter_cancel,
}

pub const SNAPSHOTTER_RESTORE_OVERWRITE: u32 = 0x1;
pub const SNAPSHOTTER_RESTORE_IN_PLACE: u32 = 0x2;
pub const SNAPSHOTTER_RESTORE_DELETE_EXTRA: u32 = 0x4;
pub const SNAPSHOTTER_RESTORE_SKIP_DEVICES: u32 = 0x8;
pub const SNAPSHOTTER_RESTORE_REHASH: u32 = 0x10;
pub const SNAPSHOTTER_RESTORE_REQUEST_VERSION: c_uint = 2;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_restore_request {
    pub version: c_uint,
    pub r#ref: *const c_char,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
    pub output_dir: *const c_char,
    pub only: *const *const c_char,
    pub only_count: usize,
    pub flags: u32,
    pub progress: snapshotter_progress_cb,
    pub progress_payload: *mut c_void,
    pub cancel: *mut snapshotter_cancel,
}

pub const SNAPSHOTTER_SNAPSHOT_INFO_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_snapshot_info {
    pub version: c_uint,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
    pub created_ns: i64,
    pub last_used_ns: i64,
    pub files: u64,
    pub bytes: u64,
    pub stored_bytes: u64,
    pub flags: u32,
}

pub const SNAPSHOTTER_SNAPSHOT_LOCAL: u32 = 0x1;
pub const SNAPSHOTTER_SNAPSHOT_REMOTE: u32 = 0x2;
pub const SNAPSHOTTER_LIST_REMOTE: u32 = 0x1;
pub const SNAPSHOTTER_DELETE_REMOTE: u32 = 0x1;

pub const SNAPSHOTTER_LIST_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_list_request {
    pub version: c_uint,
    pub name: *const c_char,
    pub flags: u32,
    pub cancel: *mut snapshotter_cancel,
}

pub const SNAPSHOTTER_FILE_CONTENT_LOCAL: u32 = 0x2;
pub const SNAPSHOTTER_FILE_INFO_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_file_info {
    pub version: c_uint,
    pub relative_path: *const c_char,
    pub digest: *const c_char,
    pub size: u64,
    pub mtime_ns: i64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub flags: u32,
}

pub const SNAPSHOTTER_INSPECT_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_inspect_request {
    pub version: c_uint,
    pub r#ref: *const c_char,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
}

pub const SNAPSHOTTER_DELETE_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_delete_request {
    pub version: c_uint,
    pub r#ref: *const c_char,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
    pub flags: u32,
    pub cancel: *mut snapshotter_cancel,
}

pub const SNAPSHOTTER_DIFF_ADDED: u32 = 1;
pub const SNAPSHOTTER_DIFF_REMOVED: u32 = 2;
pub const SNAPSHOTTER_DIFF_CHANGED: u32 = 3;
pub const SNAPSHOTTER_DIFF_CONTENT: u32 = 0x1;
pub const SNAPSHOTTER_DIFF_SIZE: u32 = 0x2;
pub const SNAPSHOTTER_DIFF_MODE: u32 = 0x4;
pub const SNAPSHOTTER_DIFF_MTIME: u32 = 0x8;
pub const SNAPSHOTTER_DIFF_READ_ONLY: u32 = 0x10;
pub const SNAPSHOTTER_DIFF_OWNER: u32 = 0x20;
pub const SNAPSHOTTER_DIFF_TYPE: u32 = 0x40;
pub const SNAPSHOTTER_DIFF_LINK_TARGET: u32 = 0x80;
pub const SNAPSHOTTER_DIFF_XATTRS: u32 = 0x100;
pub const SNAPSHOTTER_DIFF_DEVICE: u32 = 0x200;
pub const SNAPSHOTTER_DIFF_ENTRY_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_diff_entry {
    pub version: c_uint,
    pub relative_path: *const c_char,
    pub kind: u32,
    pub reasons: u32,
}

pub const SNAPSHOTTER_DIFF_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_diff_request {
    pub version: c_uint,
    pub r#ref: *const c_char,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
    pub other_ref: *const c_char,
    pub other_dir: *const c_char,
    pub progress: snapshotter_progress_cb,
    pub progress_payload: *mut c_void,
    pub cancel: *mut snapshotter_cancel,
}

pub const SNAPSHOTTER_EXPORT_GZIP: u32 = 0x1;
pub const SNAPSHOTTER_EXPORT_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_export_request {
    pub version: c_uint,
    pub r#ref: *const c_char,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
    pub fd: c_int,
    pub output_dir: *const c_char,
    pub flags: u32,
    pub progress: snapshotter_progress_cb,
    pub progress_payload: *mut c_void,
    pub cancel: *mut snapshotter_cancel,
}

pub const SNAPSHOTTER_IMPORT_REQUEST_VERSION: c_uint = 2;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_import_request {
    pub version: c_uint,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
    pub fd: c_int,
    pub input_dir: *const c_char,
    pub progress: snapshotter_progress_cb,
    pub progress_payload: *mut c_void,
    pub cancel: *mut snapshotter_cancel,
}

pub const SNAPSHOTTER_DELETE_STATS_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_delete_stats {
    pub version: c_uint,
    pub files: u64,
    pub content_freed: u64,
    pub bytes_freed: u64,
    pub manifests_deleted: u64,
}

pub const SNAPSHOTTER_GC_DRY_RUN: u32 = 0x1;
pub const SNAPSHOTTER_GC_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_gc_request {
    pub version: c_uint,
    pub flags: u32,
    pub cancel: *mut snapshotter_cancel,
}

/// `enum snapshotter_gc_reason`, as `snapshotter_gc_evicted::reason` carries it.
pub const SNAPSHOTTER_GC_REASON_DISK_USAGE: u32 = 1;
pub const SNAPSHOTTER_GC_REASON_STORE_SIZE: u32 = 2;
pub const SNAPSHOTTER_GC_REASON_MAX_AGE: u32 = 3;
pub const SNAPSHOTTER_GC_REASON_KEEP_LAST: u32 = 4;

pub const SNAPSHOTTER_GC_SUMMARY_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_gc_summary {
    pub version: c_uint,
    pub dry_run: u32,
    pub disk_total_bytes: u64,
    pub disk_used_bytes: u64,
    pub store_bytes: u64,
    pub batches: u64,
    pub content_removed: u64,
    pub content_bytes_freed: u64,
    pub orphan_temp_files: u64,
    pub orphan_content: u64,
    pub orphan_snapshot_files: u64,
    pub orphan_records: u64,
    pub orphan_bytes_freed: u64,
}

pub const SNAPSHOTTER_GC_EVICTED_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_gc_evicted {
    pub version: c_uint,
    pub name: *const c_char,
    pub snapshot_version: *const c_char,
    pub reason: u32,
    pub last_used_ns: u64,
    pub content_removed: u64,
    pub bytes_freed: u64,
}

pub const SNAPSHOTTER_VERIFY_REPAIR: u32 = 0x1;
pub const SNAPSHOTTER_VERIFY_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_verify_request {
    pub version: c_uint,
    pub flags: u32,
    pub progress: snapshotter_progress_cb,
    pub progress_payload: *mut c_void,
    pub cancel: *mut snapshotter_cancel,
}

/// `enum snapshotter_problem_kind`, as `snapshotter_verify_problem::kind` carries it.
pub const SNAPSHOTTER_PROBLEM_CORRUPT_CONTENT: u32 = 1;
pub const SNAPSHOTTER_PROBLEM_MISSING_CONTENT: u32 = 2;
pub const SNAPSHOTTER_PROBLEM_CORRUPT_SNAPSHOT_FILE: u32 = 3;
pub const SNAPSHOTTER_PROBLEM_MISSING_SNAPSHOT_FILE: u32 = 4;
pub const SNAPSHOTTER_PROBLEM_DANGLING_RECORD: u32 = 5;
pub const SNAPSHOTTER_PROBLEM_UNRESTORABLE_SNAPSHOT: u32 = 6;
pub const SNAPSHOTTER_PROBLEM_STRAY_FILE: u32 = 7;
pub const SNAPSHOTTER_PROBLEM_CORRUPT_METADATA: u32 = 8;

pub const SNAPSHOTTER_VERIFY_SUMMARY_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_verify_summary {
    pub version: c_uint,
    pub snapshots_checked: u64,
    pub content_checked: u64,
    pub snapshot_files_checked: u64,
    pub bytes_checked: u64,
    pub unreferenced_content: u64,
    pub problems_unrepaired: u64,
}

pub const SNAPSHOTTER_VERIFY_PROBLEM_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_verify_problem {
    pub version: c_uint,
    pub kind: u32,
    pub repaired: u32,
    pub subject: *const c_char,
    pub message: *const c_char,
}

pub const SNAPSHOTTER_LIFECYCLE_VIEW: u32 = 1;
pub const SNAPSHOTTER_LIFECYCLE_ACTIVE: u32 = 2;
pub const SNAPSHOTTER_LIFECYCLE_COMMITTED: u32 = 3;

pub const SNAPSHOTTER_LABEL_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_label {
    pub version: c_uint,
    pub name: *const c_char,
    pub value: *const c_char,
}

pub const SNAPSHOTTER_MOUNT_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_mount {
    pub version: c_uint,
    pub r#type: *const c_char,
    pub source: *const c_char,
    pub options: *const *const c_char,
    pub option_count: usize,
}

pub const SNAPSHOTTER_LIFECYCLE_INFO_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_lifecycle_info {
    pub version: c_uint,
    pub kind: u32,
    pub key: *const c_char,
    pub parent: *const c_char,
    pub labels: *const snapshotter_label,
    pub label_count: usize,
    pub created_ns: i64,
    pub updated_ns: i64,
    pub snapshot_name: *const c_char,
    pub snapshot_version: *const c_char,
}

pub const SNAPSHOTTER_LIFECYCLE_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_lifecycle_request {
    pub version: c_uint,
    pub key: *const c_char,
    pub parent: *const c_char,
    pub labels: *const snapshotter_label,
    pub label_count: usize,
}

pub const SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_lifecycle_update_request {
    pub version: c_uint,
    pub key: *const c_char,
    pub labels: *const snapshotter_label,
    pub label_count: usize,
    pub field_paths: *const *const c_char,
    pub field_path_count: usize,
}

pub const SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_lifecycle_walk_request {
    pub version: c_uint,
    pub kind: u32,
    pub parent: *const c_char,
    pub label_name: *const c_char,
    pub label_value: *const c_char,
}

pub const SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_lifecycle_commit_request {
    pub version: c_uint,
    pub name: *const c_char,
    pub key: *const c_char,
    pub labels: *const snapshotter_label,
    pub label_count: usize,
    pub snapshot_name: *const c_char,
    pub snapshot_version: *const c_char,
    pub progress: snapshotter_progress_cb,
    pub progress_payload: *mut c_void,
    pub cancel: *mut snapshotter_cancel,
}

pub const SNAPSHOTTER_USAGE_VERSION: c_uint = 1;
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct snapshotter_usage {
    pub version: c_uint,
    pub bytes: i64,
    pub inodes: i64,
}

extern "C" {
    pub fn snapshotter_code_name(code: snapshotter_code) -> *const c_char;
    pub fn snapshotter_version() -> *const c_char;
    pub fn snapshotter_version_number() -> u32;

    pub fn snapshotter_error_code(err: *const snapshotter_error) -> snapshotter_code;
    pub fn snapshotter_error_message(err: *const snapshotter_error) -> *const c_char;
    pub fn snapshotter_error_free(err: *mut snapshotter_error);

    pub fn snapshotter_cancel_new(
        out: *mut *mut snapshotter_cancel,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_cancel_trigger(cancel: *mut snapshotter_cancel);
    pub fn snapshotter_cancel_is_triggered(cancel: *const snapshotter_cancel) -> c_int;
    pub fn snapshotter_cancel_free(cancel: *mut snapshotter_cancel);

    pub fn snapshotter_log_set(
        level: snapshotter_log_level,
        cb: snapshotter_log_cb,
        payload: *mut c_void,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;

    pub fn snapshotter_content_options_init(
        opts: *mut snapshotter_content_options,
        version: c_uint,
    ) -> snapshotter_code;
    pub fn snapshotter_gc_options_init(opts: *mut snapshotter_gc_options, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_registry_options_init(
        opts: *mut snapshotter_registry_options,
        version: c_uint,
    ) -> snapshotter_code;
    pub fn snapshotter_options_init(opts: *mut snapshotter_options, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_open(
        out: *mut *mut snapshotter,
        opts: *const snapshotter_options,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_close(s: *mut snapshotter);

    pub fn snapshotter_file_init(file: *mut snapshotter_file, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_snapshot_request_init(
        req: *mut snapshotter_snapshot_request,
        version: c_uint,
    ) -> snapshotter_code;
    pub fn snapshotter_snapshot(
        out_stats: *mut snapshotter_stats,
        s: *mut snapshotter,
        req: *const snapshotter_snapshot_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;

    pub fn snapshotter_restore_request_init(req: *mut snapshotter_restore_request, version: c_uint)
        -> snapshotter_code;
    pub fn snapshotter_restore(
        out_stats: *mut snapshotter_stats,
        s: *mut snapshotter,
        req: *const snapshotter_restore_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;

    pub fn snapshotter_list_request_init(req: *mut snapshotter_list_request, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_list(
        out: *mut *mut snapshotter_snapshot_list,
        s: *mut snapshotter,
        req: *const snapshotter_list_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_snapshot_list_count(list: *const snapshotter_snapshot_list) -> usize;
    pub fn snapshotter_snapshot_list_get(
        list: *const snapshotter_snapshot_list,
        index: usize,
    ) -> *const snapshotter_snapshot_info;
    pub fn snapshotter_snapshot_list_free(list: *mut snapshotter_snapshot_list);

    pub fn snapshotter_inspect_request_init(req: *mut snapshotter_inspect_request, version: c_uint)
        -> snapshotter_code;
    pub fn snapshotter_inspect(
        out: *mut *mut snapshotter_inspection,
        s: *mut snapshotter,
        req: *const snapshotter_inspect_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_inspection_snapshot(
        inspection: *const snapshotter_inspection,
    ) -> *const snapshotter_snapshot_info;
    pub fn snapshotter_inspection_file_count(inspection: *const snapshotter_inspection) -> usize;
    pub fn snapshotter_inspection_file_get(
        inspection: *const snapshotter_inspection,
        index: usize,
    ) -> *const snapshotter_file_info;
    pub fn snapshotter_inspection_free(inspection: *mut snapshotter_inspection);

    pub fn snapshotter_delete_request_init(req: *mut snapshotter_delete_request, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_delete(
        out_stats: *mut snapshotter_delete_stats,
        s: *mut snapshotter,
        req: *const snapshotter_delete_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;

    pub fn snapshotter_gc_request_init(req: *mut snapshotter_gc_request, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_gc(
        out: *mut *mut snapshotter_gc_report,
        s: *mut snapshotter,
        req: *const snapshotter_gc_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_gc_report_summary(report: *const snapshotter_gc_report) -> *const snapshotter_gc_summary;
    pub fn snapshotter_gc_report_evicted_count(report: *const snapshotter_gc_report) -> usize;
    pub fn snapshotter_gc_report_evicted_get(
        report: *const snapshotter_gc_report,
        index: usize,
    ) -> *const snapshotter_gc_evicted;
    pub fn snapshotter_gc_report_free(report: *mut snapshotter_gc_report);

    pub fn snapshotter_verify_request_init(req: *mut snapshotter_verify_request, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_verify(
        out: *mut *mut snapshotter_verify_report,
        s: *mut snapshotter,
        req: *const snapshotter_verify_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_verify_report_summary(
        report: *const snapshotter_verify_report,
    ) -> *const snapshotter_verify_summary;
    pub fn snapshotter_verify_report_problem_count(report: *const snapshotter_verify_report) -> usize;
    pub fn snapshotter_verify_report_problem_get(
        report: *const snapshotter_verify_report,
        index: usize,
    ) -> *const snapshotter_verify_problem;
    pub fn snapshotter_verify_report_free(report: *mut snapshotter_verify_report);

    pub fn snapshotter_diff_request_init(req: *mut snapshotter_diff_request, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_diff(
        out: *mut *mut snapshotter_diff_list,
        s: *mut snapshotter,
        req: *const snapshotter_diff_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_diff_list_count(list: *const snapshotter_diff_list) -> usize;
    pub fn snapshotter_diff_list_get(list: *const snapshotter_diff_list, index: usize)
        -> *const snapshotter_diff_entry;
    pub fn snapshotter_diff_list_free(list: *mut snapshotter_diff_list);

    pub fn snapshotter_export_request_init(req: *mut snapshotter_export_request, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_export(
        out_stats: *mut snapshotter_stats,
        s: *mut snapshotter,
        req: *const snapshotter_export_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_import_request_init(req: *mut snapshotter_import_request, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_import(
        out_stats: *mut snapshotter_stats,
        out_snapshot: *mut *mut snapshotter_inspection,
        s: *mut snapshotter,
        req: *const snapshotter_import_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;

    pub fn snapshotter_label_init(label: *mut snapshotter_label, version: c_uint) -> snapshotter_code;
    pub fn snapshotter_mount_list_count(list: *const snapshotter_mount_list) -> usize;
    pub fn snapshotter_mount_list_get(list: *const snapshotter_mount_list, index: usize) -> *const snapshotter_mount;
    pub fn snapshotter_mount_list_free(list: *mut snapshotter_mount_list);
    pub fn snapshotter_lifecycle_list_count(list: *const snapshotter_lifecycle_list) -> usize;
    pub fn snapshotter_lifecycle_list_get(
        list: *const snapshotter_lifecycle_list,
        index: usize,
    ) -> *const snapshotter_lifecycle_info;
    pub fn snapshotter_lifecycle_list_free(list: *mut snapshotter_lifecycle_list);
    pub fn snapshotter_lifecycle_request_init(
        req: *mut snapshotter_lifecycle_request,
        version: c_uint,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_prepare(
        out: *mut *mut snapshotter_mount_list,
        s: *mut snapshotter,
        req: *const snapshotter_lifecycle_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_view(
        out: *mut *mut snapshotter_mount_list,
        s: *mut snapshotter,
        req: *const snapshotter_lifecycle_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_mounts(
        out: *mut *mut snapshotter_mount_list,
        s: *mut snapshotter,
        key: *const c_char,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_stat(
        out: *mut *mut snapshotter_lifecycle_list,
        s: *mut snapshotter,
        key: *const c_char,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_update_request_init(
        req: *mut snapshotter_lifecycle_update_request,
        version: c_uint,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_update(
        out: *mut *mut snapshotter_lifecycle_list,
        s: *mut snapshotter,
        req: *const snapshotter_lifecycle_update_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_walk_request_init(
        req: *mut snapshotter_lifecycle_walk_request,
        version: c_uint,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_walk(
        out: *mut *mut snapshotter_lifecycle_list,
        s: *mut snapshotter,
        req: *const snapshotter_lifecycle_walk_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_commit_request_init(
        req: *mut snapshotter_lifecycle_commit_request,
        version: c_uint,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_commit(
        out_stats: *mut snapshotter_stats,
        s: *mut snapshotter,
        req: *const snapshotter_lifecycle_commit_request,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_remove(
        s: *mut snapshotter,
        key: *const c_char,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
    pub fn snapshotter_lifecycle_usage(
        out: *mut snapshotter_usage,
        s: *mut snapshotter,
        key: *const c_char,
        err: *mut *mut snapshotter_error,
    ) -> snapshotter_code;
}
