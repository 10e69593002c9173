/* The struct layouts the header promises on x86-64 Linux, which src/Native/NativeTypes.cs mirrors
 * field by field (sequential layout, natural alignment). A change here is an ABI break. This test
 * fails to compile rather than to run. */
#include "check.h"

#include <stdalign.h>
#include <stddef.h>

#define LAYOUT(type, field, offset) _Static_assert(offsetof(type, field) == (offset), #type "." #field)

_Static_assert(sizeof(snapshotter_code) == 4, "snapshotter_code is returned as a C int");

_Static_assert(sizeof(snapshotter_options) == 48, "snapshotter_options size");
LAYOUT(snapshotter_options, version, 0);
LAYOUT(snapshotter_options, root_dir, 8);
LAYOUT(snapshotter_options, concurrency, 16);
LAYOUT(snapshotter_options, content, 24);
LAYOUT(snapshotter_options, gc, 32);

_Static_assert(sizeof(snapshotter_gc_options) == 72, "snapshotter_gc_options size");
LAYOUT(snapshotter_gc_options, version, 0);
LAYOUT(snapshotter_gc_options, flags, 4);
LAYOUT(snapshotter_gc_options, interval_seconds, 8);
LAYOUT(snapshotter_gc_options, high_watermark_percent, 16);
LAYOUT(snapshotter_gc_options, low_watermark_percent, 20);
LAYOUT(snapshotter_gc_options, batch_size, 24);
LAYOUT(snapshotter_gc_options, max_batches, 28);
LAYOUT(snapshotter_gc_options, keep_last, 32);
LAYOUT(snapshotter_gc_options, min_retention_seconds, 40);
LAYOUT(snapshotter_gc_options, max_age_seconds, 48);
LAYOUT(snapshotter_gc_options, max_store_bytes, 56);
LAYOUT(snapshotter_gc_options, orphan_grace_seconds, 64);

_Static_assert(sizeof(snapshotter_gc_request) == 16, "snapshotter_gc_request size");
LAYOUT(snapshotter_gc_request, version, 0);
LAYOUT(snapshotter_gc_request, flags, 4);
LAYOUT(snapshotter_gc_request, cancel, 8);

_Static_assert(sizeof(snapshotter_gc_evicted) == 56, "snapshotter_gc_evicted size");
LAYOUT(snapshotter_gc_evicted, version, 0);
LAYOUT(snapshotter_gc_evicted, name, 8);
LAYOUT(snapshotter_gc_evicted, snapshot_version, 16);
LAYOUT(snapshotter_gc_evicted, reason, 24);
LAYOUT(snapshotter_gc_evicted, last_used_ns, 32);
LAYOUT(snapshotter_gc_evicted, content_removed, 40);
LAYOUT(snapshotter_gc_evicted, bytes_freed, 48);

_Static_assert(sizeof(snapshotter_gc_summary) == 96, "snapshotter_gc_summary size");
LAYOUT(snapshotter_gc_summary, version, 0);
LAYOUT(snapshotter_gc_summary, dry_run, 4);
LAYOUT(snapshotter_gc_summary, disk_total_bytes, 8);
LAYOUT(snapshotter_gc_summary, disk_used_bytes, 16);
LAYOUT(snapshotter_gc_summary, store_bytes, 24);
LAYOUT(snapshotter_gc_summary, batches, 32);
LAYOUT(snapshotter_gc_summary, content_removed, 40);
LAYOUT(snapshotter_gc_summary, content_bytes_freed, 48);
LAYOUT(snapshotter_gc_summary, orphan_temp_files, 56);
LAYOUT(snapshotter_gc_summary, orphan_content, 64);
LAYOUT(snapshotter_gc_summary, orphan_snapshot_files, 72);
LAYOUT(snapshotter_gc_summary, orphan_records, 80);
LAYOUT(snapshotter_gc_summary, orphan_bytes_freed, 88);

_Static_assert(sizeof(snapshotter_verify_request) == 32, "snapshotter_verify_request size");
LAYOUT(snapshotter_verify_request, version, 0);
LAYOUT(snapshotter_verify_request, flags, 4);
LAYOUT(snapshotter_verify_request, progress, 8);
LAYOUT(snapshotter_verify_request, progress_payload, 16);
LAYOUT(snapshotter_verify_request, cancel, 24);

