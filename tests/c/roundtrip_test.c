/* Snapshot and restore through the ABI: bytes, holes, modes, nanosecond mtimes, hardlinks of the
 * stored inode for read-only files, private copies for writable ones, the on-disk layout the Go
 * library shares, and what a restore does when the output dir is not empty. */
#include "fixture.h"

#define SPARSE_SIZE (64u * FX_MiB)

/* The tree every test here snapshots; sources are built by make_tree(). */
static const snapshotter_file tree[] = {
    FX_FILE("ro.txt", SNAPSHOTTER_FILE_READ_ONLY),
    FX_FILE("rw.bin", 0),
    FX_FILE("sparse.img", 0),
    FX_FILE("empty", 0),
    FX_FILE("nested/deeper/run.sh", 0),
    FX_FILE("nested/ro-sparse.img", SNAPSHOTTER_FILE_READ_ONLY),
};
#define TREE_FILES CHECK_COUNT(tree)
#define TREE_READ_ONLY 2

static void make_sparse(const char *path, uint64_t seed)
{
    static const off_t offsets[] = { 0, 5 * FX_MiB + 123, 33 * FX_MiB + 7, SPARSE_SIZE - 4096 };
    char block[4096];
    fx_pwrite(path, "", 0, 0, 0644);
    CHECK(truncate(path, SPARSE_SIZE) == 0, "truncate '%s'", path);
    for (size_t i = 0; i < CHECK_COUNT(offsets); i++) {
        memset(block, (int)('a' + seed + i), sizeof block);
        fx_pwrite(path, block, sizeof block, offsets[i], 0644);
    }
}

/* Returns the total logical size. */
static uint64_t make_tree(const char *src)
{
    fx_write_text(PATH("%s/ro.txt", src), "read-only data\n", 0644);
    fx_write_random(PATH("%s/rw.bin", src), 300 * 1024, 1);
    CHECK(chmod(PATH("%s/rw.bin", src), 0600) == 0, "chmod");
    make_sparse(PATH("%s/sparse.img", src), 0);
    fx_write_text(PATH("%s/empty", src), "", 0644);
    fx_write_text(PATH("%s/nested/deeper/run.sh", src), "#!/bin/sh\necho hi\n", 0755);
    make_sparse(PATH("%s/nested/ro-sparse.img", src), 7);
    uint64_t total = 0;
    for (size_t i = 0; i < TREE_FILES; i++) {
        const char *path = KEEP_PATH("%s/%s", src, tree[i].relative_path);
        fx_set_mtime(path, 1700000000 + (time_t)i, 123456789 + (long)i);
        total += (uint64_t)fx_stat(path).st_size;
    }
    char map[1024];
    fx_extent_map(PATH("%s/sparse.img", src), map, sizeof map);
    CHECK(fx_stat(PATH("%s/sparse.img", src)).st_blocks < (blkcnt_t)(SPARSE_SIZE / 512 / 8),
          "the filesystem under $TMPDIR does not keep holes (extents %s)", map);
    return total;
}

