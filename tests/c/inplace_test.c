/* Partial and in-place restores through the ABI: only the selected files are written; in place, files
 * that already match keep their inode, mtime and ctime (nothing touched them), files differing only in
 * attributes keep their inode, and extra files go only with DELETE_EXTRA, never through a symlink. */
#include "fixture.h"

static const snapshotter_file tree[] = {
    FX_FILE("a.bin", 0),         FX_FILE("b.bin", 0), FX_FILE("dir/c.txt", 0),
    FX_FILE("dir/sub/d.bin", 0), FX_FILE("ro.txt", SNAPSHOTTER_FILE_READ_ONLY),
};
#define TREE_FILES CHECK_COUNT(tree)

struct env {
    const char *dir, *src, *out;
    snapshotter *s;
};

static void close_handle(void *s)
{
    snapshotter_close(s);
}

/* tree:v1 from src, restored into out. */
static struct env setup(const char *tag)
{
    struct env e;
    e.dir = fx_tempdir(tag);
    e.src = KEEP_PATH("%s/src", e.dir);
    e.out = KEEP_PATH("%s/out", e.dir);
    for (size_t i = 0; i < TREE_FILES; i++) {
        const char *path = KEEP_PATH("%s/%s", e.src, tree[i].relative_path);
        fx_write_random(path, 50000 + 1000 * i, i + 1);
        fx_set_mtime(path, 1700000000, (long)i);
    }
    e.s = fx_open(KEEP_PATH("%s/root", e.dir), 0);
    check_defer(close_handle, e.s);
    fx_snapshot(e.s, "tree", "v1", e.src, tree, TREE_FILES);
    fx_restore(e.s, "tree", "v1", e.out, 0);
    return e;
}

static snapshotter_stats restore_with(const struct env *e, uint32_t flags, const char *const *only, size_t only_count)
{
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_restore_request req = fx_restore_request(NULL, NULL, e->out, flags);
    req.ref = "tree:v1", req.only = only, req.only_count = only_count;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(&stats, e->s, &req, CHECK_ERR));
    return stats;
}

static void check_untouched(const char *path, const struct stat *before)
{
    struct stat now = fx_stat(path);
    CHECK(now.st_ino == before->st_ino, "'%s' was replaced (inode %ju, was %ju)", path, (uintmax_t)now.st_ino,
          (uintmax_t)before->st_ino);
    CHECK(now.st_mtim.tv_sec == before->st_mtim.tv_sec && now.st_mtim.tv_nsec == before->st_mtim.tv_nsec,
          "'%s' has another mtime", path);
    CHECK(now.st_ctim.tv_sec == before->st_ctim.tv_sec && now.st_ctim.tv_nsec == before->st_ctim.tv_nsec,
          "'%s' was touched: its ctime moved", path);
}

static void in_place_writes_only_the_differences(void)
{
    struct env e = setup("inplace");
    struct stat before[TREE_FILES];
    fx_write_random(PATH("%s/b.bin", e.out), 51000, 99);             /* content differs */
    fx_set_mtime(PATH("%s/b.bin", e.out), 1700000000, 1);
    fx_set_mtime(PATH("%s/dir/c.txt", e.out), 1800000000, 0);         /* only the mtime differs */
    CHECK(unlink(PATH("%s/dir/sub/d.bin", e.out)) == 0, "unlink");  /* missing */
    for (size_t i = 0; i < TREE_FILES; i++) {
        if (i != 3) {
            before[i] = fx_stat(PATH("%s/%s", e.out, tree[i].relative_path));
        }
    }

    snapshotter_stats stats = restore_with(&e, SNAPSHOTTER_RESTORE_IN_PLACE, NULL, 0);
    CHECK(stats.files == TREE_FILES && stats.files_reused == 3 && stats.bytes_written == 51000 + 53000,
          "stats: %" PRIu64 " reused, %" PRIu64 " bytes written", stats.files_reused, stats.bytes_written);
    check_untouched(PATH("%s/a.bin", e.out), &before[0]);
    check_untouched(PATH("%s/ro.txt", e.out), &before[4]);
    CHECK(fx_stat(PATH("%s/b.bin", e.out)).st_ino != before[1].st_ino, "b.bin was replaced by a new file");
    struct stat c = fx_stat(PATH("%s/dir/c.txt", e.out));
    CHECK(c.st_ino == before[2].st_ino && c.st_mtim.tv_sec == 1700000000 && c.st_mtim.tv_nsec == 2,
          "c.txt kept its inode and got its mtime back");
    for (size_t i = 0; i < TREE_FILES; i++) {
        fx_check_restored(PATH("%s/%s", e.src, tree[i].relative_path), PATH("%s/%s", e.out, tree[i].relative_path));
    }

    for (size_t i = 0; i < TREE_FILES; i++) {
        before[i] = fx_stat(PATH("%s/%s", e.out, tree[i].relative_path));
    }
    stats = restore_with(&e, SNAPSHOTTER_RESTORE_IN_PLACE, NULL, 0);
    CHECK(stats.files_reused == TREE_FILES && stats.bytes_written == 0, "a second in-place restore writes nothing");
    for (size_t i = 0; i < TREE_FILES; i++) {
        check_untouched(PATH("%s/%s", e.out, tree[i].relative_path), &before[i]);
    }
}

