/* Every export that takes a handle, given one that is freed, of another type, foreign (the caller's own
 * memory) or garbage (an address nothing is mapped at, a misaligned one): a clear INVALID_ARGUMENT
 * where the function returns a code, a neutral answer (0, NULL, nothing done) where it cannot, and
 * never a crash. The test runs them all in one process: a crash anywhere fails it. */
#include "check.h"
#include "fixture.h"

#include <stdint.h>

/* Pointers that are not live objects of the expected type; the freed and wrong-typed ones are added
 * per test. */
static unsigned char foreign_block[256];

static void *const garbage[] = {
    (void *)(uintptr_t)0x10,               /* the zero page: any read faults */
    (void *)(uintptr_t)0xdead0000beef0ull, /* unmapped, far from anything */
    (void *)(uintptr_t)0x7ffffffff001ull,  /* misaligned, at the top of user space */
    foreign_block,                          /* mapped, readable, but not the library's */
};
#define GARBAGE_COUNT (sizeof garbage / sizeof garbage[0])

static void close_handle(void *s)
{
    snapshotter_close(s);
}

struct store {
    snapshotter *s;
    const char *src;
};

/* A store holding app:v1 with one file. */
static struct store store_with_one_snapshot(void)
{
    struct store st;
    const char *dir = fx_tempdir("guard");
    st.src = KEEP_PATH("%s/src", dir);
    fx_mkdirs(st.src);
    fx_write_text(PATH("%s/a.txt", st.src), "hello\n", 0644);
    st.s = fx_open(PATH("%s/root", dir), 0);
    check_defer(close_handle, st.s);
    snapshotter_file file = FX_FILE("a.txt", 0);
    fx_snapshot(st.s, "app", "v1", st.src, &file, 1);
    return st;
}

/* Every call taking `snapshotter *s`, with valid outputs and requests: INVALID_ARGUMENT naming the handle. */
static void check_calls_refuse(snapshotter *bad, const char *src)
{
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_file file = FX_FILE("a.txt", 0);
    snapshotter_snapshot_request snap = fx_snapshot_request("app", "v2", src, &file, 1);
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_snapshot(&stats, bad, &snap, CHECK_ERR));
    snapshotter_restore_request restore = fx_restore_request("app", "v1", src, SNAPSHOTTER_RESTORE_OVERWRITE);
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_restore(&stats, bad, &restore, CHECK_ERR));
    snapshotter_snapshot_list *list = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_list(&list, bad, NULL, CHECK_ERR));
    snapshotter_inspect_request inspect = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    inspect.ref = "app:v1";
    snapshotter_inspection *inspection = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_inspect(&inspection, bad, &inspect, CHECK_ERR));
    snapshotter_delete_request del = SNAPSHOTTER_DELETE_REQUEST_INIT;
    del.ref = "app:v1";
    snapshotter_delete_stats deleted = SNAPSHOTTER_DELETE_STATS_INIT;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_delete(&deleted, bad, &del, CHECK_ERR));
    snapshotter_diff_request diff = SNAPSHOTTER_DIFF_REQUEST_INIT;
    diff.ref = "app:v1";
    diff.other_dir = src;
    snapshotter_diff_list *changes = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_diff(&changes, bad, &diff, CHECK_ERR));
    snapshotter_gc_report *report = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_gc(&report, bad, NULL, CHECK_ERR));
    snapshotter_verify_report *verified = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_verify(&verified, bad, NULL, CHECK_ERR));
    snapshotter_export_request exp = SNAPSHOTTER_EXPORT_REQUEST_INIT;
    exp.ref = "app:v1";
    exp.output_dir = PATH("%s/../export", src);
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_export(&stats, bad, &exp, CHECK_ERR));
    snapshotter_import_request imp = SNAPSHOTTER_IMPORT_REQUEST_INIT;
    imp.input_dir = PATH("%s/../export", src);
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_import(&stats, &inspection, bad, &imp, CHECK_ERR));
    snapshotter_lifecycle_request lifecycle = SNAPSHOTTER_LIFECYCLE_REQUEST_INIT;
    lifecycle.key = "active";
    snapshotter_mount_list *mounts = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_prepare(&mounts, bad, &lifecycle, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_view(&mounts, bad, &lifecycle, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_mounts(&mounts, bad, "active", CHECK_ERR));
    snapshotter_lifecycle_list *infos = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_stat(&infos, bad, "active", CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_walk(&infos, bad, NULL, CHECK_ERR));
    snapshotter_lifecycle_update_request update = SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_INIT;
    update.key = "active";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_update(&infos, bad, &update, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_remove(bad, "active", CHECK_ERR));
    snapshotter_lifecycle_commit_request commit = SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_INIT;
    commit.name = "committed";
    commit.key = "active";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_commit(&stats, bad, &commit, CHECK_ERR));
    snapshotter_usage usage = SNAPSHOTTER_USAGE_INIT;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter handle", snapshotter_lifecycle_usage(&usage, bad, "active", CHECK_ERR));
    CHECK(list == NULL && inspection == NULL && changes == NULL && report == NULL && verified == NULL &&
              mounts == NULL && infos == NULL && usage.bytes == 0 && usage.inodes == 0,
          "a refused call wrote an output");
    snapshotter_close(bad);
}

