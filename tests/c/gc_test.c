/* snapshotter_gc and snapshotter_verify through the C ABI: reports and their accessors, options (0 means
 * default) and their validation, repair, cancellation. The collection logic itself is tested in tests/Core.Tests/Gc. */
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

static const snapshotter_file one_file[] = { FX_FILE("data.bin", 0) };

static void snapshot_version(snapshotter *s, const char *src, const char *version, uint64_t seed)
{
    fx_write_random(PATH("%s/data.bin", src), 100000, seed);
    fx_snapshot(s, "app", version, src, one_file, 1);
}

/* A store under tag that keeps the last version of each name only, with app:v1..v<versions> in it. */
static snapshotter *open_keeping_last(const char *tag, int versions)
{
    const char *dir = fx_tempdir(tag);
    const char *root = KEEP_PATH("%s/root", dir), *src = KEEP_PATH("%s/src", dir);
    snapshotter_gc_options gc = SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.flags = SNAPSHOTTER_GC_NO_BACKGROUND | SNAPSHOTTER_GC_NO_DISK_EVICTION | SNAPSHOTTER_GC_NO_MIN_RETENTION;
    gc.keep_last = 1;
    snapshotter *s = open_with(root, &gc);
    for (int i = 1; i <= versions; i++) {
        snapshot_version(s, src, PATH("v%d", i), (uint64_t)i);
    }
    return s;
}

static snapshotter_gc_report *dry_run(snapshotter *s)
{
    snapshotter_gc_request dry = SNAPSHOTTER_GC_REQUEST_INIT;
    dry.flags = SNAPSHOTTER_GC_DRY_RUN;
    snapshotter_gc_report *plan = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc(&plan, s, &dry, CHECK_ERR));
    return plan;
}

static void dry_run_lists_what_the_collection_then_evicts(void)
{
    snapshotter *s = open_keeping_last("gc", 3);
    snapshotter_gc_report *plan = dry_run(s);
    const snapshotter_gc_summary *planned = snapshotter_gc_report_summary(plan);
    CHECK(planned->version == SNAPSHOTTER_GC_SUMMARY_VERSION, "summary version %u", planned->version);
    CHECK(planned->dry_run == 1 && snapshotter_gc_report_evicted_count(plan) == 2, "dry run: %zu evicted",
          snapshotter_gc_report_evicted_count(plan));
    const snapshotter_gc_evicted *first = snapshotter_gc_report_evicted_get(plan, 0);
    const snapshotter_gc_evicted *second = snapshotter_gc_report_evicted_get(plan, 1);
    CHECK(first->version == SNAPSHOTTER_GC_EVICTED_VERSION && second->version == SNAPSHOTTER_GC_EVICTED_VERSION,
          "evicted entries carry their version");
    CHECK(strcmp(first->name, "app") == 0 && strcmp(first->snapshot_version, "v1") == 0 &&
              strcmp(second->snapshot_version, "v2") == 0,
          "least recently used first: %s, %s", first->snapshot_version, second->snapshot_version);
    CHECK(first->reason == SNAPSHOTTER_GC_REASON_KEEP_LAST && first->content_removed == 1 && first->bytes_freed > 100000 &&
              first->last_used_ns > 0,
          "evicted entry fields");
    CHECK(planned->content_removed == 2 && planned->content_bytes_freed == first->bytes_freed + second->bytes_freed,
          "totals");
    CHECK(planned->disk_total_bytes > 0 && planned->disk_used_bytes > 0 && planned->store_bytes > 300000,
          "usage at the start");
    fx_restore(s, "app", "v1", NULL, 0);

    snapshotter_gc_report *done = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc(&done, s, NULL, CHECK_ERR));
    CHECK(snapshotter_gc_report_summary(done)->dry_run == 0 && snapshotter_gc_report_evicted_count(done) == 2 &&
              strcmp(snapshotter_gc_report_evicted_get(done, 0)->snapshot_version, "v2") == 0 &&
              strcmp(snapshotter_gc_report_evicted_get(done, 1)->snapshot_version, "v1") == 0,
          "v1 was used since the plan, so v2 is now the least recently used (%zu evicted)",
          snapshotter_gc_report_evicted_count(done));
    snapshotter_gc_report_free(plan);
    snapshotter_gc_report_free(done);

    snapshotter_restore_request gone = fx_restore_request("app", "v2", NULL, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "app:v2", snapshotter_restore(NULL, s, &gone, CHECK_ERR));
    fx_restore(s, "app", "v3", NULL, 0);
    snapshotter_verify_report *clean = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&clean, s, NULL, CHECK_ERR));
    const snapshotter_verify_summary *checked = snapshotter_verify_report_summary(clean);
    CHECK(checked->version == SNAPSHOTTER_VERIFY_SUMMARY_VERSION && snapshotter_verify_report_problem_count(clean) == 0 &&
              snapshotter_verify_report_problem_get(clean, 0) == NULL && checked->problems_unrepaired == 0 &&
              checked->snapshots_checked == 1 && checked->content_checked == 1,
          "verify after collection: %zu problems, %" PRIu64 " snapshots", snapshotter_verify_report_problem_count(clean),
          checked->snapshots_checked);
    snapshotter_verify_report_free(clean);
    snapshotter_close(s);
}