static void round_trip_keeps_bytes_holes_modes_mtimes(void)
{
    const char *dir = fx_tempdir("roundtrip");
    const char *src = KEEP_PATH("%s/src", dir), *root = KEEP_PATH("%s/root", dir), *out = KEEP_PATH("%s/out", dir);
    fx_mkdirs(src);
    uint64_t total = make_tree(src);
    snapshotter *s = fx_open(root, 3);

    snapshotter_stats snap = fx_snapshot(s, "tree", "v1", src, tree, TREE_FILES);
    CHECK(snap.files == TREE_FILES, "stats.files %" PRIu64, snap.files);
    CHECK(snap.bytes == total, "stats.bytes %" PRIu64 ", expected %" PRIu64, snap.bytes, total);
    CHECK(snap.bytes_read > 300 * 1024 && snap.bytes_read < 400 * 1024,
          "stats.bytes_read %" PRIu64 ": only data is read, holes are skipped", snap.bytes_read);
    CHECK(snap.bytes_written >= snap.bytes_read, "stats.bytes_written %" PRIu64 " (SPF1 adds headers)",
          snap.bytes_written);
    CHECK(snap.files_reused == 0, "stats.files_reused %" PRIu64 " in an empty store", snap.files_reused);
    CHECK(snap.files_linked == TREE_READ_ONLY, "stats.files_linked %" PRIu64 ": read-only sources on one filesystem",
          snap.files_linked);
    CHECK(snap.elapsed_ns > 0 && snap.elapsed_ns < 60ull * 1000000000ull, "stats.elapsed_ns %" PRIu64,
          snap.elapsed_ns);

    snapshotter_stats rest = fx_restore(s, "tree", "v1", out, 0);
    CHECK(rest.files == TREE_FILES && rest.bytes == total, "restore stats files %" PRIu64 " bytes %" PRIu64,
          rest.files, rest.bytes);
    CHECK(rest.files_linked == TREE_READ_ONLY, "restore stats.files_linked %" PRIu64, rest.files_linked);
    CHECK(rest.files_reused == 0, "restore stats.files_reused %" PRIu64, rest.files_reused);
    CHECK(rest.bytes_written > 300 * 1024 && rest.bytes_written < 400 * 1024,
          "restore stats.bytes_written %" PRIu64 ": the writable files' data", rest.bytes_written);
    snapshotter_close(s);

    for (size_t i = 0; i < TREE_FILES; i++) {
        const char *rel = tree[i].relative_path;
        struct fx_path source = fx_pathf("%s/%s", src, rel), restored = fx_pathf("%s/%s", out, rel);
        fx_check_restored(source.s, restored.s);
        char hex[17];
        fx_digest_hex(source.s, dir, hex);
        struct stat content = fx_stat(PATH("%s/storage/content/xxh3/%s", root, hex));
        CHECK((content.st_mode & 0777) == 0444, "content of %s has mode %o", rel, (unsigned)(content.st_mode & 0777));
        struct stat got = fx_stat(restored.s);
        if (tree[i].flags & SNAPSHOTTER_FILE_READ_ONLY) {
            struct stat stored = fx_stat(PATH("%s/storage/snapshot/xxh3/%s", root, hex));
            CHECK(got.st_ino == stored.st_ino && got.st_dev == stored.st_dev,
                  "read-only '%s' is not a hardlink of storage/snapshot/xxh3/%s", rel, hex);
            CHECK(stored.st_ino == fx_stat(source.s).st_ino, "read-only '%s' was copied into the store, not linked", rel);
        } else {
            CHECK(got.st_ino != fx_stat(source.s).st_ino && got.st_nlink == 1,
                  "writable '%s' is not a private copy (nlink %u)", rel, (unsigned)got.st_nlink);
            CHECK(!fx_exists(PATH("%s/storage/snapshot/xxh3/%s", root, hex)),
                  "writable '%s' got a storage/snapshot entry", rel);
        }
    }
}

