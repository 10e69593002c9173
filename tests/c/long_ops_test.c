/* Calls stopped half-way through a few hundred MiB: by a cancel token triggered on another thread, by
 * the progress callback, by snapshotter_close() on another thread. Afterwards nothing partial is
 * visible. Also the progress callback's promises: ordered, never concurrent, complete at the end.
 *
 * The stop must land mid-call whatever the machine's speed, so the progress callback (a library
 * thread) tells the test the work has started and then holds the call until the stop was issued
 * (or, for close, which waits for the call, long enough for it to be issued). */
#include "fixture.h"

#define BIG_FILES 8
#define BIG_FILE_BYTES (32ull * FX_MiB)
#define WAIT_SECONDS 30

static const char *big_dir;
static snapshotter_file big_files[BIG_FILES];

static void remove_big_dir(void)
{
    fx_rmtree(big_dir);
}

/* 256 MiB of incompressible files, written once for the whole binary. */
static const char *big_source(int read_only)
{
    static char names[BIG_FILES][16];
    if (big_dir == NULL) {
        const char *tmp = getenv("TMPDIR");
        static char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/snapshotter-test-big.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
        big_dir = dir;
        atexit(remove_big_dir);
        for (int i = 0; i < BIG_FILES; i++) {
            snprintf(names[i], sizeof names[i], "f%d.bin", i);
            fx_write_random(PATH("%s/%s", big_dir, names[i]), BIG_FILE_BYTES, (uint64_t)i + 100);
        }
    }
    for (int i = 0; i < BIG_FILES; i++) {
        big_files[i] = (snapshotter_file)FX_FILE(names[i], read_only ? SNAPSHOTTER_FILE_READ_ONLY : 0);
    }
    return big_dir;
}

/* What the progress callback saw and how it behaves. Written only by the callback while the call
 * runs; read by the test after it returned (or through the atomics while it runs). */
struct watch {
    atomic_int in_callback;
    atomic_int started;
    int concurrent, regressed, changed_totals, wrong_version, calls;
    snapshotter_progress first, last;
    /* Behaviour at the first report of unfinished work. */
    int answer;                        /* returned from then on */
    snapshotter_cancel *hold_until;    /* wait until this token is triggered */
    long hold_ms;                      /* or sleep this long */
};

static int on_progress(const snapshotter_progress *p, void *payload)
{
    struct watch *w = payload;
    if (atomic_exchange(&w->in_callback, 1) != 0) {
        w->concurrent = 1;
    }
    w->wrong_version |= p->version != SNAPSHOTTER_PROGRESS_VERSION;
    if (w->calls > 0) {
        w->regressed |= p->files_done < w->last.files_done || p->bytes_done < w->last.bytes_done;
        w->changed_totals |= p->files_total != w->first.files_total || p->bytes_total != w->first.bytes_total;
    } else {
        w->first = *p;
    }
    w->last = *p;
    w->calls++;
    int first_unfinished = p->bytes_done < p->bytes_total && atomic_load(&w->started) == 0;
    if (first_unfinished) {
        atomic_store(&w->started, 1);
        for (int i = 0; w->hold_until != NULL && !snapshotter_cancel_is_triggered(w->hold_until) &&
                        i < WAIT_SECONDS * 1000;
             i++) {
            fx_sleep_ms(1);
        }
        fx_sleep_ms(w->hold_ms);
    }
    atomic_store(&w->in_callback, 0);
    return atomic_load(&w->started) ? w->answer : 0;
}

static void wait_started(struct watch *w)
{
    for (int i = 0; !atomic_load(&w->started) && i < WAIT_SECONDS * 1000; i++) {
        fx_sleep_ms(1);
    }
    CHECK(atomic_load(&w->started), "no progress report of unfinished work within %d s", WAIT_SECONDS);
}

/* A snapshot or restore running on its own thread. */
struct call {
    snapshotter *s;
    snapshotter_snapshot_request snapshot;
    snapshotter_restore_request restore;
    int is_restore;
    snapshotter_code code;
    char message[1024];
    pthread_t thread;
};

static void *run_call(void *arg)
{
    struct call *c = arg;
    snapshotter_error *err = NULL;
    c->code = c->is_restore ? snapshotter_restore(NULL, c->s, &c->restore, &err)
                            : snapshotter_snapshot(NULL, c->s, &c->snapshot, &err);
    snprintf(c->message, sizeof c->message, "%s", snapshotter_error_message(err));
    snapshotter_error_free(err);
    return NULL;
}

