/* Listing, inspecting and deleting snapshots through the ABI, references ("name:version",
 * "name@latest", "name@<RFC 3339 time>") in every call that takes one, the result objects'
 * accessors, and the errors of each call. */
#include "fixture.h"

struct env {
    const char *dir, *src, *root;
    snapshotter *s;
};

static const snapshotter_file v1_files[] = { FX_FILE("shared.txt", SNAPSHOTTER_FILE_READ_ONLY), FX_FILE("one.bin", 0) };
static const snapshotter_file v2_files[] = { FX_FILE("shared.txt", SNAPSHOTTER_FILE_READ_ONLY), FX_FILE("two.bin", 0) };

static void close_handle(void *s)
{
    snapshotter_close(s);
}

/* app:v1 and app:v2 share shared.txt; other:v1 holds one.bin only. Made in this order. */
static struct env setup(const char *tag)
{
    struct env e;
    e.dir = fx_tempdir(tag);
    e.src = KEEP_PATH("%s/src", e.dir);
    e.root = KEEP_PATH("%s/root", e.dir);
    fx_write_text(PATH("%s/shared.txt", e.src), "shared by both versions\n", 0444);
    fx_write_random(PATH("%s/one.bin", e.src), 100000, 1);
    fx_write_random(PATH("%s/two.bin", e.src), 200000, 2);
    CHECK(chmod(PATH("%s/one.bin", e.src), 0640) == 0, "chmod");
    fx_set_mtime(PATH("%s/one.bin", e.src), 1700000000, 123456789);
    e.s = fx_open(e.root, 0);
    check_defer(close_handle, e.s);
    fx_snapshot(e.s, "app", "v1", e.src, v1_files, 2);
    fx_snapshot(e.s, "app", "v2", e.src, v2_files, 2);
    fx_snapshot(e.s, "other", "v1", e.src, v1_files + 1, 1);
    return e;
}

static void free_list(void *list)
{
    snapshotter_snapshot_list_free(list);
}

static void free_inspection(void *inspection)
{
    snapshotter_inspection_free(inspection);
}

static snapshotter_snapshot_list *list(snapshotter *s, const char *name)
{
    snapshotter_list_request req = SNAPSHOTTER_LIST_REQUEST_INIT;
    snapshotter_snapshot_list *out = NULL;
    req.name = name;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_list(&out, s, &req, CHECK_ERR));
    CHECK(out != NULL, "list returned OK without a list");
    check_defer(free_list, out);
    return out;
}

static snapshotter_inspection *inspect(snapshotter *s, const char *ref)
{
    snapshotter_inspect_request req = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    snapshotter_inspection *out = NULL;
    req.ref = ref;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_inspect(&out, s, &req, CHECK_ERR));
    CHECK(out != NULL, "inspect returned OK without an inspection");
    check_defer(free_inspection, out);
    return out;
}

/* "name@<t>" with t as RFC 3339 UTC, to the nanosecond. */
static const char *at_time(const char *name, int64_t unix_ns)
{
    time_t seconds = (time_t)(unix_ns / 1000000000);
    long nanos = (long)(unix_ns % 1000000000);
    if (nanos < 0) {
        seconds--, nanos += 1000000000;
    }
    struct tm tm;
    char date[32];
    CHECK(gmtime_r(&seconds, &tm) != NULL, "gmtime");
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    return KEEP_PATH("%s@%s.%09ldZ", name, date, nanos);
}

static const char *inspected_version(snapshotter *s, const char *ref)
{
    return KEEP_PATH("%s", snapshotter_inspection_snapshot(inspect(s, ref))->snapshot_version);
}

