/* A directory path captures the whole tree beneath it through the ABI: directories (empty ones too) with their modes
 * and mtimes, symlinks as symlinks (never followed), hardlink groups, FIFOs, setuid bits, extended attributes and
 * names that are not UTF-8; "." is the base dir; sockets are skipped; a restore brings it all back. */
#include "fixture.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/xattr.h>

static void make_tree(const char *src)
{
    fx_write_text(PATH("%s/data/a.bin", src), "a data\n", 0644);
    fx_write_text(PATH("%s/data/setuid", src), "#!/bin/sh\n", 04755);
    CHECK(chmod(PATH("%s/data/setuid", src), 04755) == 0, "chmod setuid");
    CHECK(link(PATH("%s/data/a.bin", src), PATH("%s/also-a", src)) == 0, "link");
    CHECK(symlink("data/a.bin", PATH("%s/rel", src)) == 0, "symlink");
    CHECK(symlink("/nonexistent/\xe9", PATH("%s/dangling", src)) == 0, "symlink");
    CHECK(symlink("../../outside", PATH("%s/out", src)) == 0, "symlink");
    CHECK(mkfifo(PATH("%s/pipe", src), 0640) == 0, "mkfifo");
    fx_mkdirs(PATH("%s/empty", src));
    CHECK(chmod(PATH("%s/empty", src), 0700) == 0, "chmod");
    fx_write_text(PATH("%s/caf\xe9/\xff.txt", src), "raw name\n", 0600);
    CHECK(lsetxattr(PATH("%s/data/a.bin", src), "user.origin", "lab", 3, 0) == 0, "setxattr");
    int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    CHECK(strlen(PATH("%s/sock", src)) < sizeof addr.sun_path, "socket path too long");
    memcpy(addr.sun_path, PATH("%s/sock", src), strlen(PATH("%s/sock", src)) + 1);
    CHECK(sock >= 0 && bind(sock, (struct sockaddr *)&addr, sizeof addr) == 0, "bind a unix socket");
    close(sock);
    fx_set_mtime(PATH("%s/empty", src), 1700000000, 123456789);
    fx_set_mtime(PATH("%s/data", src), 1700000001, 5);
}

static void same_link(const char *a, const char *b)
{
    char x[4096], y[4096];
    ssize_t n = readlink(a, x, sizeof x), m = readlink(b, y, sizeof y);
    CHECK(n >= 0 && n == m && memcmp(x, y, (size_t)n) == 0, "'%s' and '%s' are not the same symlink", a, b);
}

static void dot_captures_every_entry_and_a_restore_brings_it_back(void)
{
    const char *dir = fx_tempdir("tree");
    const char *src = KEEP_PATH("%s/src", dir), *out = KEEP_PATH("%s/out", dir);
    make_tree(src);
    snapshotter *s = fx_open(KEEP_PATH("%s/root", dir), 2);
    const snapshotter_file files[] = { FX_FILE(".", 0), FX_FILE("data", SNAPSHOTTER_FILE_READ_ONLY) };

    snapshotter_stats stats = fx_snapshot(s, "tree", "v1", src, files, 2);

    /* data, data/a.bin, data/setuid, also-a, rel, dangling, out, pipe, empty, caf\xe9, caf\xe9/\xff.txt; not sock. */
    CHECK(stats.files == 11, "stats.files %" PRIu64, stats.files);
    fx_restore(s, "tree", "v1", out, 0);
    struct stat empty = fx_stat(PATH("%s/empty", out)), data = fx_stat(PATH("%s/data", out));
    CHECK(S_ISDIR(empty.st_mode) && (empty.st_mode & 07777) == 0700, "empty: mode %o", (unsigned)empty.st_mode);
    CHECK(empty.st_mtim.tv_sec == 1700000000 && empty.st_mtim.tv_nsec == 123456789, "empty: mtime");
    CHECK(data.st_mtim.tv_sec == 1700000001 && data.st_mtim.tv_nsec == 5, "data: mtime set after its content");
    CHECK((fx_stat(PATH("%s/data/setuid", out)).st_mode & 07777) == 04755, "setuid bit lost");
    same_link(PATH("%s/rel", src), PATH("%s/rel", out));
    same_link(PATH("%s/dangling", src), PATH("%s/dangling", out));
    same_link(PATH("%s/out", src), PATH("%s/out", out));
    CHECK(S_ISFIFO(fx_stat(PATH("%s/pipe", out)).st_mode), "pipe is not a FIFO");
    struct stat a = fx_stat(PATH("%s/data/a.bin", out)), also = fx_stat(PATH("%s/also-a", out));
    CHECK(a.st_ino == also.st_ino, "the hardlink group came back as two inodes");
    char value[16];
    CHECK(lgetxattr(PATH("%s/data/a.bin", out), "user.origin", value, sizeof value) == 3 && memcmp(value, "lab", 3) == 0,
          "user.origin lost");
    fx_check_same_bytes(PATH("%s/caf\xe9/\xff.txt", src), PATH("%s/caf\xe9/\xff.txt", out));
    CHECK(!fx_exists(PATH("%s/sock", out)), "a socket was restored");
    snapshotter_close(s);
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(dot_captures_every_entry_and_a_restore_brings_it_back),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