_Static_assert(sizeof(snapshotter_verify_problem) == 32, "snapshotter_verify_problem size");
LAYOUT(snapshotter_verify_problem, version, 0);
LAYOUT(snapshotter_verify_problem, kind, 4);
LAYOUT(snapshotter_verify_problem, repaired, 8);
LAYOUT(snapshotter_verify_problem, subject, 16);
LAYOUT(snapshotter_verify_problem, message, 24);

_Static_assert(sizeof(snapshotter_verify_summary) == 56, "snapshotter_verify_summary size");
LAYOUT(snapshotter_verify_summary, version, 0);
LAYOUT(snapshotter_verify_summary, snapshots_checked, 8);
LAYOUT(snapshotter_verify_summary, content_checked, 16);
LAYOUT(snapshotter_verify_summary, snapshot_files_checked, 24);
LAYOUT(snapshotter_verify_summary, bytes_checked, 32);
LAYOUT(snapshotter_verify_summary, unreferenced_content, 40);
LAYOUT(snapshotter_verify_summary, problems_unrepaired, 48);
LAYOUT(snapshotter_options, registry, 40);

_Static_assert(sizeof(snapshotter_registry_options) == 72, "snapshotter_registry_options size");
LAYOUT(snapshotter_registry_options, version, 0);
LAYOUT(snapshotter_registry_options, url, 8);
LAYOUT(snapshotter_registry_options, repository_namespace, 16);
LAYOUT(snapshotter_registry_options, username, 24);
LAYOUT(snapshotter_registry_options, password, 32);
LAYOUT(snapshotter_registry_options, insecure_skip_verify, 40);
LAYOUT(snapshotter_registry_options, ca_file, 48);
LAYOUT(snapshotter_registry_options, request_timeout_ms, 56);
LAYOUT(snapshotter_registry_options, max_attempts, 60);
LAYOUT(snapshotter_registry_options, retry_time_limit_ms, 64);

_Static_assert(sizeof(snapshotter_content_options) == 96, "snapshotter_content_options size");
LAYOUT(snapshotter_content_options, version, 0);
LAYOUT(snapshotter_content_options, dir, 8);
LAYOUT(snapshotter_content_options, dfdaemon, 16);
LAYOUT(snapshotter_content_options, provider, 24);
LAYOUT(snapshotter_content_options, bucket, 32);
LAYOUT(snapshotter_content_options, region, 40);
LAYOUT(snapshotter_content_options, endpoint, 48);
LAYOUT(snapshotter_content_options, access_key_id, 56);
LAYOUT(snapshotter_content_options, access_key_secret, 64);
LAYOUT(snapshotter_content_options, insecure_skip_verify, 72);
LAYOUT(snapshotter_content_options, replica_count, 76);
LAYOUT(snapshotter_content_options, ttl_seconds, 80);
LAYOUT(snapshotter_content_options, timeout_seconds, 84);
LAYOUT(snapshotter_content_options, storage_dir, 88);

_Static_assert(sizeof(snapshotter_progress) == 40, "snapshotter_progress size");
LAYOUT(snapshotter_progress, version, 0);
LAYOUT(snapshotter_progress, files_done, 8);
LAYOUT(snapshotter_progress, files_total, 16);
LAYOUT(snapshotter_progress, bytes_done, 24);
LAYOUT(snapshotter_progress, bytes_total, 32);

_Static_assert(sizeof(snapshotter_stats) == 72, "snapshotter_stats size");
LAYOUT(snapshotter_stats, version, 0);
LAYOUT(snapshotter_stats, files, 8);
LAYOUT(snapshotter_stats, bytes, 16);
LAYOUT(snapshotter_stats, bytes_read, 24);
LAYOUT(snapshotter_stats, bytes_written, 32);
LAYOUT(snapshotter_stats, files_reused, 40);
LAYOUT(snapshotter_stats, files_linked, 48);
LAYOUT(snapshotter_stats, elapsed_ns, 56);
LAYOUT(snapshotter_stats, files_removed, 64);