static void bad_snapshotter_handles(void)
{
    struct store st = store_with_one_snapshot();
    snapshotter *closed = fx_open(PATH("%s/../closed-root", st.src), 0);
    snapshotter_close(closed);
    snapshotter_cancel *cancel = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_cancel_new(&cancel, CHECK_ERR));
    check_defer(fx_cancel_free, cancel);

    check_calls_refuse(closed, st.src);
    check_calls_refuse((snapshotter *)cancel, st.src);
    for (size_t i = 0; i < GARBAGE_COUNT; i++) {
        check_calls_refuse(garbage[i], st.src);
    }
    snapshotter_close(closed);
    /* The handles the calls were refused beside still work. */
    CHECK(!snapshotter_cancel_is_triggered(cancel), "the cancel token changed");
    snapshotter_stats stats = fx_restore(st.s, "app", "v1", PATH("%s/../out", st.src), 0);
    CHECK(stats.files == 1, "restore after the refused calls restored %llu files", (unsigned long long)stats.files);
}

static void bad_cancel_tokens(void)
{
    struct store st = store_with_one_snapshot();
    snapshotter_cancel *freed = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_cancel_new(&freed, CHECK_ERR));
    snapshotter_cancel_free(freed);
    void *bad[GARBAGE_COUNT + 2];
    bad[0] = freed;
    bad[1] = st.s; /* a snapshotter is not a token */
    memcpy(bad + 2, garbage, sizeof garbage);
    for (size_t i = 0; i < GARBAGE_COUNT + 2; i++) {
        snapshotter_cancel_trigger(bad[i]);
        CHECK(snapshotter_cancel_is_triggered(bad[i]) == 0, "a bad token reads as triggered");
        snapshotter_restore_request req = fx_restore_request("app", "v1", PATH("%s/../out", st.src), 0);
        req.cancel = bad[i];
        snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
        CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "cancel", snapshotter_restore(&stats, st.s, &req, CHECK_ERR));
        snapshotter_cancel_free(bad[i]);
    }
    snapshotter_cancel_free(freed);
    /* The snapshotter handed in as a token was neither cancelled nor freed. */
    fx_restore(st.s, "app", "v1", PATH("%s/../out", st.src), 0);
}

static void bad_error_objects(void)
{
    snapshotter_error *freed = NULL;
    CHECK(snapshotter_cancel_new(NULL, &freed) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT && freed != NULL, "an error object");
    snapshotter_error_free(freed);
    void *bad[GARBAGE_COUNT + 1];
    bad[0] = freed;
    memcpy(bad + 1, garbage, sizeof garbage);
    for (size_t i = 0; i < GARBAGE_COUNT + 1; i++) {
        CHECK(snapshotter_error_code(bad[i]) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "code of a bad error object");
        CHECK(strstr(snapshotter_error_message(bad[i]), "not a live snapshotter_error") != NULL,
              "message of a bad error object: \"%s\"", snapshotter_error_message(bad[i]));
        snapshotter_error_free(bad[i]);
    }
}

