/* snapshotter_gc and snapshotter_verify through the C ABI: reports and their memory, options and their
 * validation, repair, cancellation. The collection logic itself is tested in tests/Core.Tests/Gc. */
#include "fixture.h"

static snapshotter *open_with(const char *root, const snapshotter_gc_options *gc)
{
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = root;
    opts.gc = gc;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_open(&s, &opts, CHECK_ERR));
    return s;
}

static const snapshotter_file one_file[] = { { "data.bin", 0 } };

static void snapshot_version(snapshotter *s, const char *src, const char *version, uint64_t seed)
{
    fx_write_random(PATH("%s/data.bin", src), 100000, seed);
    fx_snapshot(s, "app", version, src, one_file, 1);
}

static void dry_run_lists_what_the_collection_then_evicts(void)
{
    const char *dir = fx_tempdir("gc");
    const char *root = KEEP_PATH("%s/root", dir), *src = KEEP_PATH("%s/src", dir);
    snapshotter_gc_options gc = SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.flags = SNAPSHOTTER_GC_NO_BACKGROUND;
    gc.high_watermark_percent = 0;
    gc.keep_last = 1;
    gc.min_retention_seconds = 0;
    snapshotter *s = open_with(root, &gc);
    snapshot_version(s, src, "v1", 1);
    snapshot_version(s, src, "v2", 2);
    snapshot_version(s, src, "v3", 3);

    snapshotter_gc_request dry = SNAPSHOTTER_GC_REQUEST_INIT;
    dry.flags = SNAPSHOTTER_GC_DRY_RUN;
    snapshotter_gc_report plan = SNAPSHOTTER_GC_REPORT_INIT;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc(&plan, s, &dry, CHECK_ERR));
    CHECK(plan.dry_run == 1 && plan.evicted_count == 2, "dry run: %zu evicted", plan.evicted_count);
    CHECK(strcmp(plan.evicted[0].name, "app") == 0 && strcmp(plan.evicted[0].snapshot_version, "v1") == 0 &&
              strcmp(plan.evicted[1].snapshot_version, "v2") == 0,
          "least recently used first: %s, %s", plan.evicted[0].snapshot_version, plan.evicted[1].snapshot_version);
    CHECK(plan.evicted[0].reason == SNAPSHOTTER_GC_REASON_KEEP_LAST && plan.evicted[0].content_removed == 1 &&
              plan.evicted[0].bytes_freed > 100000 && plan.evicted[0].last_used_ns > 0,
          "evicted entry fields");
    CHECK(plan.content_removed == 2 && plan.content_bytes_freed == plan.evicted[0].bytes_freed + plan.evicted[1].bytes_freed,
          "totals");
    CHECK(plan.disk_total_bytes > 0 && plan.disk_used_bytes > 0 && plan.store_bytes > 300000, "usage at the start");
    fx_restore(s, "app", "v1", NULL, 0);

    snapshotter_gc_report done = SNAPSHOTTER_GC_REPORT_INIT;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc(&done, s, NULL, CHECK_ERR));
    CHECK(done.dry_run == 0 && done.evicted_count == 2 && strcmp(done.evicted[0].snapshot_version, "v2") == 0 &&
              strcmp(done.evicted[1].snapshot_version, "v1") == 0,
          "v1 was used since the plan, so v2 is now the least recently used (%zu evicted)", done.evicted_count);
    snapshotter_gc_report_free(&plan);
    snapshotter_gc_report_free(&done);
    CHECK(plan.evicted == NULL && plan.evicted_count == 0, "gc_report_free resets the array");
    snapshotter_gc_report_free(&plan);

    snapshotter_restore_request gone = fx_restore_request("app", "v2", NULL, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "app:v2", snapshotter_restore(NULL, s, &gone, CHECK_ERR));
    fx_restore(s, "app", "v3", NULL, 0);
    snapshotter_verify_report clean = SNAPSHOTTER_VERIFY_REPORT_INIT;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&clean, s, NULL, CHECK_ERR));
    CHECK(clean.problem_count == 0 && clean.problems == NULL && clean.problems_unrepaired == 0 &&
              clean.snapshots_checked == 1 && clean.content_checked == 1,
          "verify after collection: %zu problems, %" PRIu64 " snapshots", clean.problem_count, clean.snapshots_checked);
    snapshotter_verify_report_free(&clean);
    snapshotter_close(s);
}