/* Arrays of it cross the ABI: each version's size is part of the contract. */
_Static_assert(sizeof(snapshotter_file) == 24, "snapshotter_file size");
LAYOUT(snapshotter_file, version, 0);
LAYOUT(snapshotter_file, relative_path, 8);
LAYOUT(snapshotter_file, flags, 16);

_Static_assert(sizeof(snapshotter_snapshot_request) == 80, "snapshotter_snapshot_request size");
LAYOUT(snapshotter_snapshot_request, version, 0);
LAYOUT(snapshotter_snapshot_request, name, 8);
LAYOUT(snapshotter_snapshot_request, snapshot_version, 16);
LAYOUT(snapshotter_snapshot_request, base_dir, 24);
LAYOUT(snapshotter_snapshot_request, files, 32);
LAYOUT(snapshotter_snapshot_request, file_count, 40);
LAYOUT(snapshotter_snapshot_request, flags, 48);
LAYOUT(snapshotter_snapshot_request, progress, 56);
LAYOUT(snapshotter_snapshot_request, progress_payload, 64);
LAYOUT(snapshotter_snapshot_request, cancel, 72);

_Static_assert(sizeof(snapshotter_restore_request) == 88, "snapshotter_restore_request size");
LAYOUT(snapshotter_restore_request, version, 0);
LAYOUT(snapshotter_restore_request, ref, 8);
LAYOUT(snapshotter_restore_request, name, 16);
LAYOUT(snapshotter_restore_request, snapshot_version, 24);
LAYOUT(snapshotter_restore_request, output_dir, 32);
LAYOUT(snapshotter_restore_request, only, 40);
LAYOUT(snapshotter_restore_request, only_count, 48);
LAYOUT(snapshotter_restore_request, flags, 56);
LAYOUT(snapshotter_restore_request, progress, 64);
LAYOUT(snapshotter_restore_request, progress_payload, 72);
LAYOUT(snapshotter_restore_request, cancel, 80);

_Static_assert(sizeof(snapshotter_snapshot_info) == 72, "snapshotter_snapshot_info size");
LAYOUT(snapshotter_snapshot_info, version, 0);
LAYOUT(snapshotter_snapshot_info, name, 8);
LAYOUT(snapshotter_snapshot_info, snapshot_version, 16);
LAYOUT(snapshotter_snapshot_info, created_ns, 24);
LAYOUT(snapshotter_snapshot_info, last_used_ns, 32);
LAYOUT(snapshotter_snapshot_info, files, 40);
LAYOUT(snapshotter_snapshot_info, bytes, 48);
LAYOUT(snapshotter_snapshot_info, stored_bytes, 56);
LAYOUT(snapshotter_snapshot_info, flags, 64);

_Static_assert(sizeof(snapshotter_file_info) == 56, "snapshotter_file_info size");
LAYOUT(snapshotter_file_info, version, 0);
LAYOUT(snapshotter_file_info, relative_path, 8);
LAYOUT(snapshotter_file_info, digest, 16);
LAYOUT(snapshotter_file_info, size, 24);
LAYOUT(snapshotter_file_info, mtime_ns, 32);
LAYOUT(snapshotter_file_info, mode, 40);
LAYOUT(snapshotter_file_info, uid, 44);
LAYOUT(snapshotter_file_info, gid, 48);
LAYOUT(snapshotter_file_info, flags, 52);

_Static_assert(sizeof(snapshotter_list_request) == 32, "snapshotter_list_request size");
LAYOUT(snapshotter_list_request, version, 0);
LAYOUT(snapshotter_list_request, name, 8);
LAYOUT(snapshotter_list_request, flags, 16);
LAYOUT(snapshotter_list_request, cancel, 24);

_Static_assert(sizeof(snapshotter_inspect_request) == 32, "snapshotter_inspect_request size");
LAYOUT(snapshotter_inspect_request, version, 0);
LAYOUT(snapshotter_inspect_request, ref, 8);
LAYOUT(snapshotter_inspect_request, name, 16);
LAYOUT(snapshotter_inspect_request, snapshot_version, 24);