/* The store's names are the Go library's: XXH3-64 of the SPF1 encoding, lowercase hex, no padding. */
static void golden_digests_and_encoding(void)
{
    const char *dir = fx_tempdir("golden");
    const char *src = KEEP_PATH("%s/src", dir), *root = KEEP_PATH("%s/root", dir);
    fx_write_text(PATH("%s/test.txt", src), "test content", 0644);
    fx_write_text(PATH("%s/empty", src), "", 0644);
    snapshotter_file files[] = { FX_FILE("test.txt", 0), FX_FILE("empty", 0) };
    snapshotter *s = fx_open(root, 0);
    fx_snapshot(s, "golden", "v1", src, files, 2);
    snapshotter_close(s);

    static const unsigned char expected[] = { 'S', 'P', 'F', '1', 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 1,
                                              0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 12, 't', 'e',
                                              's', 't', ' ', 'c', 'o', 'n', 't', 'e', 'n', 't' };
    unsigned char got[128];
    ssize_t n = fx_read(PATH("%s/storage/content/xxh3/5e0ba398f628c5e4", root), got, sizeof got);
    CHECK(n == (ssize_t)sizeof expected, "storage/content/xxh3/5e0ba398f628c5e4 for \"test content\": %zd bytes", n);
    CHECK(memcmp(got, expected, sizeof expected) == 0, "the stored object is not the SPF1 encoding");
    static const unsigned char empty[] = { 'S', 'P', 'F', '1', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    n = fx_read(PATH("%s/storage/content/xxh3/b7eedc7a278fc836", root), got, sizeof got);
    CHECK(n == (ssize_t)sizeof empty && memcmp(got, empty, sizeof empty) == 0,
          "storage/content/xxh3/b7eedc7a278fc836 for the empty file: %zd bytes", n);
}

/* Shared setup: a store holding tree:v1. */
struct stored_tree {
    const char *dir, *src, *root;
    snapshotter *s;
};

static struct stored_tree store_tree(const char *tag)
{
    struct stored_tree t;
    t.dir = fx_tempdir(tag);
    t.src = KEEP_PATH("%s/src", t.dir);
    t.root = KEEP_PATH("%s/root", t.dir);
    fx_mkdirs(t.src);
    make_tree(t.src);
    t.s = fx_open(t.root, 0);
    fx_snapshot(t.s, "tree", "v1", t.src, tree, TREE_FILES);
    return t;
}

static void restore_without_output_dir_checks_the_store(void)
{
    struct stored_tree t = store_tree("nooutput");
    snapshotter_stats stats = fx_restore(t.s, "tree", "v1", NULL, 0);
    CHECK(stats.files == TREE_FILES, "stats.files %" PRIu64, stats.files);
    CHECK(stats.bytes_written == 0, "nothing is written without an output dir: %" PRIu64, stats.bytes_written);
    snapshotter_close(t.s);
}

static void restore_twice_reuses_what_matches(void)
{
    struct stored_tree t = store_tree("twice");
    const char *out = KEEP_PATH("%s/out", t.dir);
    fx_restore(t.s, "tree", "v1", out, 0);
    ino_t rw_inode = fx_stat(PATH("%s/rw.bin", out)).st_ino;
    snapshotter_stats again = fx_restore(t.s, "tree", "v1", out, 0);
    CHECK(again.files_reused == TREE_FILES, "second restore: files_reused %" PRIu64 " of %zu", again.files_reused,
          (size_t)TREE_FILES);
    CHECK(again.bytes_written == 0, "second restore wrote %" PRIu64 " bytes", again.bytes_written);
    CHECK(fx_stat(PATH("%s/rw.bin", out)).st_ino == rw_inode, "a matching file was replaced");
    snapshotter_close(t.s);
    for (size_t i = 0; i < TREE_FILES; i++) {
        struct fx_path source = fx_pathf("%s/%s", t.src, tree[i].relative_path);
        fx_check_restored(source.s, PATH("%s/%s", out, tree[i].relative_path));
    }
}

/* A different file in the way: refused before anything is written, unless OVERWRITE. */
static void restore_over_a_different_file(void)
{
    struct stored_tree t = store_tree("overwrite");
    const char *out = KEEP_PATH("%s/out", t.dir);
    const char *in_the_way = KEEP_PATH("%s/out/rw.bin", t.dir);
    const char *ro_in_the_way = KEEP_PATH("%s/out/ro.txt", t.dir);
    fx_write_text(in_the_way, "not the snapshot's content\n", 0644);
    fx_write_text(ro_in_the_way, "also different\n", 0644);
    fx_set_mtime(in_the_way, 1600000000, 5);
    struct stat before = fx_stat(in_the_way);

    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_restore_request req = fx_restore_request("tree", "v1", out, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_ALREADY_EXISTS, "ro.txt", snapshotter_restore(&stats, t.s, &req, CHECK_ERR));
    CHECK(stats.files == 0 && stats.version == SNAPSHOTTER_STATS_VERSION, "stats written by a failed call");
    struct stat after = fx_stat(in_the_way);
    char text[64] = "";
    fx_read(in_the_way, text, sizeof text - 1);
    CHECK(strcmp(text, "not the snapshot's content\n") == 0 && after.st_ino == before.st_ino &&
              after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
          "the existing file was changed");
    CHECK(fx_count_entries(out) == 2, "a refused restore wrote %d entries into the output dir",
          fx_count_entries(out) - 2);

    req.flags = SNAPSHOTTER_RESTORE_OVERWRITE;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(&stats, t.s, &req, CHECK_ERR));
    CHECK(stats.files == TREE_FILES, "stats.files %" PRIu64, stats.files);
    snapshotter_close(t.s);
    for (size_t i = 0; i < TREE_FILES; i++) {
        struct fx_path source = fx_pathf("%s/%s", t.src, tree[i].relative_path);
        fx_check_restored(source.s, PATH("%s/%s", out, tree[i].relative_path));
    }
    CHECK(fx_stat(ro_in_the_way).st_ino == fx_stat(PATH("%s/ro.txt", t.src)).st_ino,
          "an overwritten read-only file is a hardlink of the stored inode");
    CHECK(fx_count_temp_files(out) == 0, "temporary files left in the output dir");
}