static void list_shows_local_snapshots_ordered_with_sizes(void)
{
    struct env e = setup("list");
    snapshotter_snapshot_list *all = list(e.s, NULL);
    CHECK(snapshotter_snapshot_list_count(all) == 3, "%zu snapshots", snapshotter_snapshot_list_count(all));
    const char *expected[][2] = { { "app", "v1" }, { "app", "v2" }, { "other", "v1" } };
    for (size_t i = 0; i < 3; i++) {
        const snapshotter_snapshot_info *info = snapshotter_snapshot_list_get(all, i);
        CHECK(info != NULL && strcmp(info->name, expected[i][0]) == 0 &&
                  strcmp(info->snapshot_version, expected[i][1]) == 0,
              "entry %zu is %s:%s", i, info ? info->name : "(null)", info ? info->snapshot_version : "");
        CHECK(info->created_ns > 1700000000000000000 && info->last_used_ns >= info->created_ns, "entry %zu times", i);
        CHECK(info->flags == SNAPSHOTTER_SNAPSHOT_LOCAL, "entry %zu flags 0x%x", i, info->flags);
    }
    CHECK(snapshotter_snapshot_list_get(all, 3) == NULL && snapshotter_snapshot_list_get(all, (size_t)-1) == NULL,
          "out-of-range get is NULL");
    const snapshotter_snapshot_info *v1 = snapshotter_snapshot_list_get(all, 0);
    const snapshotter_snapshot_info *other = snapshotter_snapshot_list_get(all, 2);
    CHECK(v1->files == 2 && v1->bytes == 100000 + 24, "app:v1: %" PRIu64 " files, %" PRIu64 " bytes", v1->files,
          v1->bytes);
    CHECK(v1->stored_bytes == (20 + 16 + 100000) + (20 + 16 + 24), "app:v1 stored %" PRIu64 " bytes",
          v1->stored_bytes);
    CHECK(other->files == 1 && other->stored_bytes == 20 + 16 + 100000, "other:v1 stored %" PRIu64,
          other->stored_bytes);

    snapshotter_snapshot_list *app = list(e.s, "app");
    CHECK(snapshotter_snapshot_list_count(app) == 2, "list of app: %zu", snapshotter_snapshot_list_count(app));
    CHECK(snapshotter_snapshot_list_count(list(e.s, "unknown")) == 0, "list of an unknown name is empty");

    snapshotter_snapshot_list *everything = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_list(&everything, e.s, NULL, CHECK_ERR));
    check_defer(free_list, everything);
    CHECK(snapshotter_snapshot_list_count(everything) == 3, "a NULL request lists everything");
}

static void inspect_shows_every_file_and_where_its_content_is(void)
{
    struct env e = setup("inspect");
    snapshotter_inspection *insp = inspect(e.s, "app:v1");
    const snapshotter_snapshot_info *snap = snapshotter_inspection_snapshot(insp);
    CHECK(strcmp(snap->name, "app") == 0 && strcmp(snap->snapshot_version, "v1") == 0 && snap->files == 2,
          "inspected %s:%s", snap->name, snap->snapshot_version);
    CHECK(snapshotter_inspection_file_count(insp) == 2, "%zu files", snapshotter_inspection_file_count(insp));
    CHECK(snapshotter_inspection_file_get(insp, 2) == NULL, "out-of-range file is NULL");
    const snapshotter_file_info *one = snapshotter_inspection_file_get(insp, 0);
    const snapshotter_file_info *shared = snapshotter_inspection_file_get(insp, 1);
    char hex[17];
    fx_digest_hex(PATH("%s/one.bin", e.src), e.dir, hex);
    CHECK(strcmp(one->relative_path, "one.bin") == 0 && strncmp(one->digest, "xxh3:", 5) == 0 &&
              strcmp(one->digest + 5, hex) == 0,
          "one.bin: %s %s (xxhsum: %s)", one->relative_path, one->digest, hex);
    CHECK(one->size == 100000 && one->mode == 0640 && one->mtime_ns == 1700000000123456789 &&
              one->uid == getuid() && one->gid == getgid(),
          "one.bin: size %" PRIu64 " mode %o mtime %" PRId64, one->size, one->mode, one->mtime_ns);
    CHECK(one->flags == SNAPSHOTTER_FILE_CONTENT_LOCAL, "one.bin flags 0x%x", one->flags);
    CHECK(strcmp(shared->relative_path, "shared.txt") == 0 && shared->mode == 0444 &&
              shared->flags == (SNAPSHOTTER_FILE_READ_ONLY | SNAPSHOTTER_FILE_CONTENT_LOCAL),
          "shared.txt: flags 0x%x mode %o", shared->flags, shared->mode);

    snapshotter_inspect_request req = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    snapshotter_inspection *by_name = NULL;
    req.name = "app", req.snapshot_version = "v1";
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_inspect(&by_name, e.s, &req, CHECK_ERR));
    check_defer(free_inspection, by_name);
    CHECK(strcmp(snapshotter_inspection_file_get(by_name, 0)->digest, one->digest) == 0, "by name and version");

    CHECK(unlink(PATH("%s/storage/content/xxh3/%s", e.root, hex)) == 0, "remove one.bin's content");
    CHECK(snapshotter_inspection_file_get(inspect(e.s, "app:v1"), 0)->flags == 0,
          "CONTENT_LOCAL is cleared when the content object is gone");
}