static void start(struct call *c)
{
    CHECK(pthread_create(&c->thread, NULL, run_call, c) == 0, "pthread_create");
}

static void finish(struct call *c, snapshotter_code expected, const char *needle)
{
    CHECK_JOIN(c->thread);
    CHECK(c->code == expected && strstr(c->message, needle) != NULL, "expected %s naming \"%s\", got %s: \"%s\"",
          snapshotter_code_name(expected), needle, snapshotter_code_name(c->code), c->message);
}

/* After a stopped snapshot of big:v1: nothing of it is visible, nothing temporary is left, and the
 * name is free again. */
static void check_nothing_left(const char *root, snapshotter *s)
{
    snapshotter_restore_request r = fx_restore_request("big", "v1", NULL, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "big:v1", snapshotter_restore(NULL, s, &r, CHECK_ERR));
    CHECK(fx_count_temp_files(root) == 0, "a stopped snapshot left %d temporary files in the store",
          fx_count_temp_files(root));
    CHECK(fx_count_named(PATH("%s/storage/content/xxh3", root), "") == 0, "a stopped snapshot left content behind");
    CHECK(fx_count_named(PATH("%s/storage/snapshot/xxh3", root), "") == 0, "a stopped snapshot left links behind");
    fx_snapshot(s, "big", "v1", big_dir, big_files, BIG_FILES);
}

static void cancel_from_another_thread_mid_snapshot(void)
{
    const char *src = big_source(0);
    const char *root = KEEP_PATH("%s/root", fx_tempdir("cancel"));
    snapshotter *s = fx_open(root, 2);
    snapshotter_cancel *cancel = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_cancel_new(&cancel, CHECK_ERR));
    check_defer(fx_cancel_free, cancel);
    struct watch w = { .hold_until = cancel };
    struct call c = { .s = s, .snapshot = fx_snapshot_request("big", "v1", src, big_files, BIG_FILES) };
    c.snapshot.progress = on_progress, c.snapshot.progress_payload = &w, c.snapshot.cancel = cancel;

    start(&c);
    wait_started(&w);
    snapshotter_cancel_trigger(cancel);
    finish(&c, SNAPSHOTTER_ERROR_CANCELLED, "big:v1");
    CHECK(!w.concurrent, "progress callback ran concurrently");
    check_nothing_left(root, s);
    snapshotter_close(s);
}

static void progress_callback_cancels_mid_snapshot(void)
{
    const char *src = big_source(0);
    const char *root = KEEP_PATH("%s/root", fx_tempdir("progresscancel"));
    snapshotter *s = fx_open(root, 2);
    struct watch w = { .answer = 1 };
    snapshotter_snapshot_request req = fx_snapshot_request("big", "v1", src, big_files, BIG_FILES);
    req.progress = on_progress, req.progress_payload = &w;
    CHECK_FAILS(SNAPSHOTTER_ERROR_CANCELLED, "big:v1", snapshotter_snapshot(NULL, s, &req, CHECK_ERR));
    CHECK(atomic_load(&w.started), "the callback was never asked mid-way");
    check_nothing_left(root, s);
    snapshotter_close(s);
}

static void close_mid_snapshot_returns_closed(void)
{
    const char *src = big_source(0);
    const char *root = KEEP_PATH("%s/root", fx_tempdir("closesnapshot"));
    snapshotter *s = fx_open(root, 2);
    struct watch w = { .hold_ms = 300 };
    struct call c = { .s = s, .snapshot = fx_snapshot_request("big", "v1", src, big_files, BIG_FILES) };
    c.snapshot.progress = on_progress, c.snapshot.progress_payload = &w;

    start(&c);
    wait_started(&w);
    snapshotter_close(s);
    finish(&c, SNAPSHOTTER_ERROR_CLOSED, "big:v1");
    s = fx_open(root, 0);
    check_nothing_left(root, s);
    snapshotter_close(s);
}

