/* snapshotter_diff through the ABI: two snapshots, a snapshot against a directory, the result object. */
#include "fixture.h"

static void free_diff(void *list)
{
    snapshotter_diff_list_free(list);
}

static void close_handle(void *s)
{
    snapshotter_close(s);
}

/* "path:kind:reasons;..." for comparing whole results at once. */
static const char *describe(const snapshotter_diff_list *list)
{
    static char text[4096];
    size_t used = 0;
    text[0] = '\0';
    for (size_t i = 0; i < snapshotter_diff_list_count(list); i++) {
        const snapshotter_diff_entry *entry = snapshotter_diff_list_get(list, i);
        used += (size_t)snprintf(text + used, sizeof text - used, "%s:%u:%x;", entry->relative_path, entry->kind,
                                 entry->reasons);
    }
    return text;
}

static const snapshotter_diff_list *diff(snapshotter *s, const char *ref, const char *other_ref, const char *other_dir)
{
    snapshotter_diff_request req = SNAPSHOTTER_DIFF_REQUEST_INIT;
    snapshotter_diff_list *out = NULL;
    req.ref = ref, req.other_ref = other_ref, req.other_dir = other_dir;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_diff(&out, s, &req, CHECK_ERR));
    check_defer(free_diff, out);
    return out;
}

static void diff_of_snapshots_and_of_a_directory(void)
{
    const char *dir = fx_tempdir("diff");
    const char *src = KEEP_PATH("%s/src", dir), *out = KEEP_PATH("%s/out", dir);
    snapshotter_file files[] = { FX_FILE("keep.txt", 0), FX_FILE("edit.txt", 0), FX_FILE("drop.txt", 0) };
    fx_write_text(PATH("%s/keep.txt", src), "keep\n", 0644);
    fx_write_text(PATH("%s/edit.txt", src), "edit\n", 0644);
    fx_write_text(PATH("%s/drop.txt", src), "drop\n", 0644);
    snapshotter *s = fx_open(KEEP_PATH("%s/root", dir), 0);
    check_defer(close_handle, s);
    fx_snapshot(s, "app", "v1", src, files, 3);
    fx_write_text(PATH("%s/edit.txt", src), "EDIT\n", 0600);
    fx_write_text(PATH("%s/add.txt", src), "add\n", 0644);
    files[2].relative_path = "add.txt";
    fx_snapshot(s, "app", "v2", src, files, 3);

    CHECK(strcmp(describe(diff(s, "app:v1", "app:v2", NULL)), "add.txt:1:0;drop.txt:2:0;edit.txt:3:d;") == 0,
          "v1 -> v2: %s (edit.txt: CONTENT|MODE|MTIME)", describe(diff(s, "app:v1", "app:v2", NULL)));
    CHECK(snapshotter_diff_list_count(diff(s, "app:v2", "app@latest", NULL)) == 0, "a snapshot equals itself");

    fx_restore(s, "app", "v1", out, 0);
    CHECK(snapshotter_diff_list_count(diff(s, "app:v1", NULL, out)) == 0, "a restored tree equals its snapshot");
    fx_write_text(PATH("%s/edit.txt", out), "EDIT\n", 0644);
    fx_set_mtime(PATH("%s/edit.txt", out), fx_stat(PATH("%s/edit.txt", src)).st_mtim.tv_sec, 0);
    fx_write_text(PATH("%s/new.txt", out), "new\n", 0644);
    CHECK(unlink(PATH("%s/drop.txt", out)) == 0, "unlink");
    CHECK(mkdir(PATH("%s/drop.txt", out), 0755) == 0, "mkdir");
    const snapshotter_diff_list *d = diff(s, "app:v1", NULL, out);
    CHECK(strcmp(describe(d), "drop.txt:3:40;edit.txt:3:9;new.txt:1:0;") == 0,
          "v1 -> dir: %s (drop.txt: TYPE; edit.txt: CONTENT|MTIME)", describe(d));
    CHECK(snapshotter_diff_list_get(d, 3) == NULL, "out-of-range entry is NULL");

    snapshotter_diff_request req = SNAPSHOTTER_DIFF_REQUEST_INIT;
    snapshotter_diff_list *none = NULL;
    req.ref = "app:v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "exactly one", snapshotter_diff(&none, s, &req, CHECK_ERR));
    req.other_ref = "app:v2", req.other_dir = out;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "exactly one", snapshotter_diff(&none, s, &req, CHECK_ERR));
    req.other_dir = NULL, req.other_ref = "app";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "other_ref", snapshotter_diff(&none, s, &req, CHECK_ERR));
    req.other_ref = NULL, req.other_dir = PATH("%s/missing", dir);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "missing", snapshotter_diff(&none, s, &req, CHECK_ERR));
    CHECK(none == NULL, "failed diffs wrote their output");
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(diff_of_snapshots_and_of_a_directory),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