static void verify_reports_and_repairs_a_modified_stored_file(void)
{
    const char *dir = fx_tempdir("verify");
    const char *root = KEEP_PATH("%s/root", dir), *src = KEEP_PATH("%s/src", dir);
    snapshotter *s = fx_open(root, 0);
    fx_write_random(PATH("%s/model.bin", src), 300000, 9);
    const snapshotter_file files[] = { { "model.bin", SNAPSHOTTER_FILE_READ_ONLY } };
    fx_snapshot(s, "model", "v1", src, files, 1);
    /* The stored inode is the source's own: writing to the "read-only" source changes the store. */
    fx_pwrite(PATH("%s/model.bin", src), "X", 1, 5, 0644);

    snapshotter_verify_report found = SNAPSHOTTER_VERIFY_REPORT_INIT;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&found, s, NULL, CHECK_ERR));
    CHECK(found.problem_count == 1 && found.problems[0].kind == SNAPSHOTTER_PROBLEM_CORRUPT_SNAPSHOT_FILE &&
              found.problems[0].repaired == 0 && strncmp(found.problems[0].subject, "xxh3:", 5) == 0 &&
              strstr(found.problems[0].message, "modified") != NULL && found.problems_unrepaired == 1,
          "verify found %zu problems", found.problem_count);
    snapshotter_verify_report_free(&found);

    snapshotter_verify_request repair = SNAPSHOTTER_VERIFY_REQUEST_INIT;
    repair.flags = SNAPSHOTTER_VERIFY_REPAIR;
    snapshotter_verify_report repaired = SNAPSHOTTER_VERIFY_REPORT_INIT;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&repaired, s, &repair, CHECK_ERR));
    CHECK(repaired.problem_count == 2 && repaired.problems_unrepaired == 0, "repair: %zu problems, %" PRIu64 " left",
          repaired.problem_count, repaired.problems_unrepaired);
    snapshotter_verify_report_free(&repaired);
    const char *out = KEEP_PATH("%s/out", dir);
    fx_restore(s, "model", "v1", out, 0);
    CHECK(fx_read(PATH("%s/model.bin", out), (char[8]){ 0 }, 8) == 8, "restored");
    snapshotter_close(s);
}

static void bad_options_and_requests_are_refused_by_name(void)
{
    const char *dir = fx_tempdir("gc-args");
    const char *root = KEEP_PATH("%s/root", dir);
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = root;
    snapshotter_gc_options gc = SNAPSHOTTER_GC_OPTIONS_INIT;
    opts.gc = &gc;
    gc.interval_seconds = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc.interval_seconds", snapshotter_open(&s, &opts, CHECK_ERR));
    gc = (snapshotter_gc_options)SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.low_watermark_percent = 95;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc.low_watermark_percent", snapshotter_open(&s, &opts, CHECK_ERR));
    gc = (snapshotter_gc_options)SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.flags = 0x80;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc.flags", snapshotter_open(&s, &opts, CHECK_ERR));
    gc.version = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_gc_options", snapshotter_open(&s, &opts, CHECK_ERR));
    CHECK(s == NULL, "a failed open wrote its output");

    s = fx_open(root, 0);
    snapshotter_gc_report report = SNAPSHOTTER_GC_REPORT_INIT;
    report.dry_run = 7;
    snapshotter_gc_request req = SNAPSHOTTER_GC_REQUEST_INIT;
    req.flags = 0x10;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "req.flags", snapshotter_gc(&report, s, &req, CHECK_ERR));
    CHECK(report.dry_run == 7 && report.evicted == NULL, "a failed gc wrote its report");
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "out", snapshotter_gc(NULL, s, NULL, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "handle", snapshotter_gc(&report, NULL, NULL, CHECK_ERR));
    report.version = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_gc_report", snapshotter_gc(&report, s, NULL, CHECK_ERR));
    snapshotter_verify_report verify = SNAPSHOTTER_VERIFY_REPORT_INIT;
    snapshotter_verify_request vreq = SNAPSHOTTER_VERIFY_REQUEST_INIT;
    vreq.version = 2;
    CHECK_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshotter_verify_request", snapshotter_verify(&verify, s, &vreq, CHECK_ERR));

    snapshotter_cancel *cancel = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_cancel_new(&cancel, CHECK_ERR));
    check_defer(fx_cancel_free, cancel);
    snapshotter_cancel_trigger(cancel);
    req = (snapshotter_gc_request)SNAPSHOTTER_GC_REQUEST_INIT;
    req.cancel = cancel;
    report.version = SNAPSHOTTER_GC_REPORT_VERSION;
    CHECK_CODE(SNAPSHOTTER_ERROR_CANCELLED, snapshotter_gc(&report, s, &req, CHECK_ERR));
    vreq = (snapshotter_verify_request)SNAPSHOTTER_VERIFY_REQUEST_INIT;
    vreq.cancel = cancel;
    CHECK_CODE(SNAPSHOTTER_ERROR_CANCELLED, snapshotter_verify(&verify, s, &vreq, CHECK_ERR));
    snapshotter_close(s);
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(dry_run_lists_what_the_collection_then_evicts),
        CHECK_TEST(verify_reports_and_repairs_a_modified_stored_file),
        CHECK_TEST(bad_options_and_requests_are_refused_by_name),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