static void delete_extra_removes_only_what_the_snapshot_lacks(void)
{
    struct env e = setup("extra");
    const char *outside = KEEP_PATH("%s/outside", e.dir);
    fx_write_text(PATH("%s/keep.txt", outside), "outside the output dir\n", 0644);
    fx_write_text(PATH("%s/extra.txt", e.out), "extra\n", 0644);
    fx_write_text(PATH("%s/new/deeper/file", e.out), "extra\n", 0644);
    CHECK(symlink(outside, PATH("%s/dir/escape", e.out)) == 0, "symlink");
    CHECK(symlink(PATH("%s/keep.txt", outside), PATH("%s/file-link", e.out)) == 0, "symlink");
    struct stat a = fx_stat(PATH("%s/a.bin", e.out));

    snapshotter_restore_request req = fx_restore_request(NULL, NULL, e.out, SNAPSHOTTER_RESTORE_DELETE_EXTRA);
    req.ref = "tree:v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "in_place", snapshotter_restore(NULL, e.s, &req, CHECK_ERR));
    CHECK(fx_exists(PATH("%s/extra.txt", e.out)), "a refused restore removed something");

    snapshotter_stats stats = restore_with(&e, SNAPSHOTTER_RESTORE_IN_PLACE | SNAPSHOTTER_RESTORE_DELETE_EXTRA, NULL, 0);
    CHECK(stats.files_removed == 4, "stats.files_removed %" PRIu64, stats.files_removed);
    CHECK(!fx_exists(PATH("%s/extra.txt", e.out)) && !fx_exists(PATH("%s/new", e.out)) &&
              !fx_exists(PATH("%s/dir/escape", e.out)) && !fx_exists(PATH("%s/file-link", e.out)),
          "extras are gone, empty directories too");
    CHECK(fx_exists(PATH("%s/keep.txt", outside)), "the link's target outside the output dir is untouched");
    CHECK(fx_count_entries(e.out) == (int)TREE_FILES + 2, "%d entries left", fx_count_entries(e.out));
    check_untouched(PATH("%s/a.bin", e.out), &a);
}

static void only_restores_the_selected_paths(void)
{
    struct env e = setup("only");
    const char *fresh = KEEP_PATH("%s/fresh", e.dir);
    static const char *const only[] = { "dir", "*.txt" };
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_restore_request req = fx_restore_request(NULL, NULL, fresh, 0);
    req.ref = "tree@latest", req.only = only, req.only_count = 2;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(&stats, e.s, &req, CHECK_ERR));
    CHECK(stats.files == 3, "%" PRIu64 " files restored", stats.files);
    CHECK(fx_exists(PATH("%s/dir/c.txt", fresh)) && fx_exists(PATH("%s/dir/sub/d.bin", fresh)) &&
              fx_exists(PATH("%s/ro.txt", fresh)) && !fx_exists(PATH("%s/a.bin", fresh)),
          "exactly the selected files");

    static const char *const typo[] = { "dir", "dri/*" };
    req.only = typo;
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "'dri/*' matches no file", snapshotter_restore(NULL, e.s, &req, CHECK_ERR));
    static const char *const bad[] = { "/abs" };
    req.only = bad, req.only_count = 1;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "only[0]", snapshotter_restore(NULL, e.s, &req, CHECK_ERR));
    req.only = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "only is NULL", snapshotter_restore(NULL, e.s, &req, CHECK_ERR));
    static const char *const null_entry[] = { NULL };
    req.only = null_entry;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "only[0] is NULL", snapshotter_restore(NULL, e.s, &req, CHECK_ERR));
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(in_place_writes_only_the_differences),
        CHECK_TEST(delete_extra_removes_only_what_the_snapshot_lacks),
        CHECK_TEST(only_restores_the_selected_paths),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