_Static_assert(sizeof(snapshotter_delete_request) == 48, "snapshotter_delete_request size");
LAYOUT(snapshotter_delete_request, version, 0);
LAYOUT(snapshotter_delete_request, ref, 8);
LAYOUT(snapshotter_delete_request, name, 16);
LAYOUT(snapshotter_delete_request, snapshot_version, 24);
LAYOUT(snapshotter_delete_request, flags, 32);
LAYOUT(snapshotter_delete_request, cancel, 40);

_Static_assert(sizeof(snapshotter_delete_stats) == 40, "snapshotter_delete_stats size");
LAYOUT(snapshotter_delete_stats, version, 0);
LAYOUT(snapshotter_delete_stats, files, 8);
LAYOUT(snapshotter_delete_stats, content_freed, 16);
LAYOUT(snapshotter_delete_stats, bytes_freed, 24);
LAYOUT(snapshotter_delete_stats, manifests_deleted, 32);

_Static_assert(sizeof(snapshotter_diff_entry) == 24, "snapshotter_diff_entry size");
LAYOUT(snapshotter_diff_entry, version, 0);
LAYOUT(snapshotter_diff_entry, relative_path, 8);
LAYOUT(snapshotter_diff_entry, kind, 16);
LAYOUT(snapshotter_diff_entry, reasons, 20);

_Static_assert(sizeof(snapshotter_diff_request) == 72, "snapshotter_diff_request size");
LAYOUT(snapshotter_diff_request, version, 0);
LAYOUT(snapshotter_diff_request, ref, 8);
LAYOUT(snapshotter_diff_request, name, 16);
LAYOUT(snapshotter_diff_request, snapshot_version, 24);
LAYOUT(snapshotter_diff_request, other_ref, 32);
LAYOUT(snapshotter_diff_request, other_dir, 40);
LAYOUT(snapshotter_diff_request, progress, 48);
LAYOUT(snapshotter_diff_request, progress_payload, 56);
LAYOUT(snapshotter_diff_request, cancel, 64);

_Static_assert(sizeof(snapshotter_export_request) == 80, "snapshotter_export_request size");
LAYOUT(snapshotter_export_request, version, 0);
LAYOUT(snapshotter_export_request, ref, 8);
LAYOUT(snapshotter_export_request, name, 16);
LAYOUT(snapshotter_export_request, snapshot_version, 24);
LAYOUT(snapshotter_export_request, fd, 32);
LAYOUT(snapshotter_export_request, output_dir, 40);
LAYOUT(snapshotter_export_request, flags, 48);
LAYOUT(snapshotter_export_request, progress, 56);
LAYOUT(snapshotter_export_request, progress_payload, 64);
LAYOUT(snapshotter_export_request, cancel, 72);

_Static_assert(sizeof(snapshotter_import_request) == 64, "snapshotter_import_request size");
LAYOUT(snapshotter_import_request, version, 0);
LAYOUT(snapshotter_import_request, name, 8);
LAYOUT(snapshotter_import_request, snapshot_version, 16);
LAYOUT(snapshotter_import_request, fd, 24);
LAYOUT(snapshotter_import_request, input_dir, 32);
LAYOUT(snapshotter_import_request, progress, 40);
LAYOUT(snapshotter_import_request, progress_payload, 48);
LAYOUT(snapshotter_import_request, cancel, 56);

_Static_assert(sizeof(snapshotter_label) == 24, "snapshotter_label size");
LAYOUT(snapshotter_label, version, 0);
LAYOUT(snapshotter_label, name, 8);
LAYOUT(snapshotter_label, value, 16);

_Static_assert(sizeof(snapshotter_mount) == 40, "snapshotter_mount size");
LAYOUT(snapshotter_mount, version, 0);
LAYOUT(snapshotter_mount, type, 8);
LAYOUT(snapshotter_mount, source, 16);
LAYOUT(snapshotter_mount, options, 24);
LAYOUT(snapshotter_mount, option_count, 32);