/* A report's *_get() answers NULL for an index past the end, never reading beyond the report (NULL reports:
 * header_test). */
static void report_accessors_refuse_what_is_not_there(void)
{
    snapshotter *s = open_keeping_last("gc-index", 2);
    snapshotter_gc_report *report = dry_run(s);
    CHECK(snapshotter_gc_report_evicted_count(report) == 1, "one to evict");
    CHECK(snapshotter_gc_report_evicted_get(report, 0) != NULL, "index 0");
    CHECK(snapshotter_gc_report_evicted_get(report, 1) == NULL, "index == count is out of range");
    CHECK(snapshotter_gc_report_evicted_get(report, SIZE_MAX) == NULL, "index SIZE_MAX is out of range");
    snapshotter_gc_report_free(report);

    snapshotter_verify_report *verify = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&verify, s, NULL, CHECK_ERR));
    size_t problems = snapshotter_verify_report_problem_count(verify);
    CHECK(snapshotter_verify_report_problem_get(verify, problems) == NULL, "index == count is out of range");
    CHECK(snapshotter_verify_report_problem_get(verify, SIZE_MAX) == NULL, "index SIZE_MAX is out of range");
    snapshotter_verify_report_free(verify);
    snapshotter_close(s);
}

static void verify_reports_and_repairs_a_modified_stored_file(void)
{
    const char *dir = fx_tempdir("verify");
    const char *root = KEEP_PATH("%s/root", dir), *src = KEEP_PATH("%s/src", dir);
    snapshotter *s = fx_open(root, 0);
    fx_write_random(PATH("%s/model.bin", src), 300000, 9);
    const snapshotter_file files[] = { FX_FILE("model.bin", SNAPSHOTTER_FILE_READ_ONLY) };
    fx_snapshot(s, "model", "v1", src, files, 1);
    /* The stored inode is the source's own: writing to the "read-only" source changes the store. */
    fx_pwrite(PATH("%s/model.bin", src), "X", 1, 5, 0644);

    snapshotter_verify_report *found = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&found, s, NULL, CHECK_ERR));
    const snapshotter_verify_problem *problem = snapshotter_verify_report_problem_get(found, 0);
    CHECK(snapshotter_verify_report_problem_count(found) == 1 && problem->version == SNAPSHOTTER_VERIFY_PROBLEM_VERSION &&
              problem->kind == SNAPSHOTTER_PROBLEM_CORRUPT_SNAPSHOT_FILE && problem->repaired == 0 &&
              strncmp(problem->subject, "xxh3:", 5) == 0 && strstr(problem->message, "modified") != NULL &&
              snapshotter_verify_report_summary(found)->problems_unrepaired == 1,
          "verify found %zu problems", snapshotter_verify_report_problem_count(found));
    snapshotter_verify_report_free(found);

    snapshotter_verify_request repair = SNAPSHOTTER_VERIFY_REQUEST_INIT;
    repair.flags = SNAPSHOTTER_VERIFY_REPAIR;
    snapshotter_verify_report *repaired = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&repaired, s, &repair, CHECK_ERR));
    CHECK(snapshotter_verify_report_problem_count(repaired) == 2 &&
              snapshotter_verify_report_summary(repaired)->problems_unrepaired == 0,
          "repair: %zu problems, %" PRIu64 " left", snapshotter_verify_report_problem_count(repaired),
          snapshotter_verify_report_summary(repaired)->problems_unrepaired);
    snapshotter_verify_report_free(repaired);
    const char *out = KEEP_PATH("%s/out", dir);
    fx_restore(s, "model", "v1", out, 0);
    CHECK(fx_read(PATH("%s/model.bin", out), (char[8]){ 0 }, 8) == 8, "restored");
    snapshotter_close(s);
}

/* A zero snapshotter_gc_options is the defaults: a handle opens with it, and a snapshot used a moment ago
 * is kept (the default minimum retention) where SNAPSHOTTER_GC_NO_MIN_RETENTION lets it go. */
