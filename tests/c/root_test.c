/* PERMISSION_DENIED and NO_SPACE, provoked for real: immutable directories, read-only mounts and
 * small tmpfs mounts. Needs root. The binary first moves into a private mount namespace, so its
 * mounts disappear with it even if it is killed; tmpfs also holds the immutable directories. */
#include "fixture.h"

#include <linux/fs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#define SMALL_TMPFS "size=2m"

static int private_mounts;

static void need_root(void)
{
    CHECK(geteuid() == 0, "this test needs root (it mounts tmpfs and sets immutable flags): run the suite as root");
    CHECK(private_mounts, "could not enter a private mount namespace (see above)");
}

static void unmount(void *dir)
{
    if (umount2(dir, MNT_DETACH) != 0) {
        fprintf(stderr, "warning: umount '%s': %s\n", (char *)dir, strerror(errno));
    }
}

static const char *mount_tmpfs(const char *dir, const char *options, unsigned long flags)
{
    const char *kept = fx_keep(dir);
    fx_mkdirs(kept);
    CHECK(mount("tmpfs", kept, "tmpfs", flags, options) == 0, "mount tmpfs on '%s': %s", kept, strerror(errno));
    check_defer(unmount, (void *)kept);
    return kept;
}

static void set_immutable(const char *path, int on)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), flags = 0;
    CHECK(fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0, "get flags of '%s': %s", path, strerror(errno));
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    CHECK(ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0, "chattr %ci '%s': %s", on ? '+' : '-', path, strerror(errno));
    close(fd);
}

static void clear_immutable(void *path)
{
    set_immutable(path, 0);
}

/* Makes a directory immutable until the test ends. */
static void make_immutable(const char *dir)
{
    const char *kept = fx_keep(dir);
    set_immutable(kept, 1);
    check_defer(clear_immutable, (void *)kept);
}

struct env {
    const char *dir, *src, *root;
    snapshotter *s;
};

static struct env setup(const char *tag, const char *root)
{
    struct env e;
    e.dir = fx_tempdir(tag);
    e.src = KEEP_PATH("%s/src", e.dir);
    e.root = root != NULL ? root : KEEP_PATH("%s/root", e.dir);
    fx_write_text(PATH("%s/a.txt", e.src), "a\n", 0644);
    fx_write_text(PATH("%s/ro.txt", e.src), "read-only\n", 0644);
    fx_write_random(PATH("%s/big.bin", e.src), 4 * FX_MiB, 9);
    e.s = NULL;
    return e;
}

static const snapshotter_file small_files[] = { FX_FILE("a.txt", 0), FX_FILE("ro.txt", SNAPSHOTTER_FILE_READ_ONLY) };
static const snapshotter_file all_files[] = { FX_FILE("a.txt", 0), FX_FILE("ro.txt", SNAPSHOTTER_FILE_READ_ONLY),
                                              FX_FILE("big.bin", 0) };

static void restore_into_an_immutable_dir(void)
{
    need_root();
    struct env e = setup("immutable-out", NULL);
    const char *tmpfs = mount_tmpfs(PATH("%s/mnt", e.dir), "size=16m", 0);
    const char *out = KEEP_PATH("%s/out", tmpfs);
    e.s = fx_open(e.root, 0);
    fx_snapshot(e.s, "small", "v1", e.src, small_files, 2);
    fx_mkdirs(out);
    make_immutable(out);
    snapshotter_restore_request r = fx_restore_request("small", "v1", out, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_PERMISSION_DENIED, out, snapshotter_restore(NULL, e.s, &r, CHECK_ERR));
    snapshotter_close(e.s);
}

static void open_a_root_on_a_read_only_mount(void)
{
    need_root();
    struct env e = setup("readonly-root", NULL);
    const char *ro = mount_tmpfs(PATH("%s/ro", e.dir), SMALL_TMPFS, MS_RDONLY);
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    opts.root_dir = KEEP_PATH("%s/store", ro);
    CHECK_FAILS(SNAPSHOTTER_ERROR_PERMISSION_DENIED, opts.root_dir, snapshotter_open(&e.s, &opts, CHECK_ERR));
}