static void delete_frees_unshared_content_and_keeps_the_rest_restorable(void)
{
    struct env e = setup("delete");
    char one[17], two[17], shared[17];
    fx_digest_hex(PATH("%s/one.bin", e.src), e.dir, one);
    fx_digest_hex(PATH("%s/two.bin", e.src), e.dir, two);
    fx_digest_hex(PATH("%s/shared.txt", e.src), e.dir, shared);

    snapshotter_delete_request req = SNAPSHOTTER_DELETE_REQUEST_INIT;
    snapshotter_delete_stats stats = SNAPSHOTTER_DELETE_STATS_INIT;
    req.ref = "app:v2";
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_delete(&stats, e.s, &req, CHECK_ERR));
    CHECK(stats.files == 2 && stats.content_freed == 1 && stats.bytes_freed == 20 + 16 + 200000,
          "delete stats: %" PRIu64 " files, %" PRIu64 " freed, %" PRIu64 " bytes", stats.files, stats.content_freed,
          stats.bytes_freed);
    CHECK(!fx_exists(PATH("%s/storage/content/xxh3/%s", e.root, two)), "two.bin's content is gone");
    CHECK(fx_exists(PATH("%s/storage/content/xxh3/%s", e.root, shared)) &&
              fx_exists(PATH("%s/storage/snapshot/xxh3/%s", e.root, shared)),
          "shared.txt's content and stored inode stay for app:v1");
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "app:v2", snapshotter_delete(&stats, e.s, &req, CHECK_ERR));

    req.ref = NULL, req.name = "app", req.snapshot_version = "v1";
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_delete(NULL, e.s, &req, CHECK_ERR));
    CHECK(!fx_exists(PATH("%s/storage/snapshot/xxh3/%s", e.root, shared)), "the last user took the stored inode");
    CHECK(fx_exists(PATH("%s/storage/content/xxh3/%s", e.root, one)), "one.bin's content stays for other:v1");
    CHECK(fx_stat(PATH("%s/shared.txt", e.src)).st_nlink == 1, "the source is no longer linked into the store");

    const char *out = KEEP_PATH("%s/out", e.dir);
    snapshotter_restore_request restore = fx_restore_request(NULL, NULL, out, 0);
    restore.ref = "other@latest";
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(NULL, e.s, &restore, CHECK_ERR));
    fx_check_restored(PATH("%s/one.bin", e.src), PATH("%s/one.bin", out));
    CHECK(snapshotter_snapshot_list_count(list(e.s, NULL)) == 1, "one snapshot is left");
}

static void references_pick_versions_by_creation_time(void)
{
    struct env e = setup("refs");
    snapshotter_snapshot_list *app = list(e.s, "app");
    int64_t v1 = snapshotter_snapshot_list_get(app, 0)->created_ns;
    int64_t v2 = snapshotter_snapshot_list_get(app, 1)->created_ns;
    CHECK(v1 < v2, "app:v1 was created before app:v2");

    CHECK(strcmp(inspected_version(e.s, "app@latest"), "v2") == 0, "app@latest");
    CHECK(strcmp(inspected_version(e.s, at_time("app", v1)), "v1") == 0, "exactly at v1's creation");
    CHECK(strcmp(inspected_version(e.s, at_time("app", v2 - 1)), "v1") == 0, "just before v2's creation");
    CHECK(strcmp(inspected_version(e.s, at_time("app", v2)), "v2") == 0, "exactly at v2's creation");

    snapshotter_inspect_request req = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    snapshotter_inspection *out = NULL;
    req.ref = at_time("app", v1 - 1);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "no version of 'app' was created at or before",
                snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    req.ref = "nobody@latest";
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "nobody", snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    CHECK(out == NULL, "a failed inspect wrote its output");

    const char *out_dir = KEEP_PATH("%s/out", e.dir);
    snapshotter_restore_request restore = fx_restore_request(NULL, NULL, out_dir, 0);
    restore.ref = at_time("app", v2 - 1);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(NULL, e.s, &restore, CHECK_ERR));
    CHECK(fx_exists(PATH("%s/one.bin", out_dir)) && !fx_exists(PATH("%s/two.bin", out_dir)), "restored app:v1");
}