_Static_assert(sizeof(snapshotter_lifecycle_info) == 72, "snapshotter_lifecycle_info size");
LAYOUT(snapshotter_lifecycle_info, version, 0);
LAYOUT(snapshotter_lifecycle_info, kind, 4);
LAYOUT(snapshotter_lifecycle_info, key, 8);
LAYOUT(snapshotter_lifecycle_info, parent, 16);
LAYOUT(snapshotter_lifecycle_info, labels, 24);
LAYOUT(snapshotter_lifecycle_info, label_count, 32);
LAYOUT(snapshotter_lifecycle_info, created_ns, 40);
LAYOUT(snapshotter_lifecycle_info, updated_ns, 48);
LAYOUT(snapshotter_lifecycle_info, snapshot_name, 56);
LAYOUT(snapshotter_lifecycle_info, snapshot_version, 64);

_Static_assert(sizeof(snapshotter_lifecycle_request) == 40, "snapshotter_lifecycle_request size");
LAYOUT(snapshotter_lifecycle_request, version, 0);
LAYOUT(snapshotter_lifecycle_request, key, 8);
LAYOUT(snapshotter_lifecycle_request, parent, 16);
LAYOUT(snapshotter_lifecycle_request, labels, 24);
LAYOUT(snapshotter_lifecycle_request, label_count, 32);

_Static_assert(sizeof(snapshotter_lifecycle_update_request) == 48, "snapshotter_lifecycle_update_request size");
LAYOUT(snapshotter_lifecycle_update_request, version, 0);
LAYOUT(snapshotter_lifecycle_update_request, key, 8);
LAYOUT(snapshotter_lifecycle_update_request, labels, 16);
LAYOUT(snapshotter_lifecycle_update_request, label_count, 24);
LAYOUT(snapshotter_lifecycle_update_request, field_paths, 32);
LAYOUT(snapshotter_lifecycle_update_request, field_path_count, 40);

_Static_assert(sizeof(snapshotter_lifecycle_walk_request) == 32, "snapshotter_lifecycle_walk_request size");
LAYOUT(snapshotter_lifecycle_walk_request, version, 0);
LAYOUT(snapshotter_lifecycle_walk_request, kind, 4);
LAYOUT(snapshotter_lifecycle_walk_request, parent, 8);
LAYOUT(snapshotter_lifecycle_walk_request, label_name, 16);
LAYOUT(snapshotter_lifecycle_walk_request, label_value, 24);

_Static_assert(sizeof(snapshotter_lifecycle_commit_request) == 80, "snapshotter_lifecycle_commit_request size");
LAYOUT(snapshotter_lifecycle_commit_request, version, 0);
LAYOUT(snapshotter_lifecycle_commit_request, name, 8);
LAYOUT(snapshotter_lifecycle_commit_request, key, 16);
LAYOUT(snapshotter_lifecycle_commit_request, labels, 24);
LAYOUT(snapshotter_lifecycle_commit_request, label_count, 32);
LAYOUT(snapshotter_lifecycle_commit_request, snapshot_name, 40);
LAYOUT(snapshotter_lifecycle_commit_request, snapshot_version, 48);
LAYOUT(snapshotter_lifecycle_commit_request, progress, 56);
LAYOUT(snapshotter_lifecycle_commit_request, progress_payload, 64);
LAYOUT(snapshotter_lifecycle_commit_request, cancel, 72);

_Static_assert(sizeof(snapshotter_usage) == 24, "snapshotter_usage size");
LAYOUT(snapshotter_usage, version, 0);
LAYOUT(snapshotter_usage, bytes, 8);
LAYOUT(snapshotter_usage, inodes, 16);