/* A snapshot that cannot write its content fails cleanly: no snapshot, no reservation left. */
static void snapshot_into_an_immutable_store(void)
{
    need_root();
    const char *dir = fx_tempdir("immutable-store");
    const char *tmpfs = mount_tmpfs(PATH("%s/mnt", dir), "size=16m", 0);
    struct env e = setup("immutable-store-src", KEEP_PATH("%s/root", tmpfs));
    e.s = fx_open(e.root, 0);
    const char *content = KEEP_PATH("%s/storage/content/xxh3", e.root);
    set_immutable(content, 1);
    snapshotter_snapshot_request r = fx_snapshot_request("small", "v1", e.src, small_files, 2);
    snapshotter_code code;
    {
        snapshotter_error *err = NULL;
        code = snapshotter_snapshot(NULL, e.s, &r, &err);
        set_immutable(content, 0);
        check_code_(__FILE__, __LINE__, "snapshot into an immutable content dir", SNAPSHOTTER_ERROR_PERMISSION_DENIED,
                    code, err, content);
    }
    snapshotter_restore_request restore = fx_restore_request("small", "v1", NULL, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "small:v1", snapshotter_restore(NULL, e.s, &restore, CHECK_ERR));
    CHECK(fx_count_temp_files(e.root) == 0, "temporary files left in the store");
    fx_snapshot(e.s, "small", "v1", e.src, small_files, 2);
    snapshotter_close(e.s);
}

static void restore_into_a_full_filesystem(void)
{
    need_root();
    struct env e = setup("full-out", NULL);
    const char *out = mount_tmpfs(PATH("%s/out", e.dir), SMALL_TMPFS, 0);
    e.s = fx_open(e.root, 0);
    fx_snapshot(e.s, "big", "v1", e.src, all_files, 3);
    snapshotter_restore_request r = fx_restore_request("big", "v1", out, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NO_SPACE, out, snapshotter_restore(NULL, e.s, &r, CHECK_ERR));
    CHECK(fx_count_named(out, "") == 0, "a restore that ran out of space left %d files behind",
          fx_count_named(out, ""));
    CHECK(fx_count_temp_files(e.root) == 0, "temporary files left in the store");
    snapshotter_close(e.s);
}

static void snapshot_into_a_full_store(void)
{
    need_root();
    const char *dir = fx_tempdir("full-store");
    const char *root = mount_tmpfs(PATH("%s/root", dir), SMALL_TMPFS, 0);
    struct env e = setup("full-store-src", root);
    e.s = fx_open(e.root, 0);
    snapshotter_snapshot_request r = fx_snapshot_request("big", "v1", e.src, all_files, 3);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NO_SPACE, root, snapshotter_snapshot(NULL, e.s, &r, CHECK_ERR));
    CHECK(fx_count_temp_files(root) == 0, "temporary files left in the full store");
    snapshotter_restore_request restore = fx_restore_request("big", "v1", NULL, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "big:v1", snapshotter_restore(NULL, e.s, &restore, CHECK_ERR));
    /* The space was given back: a small snapshot under the same name fits. */
    fx_snapshot(e.s, "big", "v1", e.src, small_files, 2);
    snapshotter_close(e.s);
}

int main(int argc, char **argv)
{
    /* Before the library starts any thread: unshare(CLONE_NEWNS) refuses multi-threaded callers. */
    if (geteuid() == 0) {
        if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
            fprintf(stderr, "private mount namespace: %s\n", strerror(errno));
        } else {
            private_mounts = 1;
        }
    }
    static const struct check_test tests[] = {
        CHECK_TEST(restore_into_an_immutable_dir),
        CHECK_TEST(open_a_root_on_a_read_only_mount),
        CHECK_TEST(snapshot_into_an_immutable_store),
        CHECK_TEST(restore_into_a_full_filesystem),
        CHECK_TEST(snapshot_into_a_full_store),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