/* A regular file where the snapshot needs a directory is a target that differs: without OVERWRITE the
 * restore is refused before anything is written; with it, the file makes way for the directory. */
static void restore_over_a_file_where_a_directory_goes(void)
{
    struct stored_tree t = store_tree("fileindirsway");
    const char *out = KEEP_PATH("%s/out", t.dir);
    fx_write_text(PATH("%s/nested", out), "a file where the snapshot has a directory\n", 0644);
    snapshotter_restore_request req = fx_restore_request("tree", "v1", out, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_ALREADY_EXISTS, "nested", snapshotter_restore(NULL, t.s, &req, CHECK_ERR));
    CHECK(fx_count_entries(out) == 1, "the refused restore wrote %d entries into the output dir",
          fx_count_entries(out) - 1);
    req.flags = SNAPSHOTTER_RESTORE_OVERWRITE;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(NULL, t.s, &req, CHECK_ERR));
    snapshotter_close(t.s);
    for (size_t i = 0; i < TREE_FILES; i++) {
        struct fx_path source = fx_pathf("%s/%s", t.src, tree[i].relative_path);
        fx_check_restored(source.s, PATH("%s/%s", out, tree[i].relative_path));
    }
}

/* Restoring a hardlinked file must not change the stored inode (and so the user's original). */
static void restore_leaves_the_stored_inode_alone(void)
{
    struct stored_tree t = store_tree("inode");
    struct stat before = fx_stat(PATH("%s/ro.txt", t.src));
    fx_restore(t.s, "tree", "v1", PATH("%s/out", t.dir), 0);
    snapshotter_close(t.s);
    struct stat after = fx_stat(PATH("%s/ro.txt", t.src));
    CHECK(before.st_mode == after.st_mode && before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
              before.st_mtim.tv_nsec == after.st_mtim.tv_nsec && before.st_uid == after.st_uid,
          "restore changed the attributes of the source's inode");
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(round_trip_keeps_bytes_holes_modes_mtimes),
        CHECK_TEST(golden_digests_and_encoding),
        CHECK_TEST(restore_without_output_dir_checks_the_store),
        CHECK_TEST(restore_twice_reuses_what_matches),
        CHECK_TEST(restore_over_a_different_file),
        CHECK_TEST(restore_over_a_file_where_a_directory_goes),
        CHECK_TEST(restore_leaves_the_stored_inode_alone),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