static void requests_name_their_snapshot_one_way(void)
{
    struct env e = setup("badrefs");
    snapshotter_inspection *out = (snapshotter_inspection *)&e;
    snapshotter_inspect_request req = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "give ref", snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    req.ref = "app:v1", req.name = "app";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "both given", snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    req.name = NULL, req.ref = "app";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "names no version", snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    req.ref = "app@yesterday";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "RFC 3339", snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    req.ref = "App:v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "'App'", snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    req.ref = "app:v1", req.version = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "version is 0", snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    req.version = 99;
    CHECK_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "99", snapshotter_inspect(&out, e.s, &req, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "req", snapshotter_inspect(&out, e.s, NULL, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "handle", snapshotter_inspect(&out, NULL, &req, CHECK_ERR));
    CHECK(out == (snapshotter_inspection *)&e, "failed inspects wrote their output");
    req.version = SNAPSHOTTER_INSPECT_REQUEST_VERSION;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "out", snapshotter_inspect(NULL, e.s, &req, CHECK_ERR));

    snapshotter_snapshot_list *l = (snapshotter_snapshot_list *)&e;
    snapshotter_list_request lreq = SNAPSHOTTER_LIST_REQUEST_INIT;
    lreq.name = "Bad Name";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "'Bad Name'", snapshotter_list(&l, e.s, &lreq, CHECK_ERR));
    lreq.name = "app", lreq.flags = SNAPSHOTTER_LIST_REMOTE;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "no registry", snapshotter_list(&l, e.s, &lreq, CHECK_ERR));
    lreq.flags = 0x40;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "flags", snapshotter_list(&l, e.s, &lreq, CHECK_ERR));
    lreq.name = NULL, lreq.flags = 0, lreq.version = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "version is 0", snapshotter_list(&l, e.s, &lreq, CHECK_ERR));
    CHECK(l == (snapshotter_snapshot_list *)&e, "a failed list wrote its output");

    snapshotter_delete_request dreq = SNAPSHOTTER_DELETE_REQUEST_INIT;
    snapshotter_delete_stats stats = { 0, 7, 7, 7, 7 };
    dreq.ref = "app:v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_delete_stats.version is 0",
                snapshotter_delete(&stats, e.s, &dreq, CHECK_ERR));
    CHECK(stats.files == 7, "a failed delete wrote its stats");
    dreq.flags = SNAPSHOTTER_DELETE_REMOTE;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "no registry", snapshotter_delete(NULL, e.s, &dreq, CHECK_ERR));
    dreq.flags = 0, dreq.snapshot_version = "v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "both given", snapshotter_delete(NULL, e.s, &dreq, CHECK_ERR));
    CHECK(snapshotter_snapshot_list_count(list(e.s, "app")) == 2, "refused deletes deleted nothing");

    snapshotter_restore_request restore = fx_restore_request("app", NULL, NULL, 0);
    restore.ref = "app:v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "both given", snapshotter_restore(NULL, e.s, &restore, CHECK_ERR));
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(list_shows_local_snapshots_ordered_with_sizes),
        CHECK_TEST(inspect_shows_every_file_and_where_its_content_is),
        CHECK_TEST(delete_frees_unshared_content_and_keeps_the_rest_restorable),
        CHECK_TEST(references_pick_versions_by_creation_time),
        CHECK_TEST(requests_name_their_snapshot_one_way),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