static void close_mid_restore_returns_closed(void)
{
    const char *src = big_source(0);
    const char *dir = fx_tempdir("closerestore");
    const char *root = KEEP_PATH("%s/root", dir), *out = KEEP_PATH("%s/out", dir);
    snapshotter *s = fx_open(root, 2);
    fx_snapshot(s, "big", "v1", src, big_files, BIG_FILES);
    struct watch w = { .hold_ms = 300 };
    struct call c = { .s = s, .is_restore = 1, .restore = fx_restore_request("big", "v1", out, 0) };
    c.restore.progress = on_progress, c.restore.progress_payload = &w;

    start(&c);
    wait_started(&w);
    snapshotter_close(s);
    finish(&c, SNAPSHOTTER_ERROR_CLOSED, "big:v1");
    CHECK(fx_count_temp_files(out) == 0, "a closed restore left temporary files");
    for (int i = 0; i < BIG_FILES; i++) {
        struct fx_path restored = fx_pathf("%s/%s", out, big_files[i].relative_path);
        if (fx_exists(restored.s)) {
            fx_check_restored(PATH("%s/%s", src, big_files[i].relative_path), restored.s);
        }
    }
    s = fx_open(root, 0);
    fx_restore(s, "big", "v1", out, 0);
    snapshotter_close(s);
}

static void check_progress(const struct watch *w, const char *what)
{
    CHECK(w->calls >= 1, "%s: the callback was never called", what);
    CHECK(!w->concurrent, "%s: the callback ran concurrently with itself", what);
    CHECK(!w->regressed, "%s: files_done or bytes_done went backwards", what);
    CHECK(!w->wrong_version, "%s: snapshotter_progress.version is not SNAPSHOTTER_PROGRESS_VERSION", what);
    CHECK(!w->changed_totals, "%s: files_total or bytes_total changed during the call", what);
    CHECK(w->last.files_total == BIG_FILES && w->last.bytes_total == BIG_FILES * BIG_FILE_BYTES,
          "%s: totals %" PRIu64 " files, %" PRIu64 " bytes", what, w->last.files_total, w->last.bytes_total);
    CHECK(w->last.files_done == w->last.files_total && w->last.bytes_done == w->last.bytes_total,
          "%s: the last report says %" PRIu64 "/%" PRIu64 " files, %" PRIu64 "/%" PRIu64 " bytes", what,
          w->last.files_done, w->last.files_total, w->last.bytes_done, w->last.bytes_total);
}

static void progress_is_ordered_serial_and_complete(void)
{
    const char *src = big_source(1);
    const char *dir = fx_tempdir("progress");
    snapshotter *s = fx_open(PATH("%s/root", dir), 8);
    /* The first report of unfinished work sleeps: reports from other workers pile up meanwhile. */
    struct watch snap = { .hold_ms = 100 }, rest = { .hold_ms = 100 }, again = { 0 };
    snapshotter_snapshot_request req = fx_snapshot_request("big", "v1", src, big_files, BIG_FILES);
    req.progress = on_progress, req.progress_payload = &snap;
    for (int i = 0; i < BIG_FILES; i++) {
        big_files[i].flags = i % 2 ? SNAPSHOTTER_FILE_READ_ONLY : 0;
    }
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_snapshot(NULL, s, &req, CHECK_ERR));
    check_progress(&snap, "snapshot");

    snapshotter_restore_request r = fx_restore_request("big", "v1", PATH("%s/out", dir), 0);
    r.progress = on_progress, r.progress_payload = &rest;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(NULL, s, &r, CHECK_ERR));
    check_progress(&rest, "restore");
    /* Nothing left to write: the work is still reported as done. */
    r.progress_payload = &again;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(NULL, s, &r, CHECK_ERR));
    check_progress(&again, "restore of an up-to-date dir");
    snapshotter_close(s);
}

/* A restore without an output dir still has work (checking the store) and a completion to report. */
static void progress_reports_completion_without_output_dir(void)
{
    const char *src = big_source(0);
    snapshotter *s = fx_open(PATH("%s/root", fx_tempdir("progressnull")), 0);
    fx_snapshot(s, "big", "v1", src, big_files, BIG_FILES);
    struct watch w = { 0 };
    snapshotter_restore_request r = fx_restore_request("big", "v1", NULL, 0);
    r.progress = on_progress, r.progress_payload = &w;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(NULL, s, &r, CHECK_ERR));
    snapshotter_close(s);
    check_progress(&w, "restore without output dir");
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(cancel_from_another_thread_mid_snapshot),
        CHECK_TEST(progress_callback_cancels_mid_snapshot),
        CHECK_TEST(close_mid_snapshot_returns_closed),
        CHECK_TEST(close_mid_restore_returns_closed),
        CHECK_TEST(progress_is_ordered_serial_and_complete),
        CHECK_TEST(progress_reports_completion_without_output_dir),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