static void zero_gc_options_are_the_defaults(void)
{
    const char *dir = fx_tempdir("gc-zero");
    const char *src = KEEP_PATH("%s/src", dir);
    snapshotter_gc_options gc;
    memset(&gc, 0, sizeof gc);
    gc.version = SNAPSHOTTER_GC_OPTIONS_VERSION;
    gc.keep_last = 1;
    snapshotter *s = open_with(KEEP_PATH("%s/zero", dir), &gc);
    snapshot_version(s, src, "v1", 1);
    snapshot_version(s, src, "v2", 2);
    snapshotter_gc_report *kept = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc(&kept, s, NULL, CHECK_ERR));
    CHECK(snapshotter_gc_report_evicted_count(kept) == 0,
          "the default retention of 300 s keeps v1 (%zu evicted)", snapshotter_gc_report_evicted_count(kept));
    snapshotter_gc_report_free(kept);
    snapshotter_close(s);

    /* Disk eviction off too: on a nearly full disk it would evict v2 as well. */
    gc.flags = SNAPSHOTTER_GC_NO_MIN_RETENTION | SNAPSHOTTER_GC_NO_DISK_EVICTION;
    s = open_with(KEEP_PATH("%s/none", dir), &gc);
    snapshot_version(s, src, "v1", 1);
    snapshot_version(s, src, "v2", 2);
    snapshotter_gc_report *evicted = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc(&evicted, s, NULL, CHECK_ERR));
    CHECK(snapshotter_gc_report_evicted_count(evicted) == 1 &&
              strcmp(snapshotter_gc_report_evicted_get(evicted, 0)->snapshot_version, "v1") == 0,
          "without retention v1 goes (%zu evicted)", snapshotter_gc_report_evicted_count(evicted));
    snapshotter_gc_report_free(evicted);
    snapshotter_close(s);

    /* A high watermark alone brings the low one down with it, rather than being refused for the default 70. */
    memset(&gc, 0, sizeof gc);
    gc.version = SNAPSHOTTER_GC_OPTIONS_VERSION;
    gc.high_watermark_percent = 50;
    snapshotter_close(open_with(KEEP_PATH("%s/high", dir), &gc));
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
    gc.interval_seconds = 10000000001ull;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc.interval_seconds", snapshotter_open(&s, &opts, CHECK_ERR));
    gc = (snapshotter_gc_options)SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.low_watermark_percent = 95;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc.low_watermark_percent", snapshotter_open(&s, &opts, CHECK_ERR));
    gc = (snapshotter_gc_options)SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.high_watermark_percent = 101;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc.high_watermark_percent", snapshotter_open(&s, &opts, CHECK_ERR));
    gc = (snapshotter_gc_options)SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.flags = 0x80;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc.flags", snapshotter_open(&s, &opts, CHECK_ERR));
    gc.version = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_gc_options", snapshotter_open(&s, &opts, CHECK_ERR));
    gc.version = SNAPSHOTTER_GC_OPTIONS_VERSION + 1;
    CHECK_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshotter_gc_options", snapshotter_open(&s, &opts, CHECK_ERR));
    CHECK(s == NULL, "a failed open wrote its output");

    s = fx_open(root, 0);
    snapshotter_gc_request req = SNAPSHOTTER_GC_REQUEST_INIT;
    /* Any address: a failed call must leave *out as it was. */
    snapshotter_gc_report *const untouched = (snapshotter_gc_report *)&req;
    snapshotter_gc_report *report = untouched;
    req.flags = 0x10;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "req.flags", snapshotter_gc(&report, s, &req, CHECK_ERR));
    CHECK(report == untouched, "a failed gc wrote its output");
    req.flags = 0;
    req.version = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_gc_request.version is 0",
                snapshotter_gc(&report, s, &req, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "out", snapshotter_gc(NULL, s, NULL, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "handle", snapshotter_gc(&report, NULL, NULL, CHECK_ERR));
    snapshotter_verify_report *verify = NULL;
    snapshotter_verify_request vreq = SNAPSHOTTER_VERIFY_REQUEST_INIT;
    vreq.version = SNAPSHOTTER_VERIFY_REQUEST_VERSION + 1;
    CHECK_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshotter_verify_request", snapshotter_verify(&verify, s, &vreq, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "out", snapshotter_verify(NULL, s, NULL, CHECK_ERR));
    CHECK(verify == NULL, "a failed verify wrote its output");

    snapshotter_cancel *cancel = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_cancel_new(&cancel, CHECK_ERR));
    check_defer(fx_cancel_free, cancel);
    snapshotter_cancel_trigger(cancel);
    req = (snapshotter_gc_request)SNAPSHOTTER_GC_REQUEST_INIT;
    req.cancel = cancel;
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
        CHECK_TEST(report_accessors_refuse_what_is_not_there),
        CHECK_TEST(verify_reports_and_repairs_a_modified_stored_file),
        CHECK_TEST(zero_gc_options_are_the_defaults),
        CHECK_TEST(bad_options_and_requests_are_refused_by_name),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