static void bad_result_objects(void)
{
    struct store st = store_with_one_snapshot();
    /* All ten exist at once, so no freed one's address can be a live one's. */
    snapshotter_snapshot_list *list = NULL, *freed_list = NULL;
    snapshotter_inspection *inspection = NULL, *freed_inspection = NULL;
    snapshotter_diff_list *changes = NULL, *freed_changes = NULL;
    snapshotter_gc_report *collected = NULL, *freed_collected = NULL;
    snapshotter_verify_report *verified = NULL, *freed_verified = NULL;
    snapshotter_inspect_request inspect = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    inspect.ref = "app:v1";
    snapshotter_diff_request diff = SNAPSHOTTER_DIFF_REQUEST_INIT;
    diff.ref = "app:v1";
    diff.other_dir = st.src;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_list(&list, st.s, NULL, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_inspect(&inspection, st.s, &inspect, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_diff(&changes, st.s, &diff, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc(&collected, st.s, NULL, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&verified, st.s, NULL, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc(&freed_collected, st.s, NULL, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&freed_verified, st.s, NULL, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_list(&freed_list, st.s, NULL, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_inspect(&freed_inspection, st.s, &inspect, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_diff(&freed_changes, st.s, &diff, CHECK_ERR));
    snapshotter_snapshot_list_free(freed_list);
    snapshotter_inspection_free(freed_inspection);
    snapshotter_diff_list_free(freed_changes);
    snapshotter_gc_report_free(freed_collected);
    snapshotter_verify_report_free(freed_verified);

    /* Each accessor with everything but its own live type: the freed one, the other result types, a
     * snapshotter, garbage. */
    void *bad[GARBAGE_COUNT + 6];
    size_t n = 0;
    bad[n++] = freed_list;
    bad[n++] = freed_inspection;
    bad[n++] = freed_changes;
    bad[n++] = freed_collected;
    bad[n++] = freed_verified;
    bad[n++] = st.s;
    memcpy(bad + n, garbage, sizeof garbage);
    n += GARBAGE_COUNT;
    for (size_t i = 0; i < n; i++) {
        CHECK(snapshotter_snapshot_list_count(bad[i]) == 0 && snapshotter_snapshot_list_get(bad[i], 0) == NULL,
              "snapshot list accessors on bad pointer %zu", i);
        CHECK(snapshotter_inspection_snapshot(bad[i]) == NULL && snapshotter_inspection_file_count(bad[i]) == 0 &&
                  snapshotter_inspection_file_get(bad[i], 0) == NULL,
              "inspection accessors on bad pointer %zu", i);
        CHECK(snapshotter_diff_list_count(bad[i]) == 0 && snapshotter_diff_list_get(bad[i], 0) == NULL,
              "diff list accessors on bad pointer %zu", i);
        CHECK(snapshotter_gc_report_summary(bad[i]) == NULL && snapshotter_gc_report_evicted_count(bad[i]) == 0 &&
                  snapshotter_gc_report_evicted_get(bad[i], 0) == NULL,
              "gc report accessors on bad pointer %zu", i);
        CHECK(snapshotter_verify_report_summary(bad[i]) == NULL &&
                  snapshotter_verify_report_problem_count(bad[i]) == 0 &&
                  snapshotter_verify_report_problem_get(bad[i], 0) == NULL,
              "verify report accessors on bad pointer %zu", i);
    }
    /* Wrong types across the three result objects. */
    CHECK(snapshotter_snapshot_list_count((snapshotter_snapshot_list *)inspection) == 0, "inspection as a list");
    CHECK(snapshotter_diff_list_count((snapshotter_diff_list *)list) == 0, "snapshot list as a diff list");
    CHECK(snapshotter_inspection_file_count((snapshotter_inspection *)changes) == 0, "diff list as an inspection");
    CHECK(snapshotter_gc_report_summary((snapshotter_gc_report *)verified) == NULL, "verify report as a gc report");
    CHECK(snapshotter_verify_report_summary((snapshotter_verify_report *)collected) == NULL,
          "gc report as a verify report");
    CHECK(snapshotter_inspection_snapshot((snapshotter_inspection *)collected) == NULL, "gc report as an inspection");
    /* Freeing anything but a live object of the type is ignored: nothing live is freed by mistake. */
    for (size_t i = 0; i < n; i++) {
        snapshotter_snapshot_list_free(bad[i]);
        snapshotter_inspection_free(bad[i]);
        snapshotter_diff_list_free(bad[i]);
        snapshotter_gc_report_free(bad[i]);
        snapshotter_verify_report_free(bad[i]);
    }
    snapshotter_snapshot_list_free((snapshotter_snapshot_list *)inspection);
    snapshotter_inspection_free((snapshotter_inspection *)changes);
    snapshotter_diff_list_free((snapshotter_diff_list *)list);
    snapshotter_gc_report_free((snapshotter_gc_report *)verified);
    snapshotter_verify_report_free((snapshotter_verify_report *)collected);
    CHECK(snapshotter_snapshot_list_count(list) == 1 && snapshotter_inspection_file_count(inspection) == 1 &&
              snapshotter_gc_report_summary(collected) != NULL && snapshotter_verify_report_summary(verified) != NULL,
          "a live result object was freed through a bad call");
    const snapshotter_snapshot_info *info = snapshotter_snapshot_list_get(list, 0);
    CHECK(info != NULL && strcmp(info->name, "app") == 0, "the live list still reads");
    snapshotter_snapshot_list_free(list);
    snapshotter_inspection_free(inspection);
    snapshotter_diff_list_free(changes);
    snapshotter_gc_report_free(collected);
    snapshotter_verify_report_free(verified);
    /* Freed twice: the second is ignored. */
    snapshotter_snapshot_list_free(list);
    snapshotter_inspection_free(inspection);
    snapshotter_diff_list_free(changes);
    snapshotter_gc_report_free(collected);
    snapshotter_verify_report_free(verified);
}

/* The lifecycle's result objects, as bad_result_objects checks the others. */
static void bad_lifecycle_results(void)
{
    struct store st = store_with_one_snapshot();
    snapshotter_lifecycle_request req = SNAPSHOTTER_LIFECYCLE_REQUEST_INIT;
    req.key = "active";
    snapshotter_mount_list *mounts = NULL, *freed_mounts = NULL;
    snapshotter_lifecycle_list *infos = NULL, *freed_infos = NULL;
    snapshotter_diff_list *changes = NULL;
    snapshotter_diff_request diff = SNAPSHOTTER_DIFF_REQUEST_INIT;
    diff.ref = "app:v1";
    diff.other_dir = st.src;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_prepare(&mounts, st.s, &req, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_mounts(&freed_mounts, st.s, "active", CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_walk(&infos, st.s, NULL, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_stat(&freed_infos, st.s, "active", CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_diff(&changes, st.s, &diff, CHECK_ERR));
    snapshotter_mount_list_free(freed_mounts);
    snapshotter_lifecycle_list_free(freed_infos);

    void *bad[GARBAGE_COUNT + 4];
    size_t n = 0;
    bad[n++] = freed_mounts;
    bad[n++] = freed_infos;
    bad[n++] = changes;
    bad[n++] = st.s;
    memcpy(bad + n, garbage, sizeof garbage);
    n += GARBAGE_COUNT;
    for (size_t i = 0; i < n; i++) {
        CHECK(snapshotter_mount_list_count(bad[i]) == 0 && snapshotter_mount_list_get(bad[i], 0) == NULL,
              "mount list accessors on bad pointer %zu", i);
        CHECK(snapshotter_lifecycle_list_count(bad[i]) == 0 && snapshotter_lifecycle_list_get(bad[i], 0) == NULL,
              "lifecycle list accessors on bad pointer %zu", i);
    }
    CHECK(snapshotter_mount_list_count((snapshotter_mount_list *)infos) == 0, "lifecycle list as a mount list");
    CHECK(snapshotter_lifecycle_list_count((snapshotter_lifecycle_list *)mounts) == 0, "mount list as a lifecycle list");
    for (size_t i = 0; i < n; i++) {
        snapshotter_mount_list_free(bad[i]);
        snapshotter_lifecycle_list_free(bad[i]);
    }
    snapshotter_mount_list_free((snapshotter_mount_list *)infos);
    snapshotter_lifecycle_list_free((snapshotter_lifecycle_list *)mounts);
    CHECK(snapshotter_mount_list_count(mounts) == 1 && snapshotter_lifecycle_list_count(infos) == 1 &&
              snapshotter_diff_list_count(changes) == 0,
          "a live result object was freed through a bad call");
    const snapshotter_mount *mount = snapshotter_mount_list_get(mounts, 0);
    CHECK(mount != NULL && strcmp(mount->type, "bind") == 0 && mount->option_count == 2 &&
              strcmp(mount->options[0], "rw") == 0 && strcmp(mount->options[1], "rbind") == 0,
          "the live mount list still reads");
    const snapshotter_lifecycle_info *info = snapshotter_lifecycle_list_get(infos, 0);
    CHECK(info != NULL && strcmp(info->key, "active") == 0 && info->kind == SNAPSHOTTER_LIFECYCLE_ACTIVE &&
              info->parent == NULL,
          "the live lifecycle list still reads");
    snapshotter_mount_list_free(mounts);
    snapshotter_lifecycle_list_free(infos);
    snapshotter_diff_list_free(changes);
    snapshotter_mount_list_free(mounts);
    snapshotter_lifecycle_list_free(infos);
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(bad_snapshotter_handles),
        CHECK_TEST(bad_cancel_tokens),
        CHECK_TEST(bad_error_objects),
        CHECK_TEST(bad_result_objects),
        CHECK_TEST(bad_lifecycle_results),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