static void layouts_are_pinned(void)
{
    CHECK(SNAPSHOTTER_FILE_READ_ONLY == 0x1u && SNAPSHOTTER_RESTORE_OVERWRITE == 0x1u, "flag values are pinned");
    CHECK(SNAPSHOTTER_SNAPSHOT_REHASH == 0x1u, "snapshot flag values are pinned");
    CHECK(SNAPSHOTTER_FILE_CONTENT_LOCAL == 0x2u, "flag values are pinned");
    CHECK(SNAPSHOTTER_RESTORE_IN_PLACE == 0x2u && SNAPSHOTTER_RESTORE_DELETE_EXTRA == 0x4u
          && SNAPSHOTTER_RESTORE_SKIP_DEVICES == 0x8u && SNAPSHOTTER_RESTORE_REHASH == 0x10u, "flag values are pinned");
    CHECK(SNAPSHOTTER_DIFF_ADDED == 1u && SNAPSHOTTER_DIFF_REMOVED == 2u && SNAPSHOTTER_DIFF_CHANGED == 3u,
          "diff kinds are pinned");
    CHECK(SNAPSHOTTER_DIFF_CONTENT == 0x1u && SNAPSHOTTER_DIFF_SIZE == 0x2u && SNAPSHOTTER_DIFF_MODE == 0x4u &&
              SNAPSHOTTER_DIFF_MTIME == 0x8u && SNAPSHOTTER_DIFF_READ_ONLY == 0x10u && SNAPSHOTTER_DIFF_OWNER == 0x20u &&
              SNAPSHOTTER_DIFF_TYPE == 0x40u && SNAPSHOTTER_DIFF_LINK_TARGET == 0x80u && SNAPSHOTTER_DIFF_XATTRS == 0x100u &&
              SNAPSHOTTER_DIFF_DEVICE == 0x200u,
          "diff reasons are pinned");
    CHECK(SNAPSHOTTER_EXPORT_GZIP == 0x1u, "flag values are pinned");
    CHECK(SNAPSHOTTER_LIST_REMOTE == 0x1u && SNAPSHOTTER_DELETE_REMOTE == 0x1u && SNAPSHOTTER_SNAPSHOT_LOCAL == 0x1u &&
              SNAPSHOTTER_SNAPSHOT_REMOTE == 0x2u,
          "flag values are pinned");
    CHECK(SNAPSHOTTER_OK == 0 && SNAPSHOTTER_ERROR_CLOSED == 10 && SNAPSHOTTER_ERROR_INTERNAL == 100,
          "code values are pinned");
    CHECK(SNAPSHOTTER_GC_NO_BACKGROUND == 0x1u && SNAPSHOTTER_GC_DRY_RUN == 0x1u && SNAPSHOTTER_VERIFY_REPAIR == 0x1u,
          "gc and verify flag values are pinned");
    CHECK(SNAPSHOTTER_GC_NO_DISK_EVICTION == 0x2u && SNAPSHOTTER_GC_NO_MIN_RETENTION == 0x4u &&
              SNAPSHOTTER_GC_NO_ORPHAN_GRACE == 0x8u,
          "gc option flag values are pinned");
    CHECK(SNAPSHOTTER_GC_REASON_DISK_USAGE == 1 && SNAPSHOTTER_GC_REASON_STORE_SIZE == 2 &&
              SNAPSHOTTER_GC_REASON_MAX_AGE == 3 && SNAPSHOTTER_GC_REASON_KEEP_LAST == 4,
          "eviction reasons are pinned");
    CHECK(SNAPSHOTTER_PROBLEM_CORRUPT_CONTENT == 1 && SNAPSHOTTER_PROBLEM_MISSING_CONTENT == 2 &&
              SNAPSHOTTER_PROBLEM_CORRUPT_SNAPSHOT_FILE == 3 && SNAPSHOTTER_PROBLEM_MISSING_SNAPSHOT_FILE == 4 &&
              SNAPSHOTTER_PROBLEM_DANGLING_RECORD == 5 && SNAPSHOTTER_PROBLEM_UNRESTORABLE_SNAPSHOT == 6 &&
              SNAPSHOTTER_PROBLEM_STRAY_FILE == 7 && SNAPSHOTTER_PROBLEM_CORRUPT_METADATA == 8,
          "problem kinds are pinned");
    CHECK(SNAPSHOTTER_ERROR_UNAUTHENTICATED == 11 && SNAPSHOTTER_ERROR_UNAVAILABLE == 12 && SNAPSHOTTER_ERROR_TIMEOUT == 13,
          "remote-service code values are pinned");
    CHECK(SNAPSHOTTER_ERROR_FAILED_PRECONDITION == 14, "the precondition code value is pinned");
    CHECK(SNAPSHOTTER_LIFECYCLE_VIEW == 1 && SNAPSHOTTER_LIFECYCLE_ACTIVE == 2 && SNAPSHOTTER_LIFECYCLE_COMMITTED == 3,
          "lifecycle kinds are containerd's values");
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = { CHECK_TEST(layouts_are_pinned) };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
