/*
 * Fixtures for the C ABI tests: temporary directories that clean themselves up, files with chosen
 * bytes, holes, modes and times, comparisons of restored trees, and one-line snapshot/restore calls.
 * Include after check.h.
 */
#ifndef SNAPSHOTTER_TEST_FIXTURE_H
#define SNAPSHOTTER_TEST_FIXTURE_H

#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#define FX_MiB (1024u * 1024u)

/* A path built by value, so PATH("%s/a", dir) can be passed straight to a call. */
struct fx_path {
    char s[PATH_MAX];
};

__attribute__((format(printf, 1, 2))) static inline struct fx_path fx_pathf(const char *fmt, ...)
{
    struct fx_path p;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p.s, sizeof p.s, fmt, ap);
    va_end(ap);
    CHECK(n > 0 && (size_t)n < sizeof p.s, "path too long: %s", fmt);
    return p;
}
/* PATH's result lives until the end of the full expression; KEEP_PATH's until the test ends. */
#define PATH(...) (fx_pathf(__VA_ARGS__).s)
#define KEEP_PATH(...) fx_keep(PATH(__VA_ARGS__))

static inline const char *fx_keep(const char *path)
{
    char *copy = strdup(path);
    CHECK(copy != NULL, "out of memory");
    check_defer(free, copy);
    return copy;
}

static inline int fx_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type == FTW_DP) {
        return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
    }
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* rm -rf; reports what it could not remove. */
static inline void fx_rmtree(const char *path)
{
    if (nftw(path, fx_remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
        fprintf(stderr, "warning: could not remove '%s' completely: %s\n", path, strerror(errno));
    }
}

static inline void fx_rmtree_and_free(void *path)
{
    fx_rmtree(path);
    free(path);
}

/* A fresh directory under $TMPDIR (or /tmp), removed with its content when the test ends. */
static inline const char *fx_tempdir(const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    char *path = strdup(PATH("%s/snapshotter-test-%s.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", tag));
    CHECK(path != NULL && mkdtemp(path) != NULL, "mkdtemp for %s: %s", tag, strerror(errno));
    check_defer(fx_rmtree_and_free, path);
    return path;
}

/* mkdir -p of the directory that will hold path. */
static inline void fx_mkparents(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        CHECK(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir '%s': %s", buf, strerror(errno));
        *p = '/';
    }
}

static inline void fx_mkdirs(const char *path)
{
    fx_mkparents(PATH("%s/.", path));
}

/* Writes len bytes of data at offset (creating the file and its parents with mode). */
static inline void fx_pwrite(const char *path, const void *data, size_t len, off_t offset, mode_t mode)
{
    fx_mkparents(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
    CHECK(fd >= 0, "create '%s': %s", path, strerror(errno));
    CHECK(pwrite(fd, data, len, offset) == (ssize_t)len, "write '%s': %s", path, strerror(errno));
    CHECK(close(fd) == 0, "close '%s'", path);
}

/* Creates (or replaces) path holding exactly the string text, with mode. */
static inline void fx_write_text(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    fx_pwrite(path, text, strlen(text), 0, mode);
    CHECK(chmod(path, mode) == 0, "chmod '%s'", path);
}

/* A size-byte file of pseudo-random, incompressible bytes that depend on seed (no holes). */
static inline void fx_write_random(const char *path, uint64_t size, uint64_t seed)
{
    enum { CHUNK = 1 << 20 };
    static _Thread_local uint64_t buf[CHUNK / 8];
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    fx_mkparents(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0, "create '%s': %s", path, strerror(errno));
    for (uint64_t done = 0; done < size;) {
        size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
        for (size_t i = 0; i < (n + 7) / 8; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = x;
        }
        CHECK(pwrite(fd, buf, n, (off_t)done) == (ssize_t)n, "write '%s': %s", path, strerror(errno));
        done += n;
    }
    CHECK(close(fd) == 0, "close '%s'", path);
}

static inline void fx_set_mtime(const char *path, time_t sec, long nsec)
{
    struct timespec times[2] = { { 0, UTIME_OMIT }, { sec, nsec } };
    CHECK(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0, "utimensat '%s': %s", path, strerror(errno));
}

static inline struct stat fx_stat(const char *path)
{
    struct stat st;
    CHECK(lstat(path, &st) == 0, "stat '%s': %s", path, strerror(errno));
    return st;
}

static inline int fx_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Reads at most cap bytes of a file into buf; returns the count, or -1. */
static inline ssize_t fx_read(const char *path, void *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t total = 0, n;
    while ((size_t)total < cap && (n = read(fd, (char *)buf + total, cap - (size_t)total)) > 0) {
        total += n;
    }
    close(fd);
    return total;
}

/* Fails unless both files hold the same bytes. */
static inline void fx_check_same_bytes(const char *a, const char *b)
{
    enum { CHUNK = 1 << 20 };
    static _Thread_local char ba[CHUNK], bb[CHUNK];
    int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
    CHECK(fa >= 0 && fb >= 0, "open '%s' / '%s': %s", a, b, strerror(errno));
    for (off_t off = 0;; off += CHUNK) {
        ssize_t na = pread(fa, ba, CHUNK, off), nb = pread(fb, bb, CHUNK, off);
        CHECK(na == nb && na >= 0 && memcmp(ba, bb, (size_t)na) == 0, "'%s' and '%s' differ near offset %lld", a, b,
              (long long)off);
        if (na < CHUNK) {
            break;
        }
    }
    close(fa);
    close(fb);
}

/* The data extents of a file as SEEK_DATA/SEEK_HOLE see them, written as "off+len,..." into out. */
static inline void fx_extent_map(const char *path, char *out, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0, "open '%s': %s", path, strerror(errno));
    off_t size = lseek(fd, 0, SEEK_END), off = 0;
    size_t used = 0;
    out[0] = '\0';
    while (off < size) {
        off_t data = lseek(fd, off, SEEK_DATA);
        if (data < 0) {
            break;
        }
        off_t hole = lseek(fd, data, SEEK_HOLE);
        used += (size_t)snprintf(out + used, cap > used ? cap - used : 0, "%lld+%lld,", (long long)data,
                                 (long long)(hole - data));
        off = hole;
    }
    CHECK(used < cap, "extent map of '%s' too long", path);
    close(fd);
}

static inline void fx_check_same_holes(const char *a, const char *b)
{
    char ma[1024], mb[1024];
    fx_extent_map(a, ma, sizeof ma);
    fx_extent_map(b, mb, sizeof mb);
    CHECK(strcmp(ma, mb) == 0, "holes differ: '%s' has data at %s, '%s' at %s", a, ma, b, mb);
}

/* Counts entries below dir whose name starts with prefix ("" counts every non-directory). */
static inline int fx_count_named(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        struct fx_path child = fx_pathf("%s/%s", dir, e->d_name);
        struct stat st;
        int is_dir = lstat(child.s, &st) == 0 && S_ISDIR(st.st_mode);
        if (is_dir) {
            count += fx_count_named(child.s, prefix);
        }
        if ((!is_dir || prefix[0] != '\0') && strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            count++;
        }
    }
    closedir(d);
    return count;
}

/* Counts every entry below dir, directories included. */
static inline int fx_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            struct fx_path child = fx_pathf("%s/%s", dir, e->d_name);
            struct stat st;
            count += 1 + (lstat(child.s, &st) == 0 && S_ISDIR(st.st_mode) ? fx_count_entries(child.s) : 0);
        }
    }
    closedir(d);
    return count;
}

/* Temporary files a failed call must not leave behind, in the store and in an output dir. */
static inline int fx_count_temp_files(const char *dir)
{
    return fx_count_named(dir, ".content-") + fx_count_named(dir, ".snapshot-") +
           fx_count_named(dir, ".snapshotter-restore-") + fx_count_named(dir, ".download-");
}

/* The digest's hex (no zero padding, as the store names files) of a file's SPF1 encoding, via xxhsum. */
static inline void fx_digest_hex(const char *path, const char *scratch_dir, char hex[17])
{
    struct fx_path encoding = fx_pathf("%s/spf1-encoding", scratch_dir);
    const char *spf1 = encoding.s;
    int in = open(path, O_RDONLY | O_CLOEXEC);
    int out = open(spf1, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(in >= 0 && out >= 0, "open '%s' / '%s'", path, spf1);
    off_t size = lseek(in, 0, SEEK_END), off = 0;
    uint64_t extents[64][2];
    size_t n = 0;
    while (off < size && n < 64) {
        off_t data = lseek(in, off, SEEK_DATA);
        if (data < 0 || data >= size) {
            break;
        }
        off_t hole = lseek(in, data, SEEK_HOLE);
        extents[n][0] = (uint64_t)data, extents[n][1] = (uint64_t)((hole > size ? size : hole) - data);
        off = hole, n++;
    }
    unsigned char header[20] = { 'S', 'P', 'F', '1' };
    uint64_t fields[2] = { (uint64_t)size, n };
    for (int f = 0; f < 2; f++) {
        for (int b = 0; b < 8; b++) {
            header[4 + f * 8 + b] = (unsigned char)(fields[f] >> (56 - 8 * b));
        }
    }
    CHECK(write(out, header, 20) == 20, "write '%s'", spf1);
    for (size_t i = 0; i < n; i++) {
        unsigned char eh[16];
        for (int f = 0; f < 2; f++) {
            for (int b = 0; b < 8; b++) {
                eh[f * 8 + b] = (unsigned char)(extents[i][f] >> (56 - 8 * b));
            }
        }
        CHECK(write(out, eh, 16) == 16, "write '%s'", spf1);
        static _Thread_local char chunk[1 << 16];
        for (uint64_t done = 0; done < extents[i][1];) {
            size_t want = extents[i][1] - done < sizeof chunk ? (size_t)(extents[i][1] - done) : sizeof chunk;
            CHECK(pread(in, chunk, want, (off_t)(extents[i][0] + done)) == (ssize_t)want, "read '%s'", path);
            CHECK(write(out, chunk, want) == (ssize_t)want, "write '%s'", spf1);
            done += want;
        }
    }
    close(in);
    close(out);
    FILE *p = popen(PATH("xxhsum -H3 '%s' 2>/dev/null", spf1), "r");
    char line[512] = "";
    CHECK(p != NULL && fgets(line, sizeof line, p) != NULL, "run xxhsum (apt-get install xxhash)");
    pclose(p);
    const char *eq = strstr(line, "= ");
    CHECK(eq != NULL && strlen(eq + 2) >= 16, "unexpected xxhsum output: %s", line);
    const char *digits = eq + 2;
    for (int i = 0; i < 15 && digits[0] == '0'; i++) {
        digits++;
    }
    snprintf(hex, 17, "%.*s", (int)strspn(digits, "0123456789abcdef"), digits);
}

/* ---------------------------------------------------------------- library calls */

/* For check_defer: the library's free functions take their own pointer types. */
static inline void fx_cancel_free(void *cancel)
{
    snapshotter_cancel_free(cancel);
}

static inline snapshotter *fx_open(const char *root, unsigned int concurrency)
{
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = root;
    opts.concurrency = concurrency;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_open(&s, &opts, CHECK_ERR));
    CHECK(s != NULL, "open returned OK without a handle");
    return s;
}

/* One element of a snapshotter_file array: a path and SNAPSHOTTER_FILE_* flags. */
#define FX_FILE(path, flags) { SNAPSHOTTER_FILE_VERSION, (path), (flags) }

static inline snapshotter_snapshot_request fx_snapshot_request(const char *name, const char *version, const char *base,
                                                               const snapshotter_file *files, size_t count)
{
    snapshotter_snapshot_request req = SNAPSHOTTER_SNAPSHOT_REQUEST_INIT;
    req.name = name;
    req.snapshot_version = version;
    req.base_dir = base;
    req.files = files;
    req.file_count = count;
    return req;
}

static inline snapshotter_restore_request fx_restore_request(const char *name, const char *version, const char *out,
                                                             uint32_t flags)
{
    snapshotter_restore_request req = SNAPSHOTTER_RESTORE_REQUEST_INIT;
    req.name = name;
    req.snapshot_version = version;
    req.output_dir = out;
    req.flags = flags;
    return req;
}

static inline snapshotter_stats fx_snapshot(snapshotter *s, const char *name, const char *version, const char *base,
                                            const snapshotter_file *files, size_t count)
{
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_snapshot_request req = fx_snapshot_request(name, version, base, files, count);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_snapshot(&stats, s, &req, CHECK_ERR));
    return stats;
}

static inline snapshotter_stats fx_restore(snapshotter *s, const char *name, const char *version, const char *out,
                                           uint32_t flags)
{
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_restore_request req = fx_restore_request(name, version, out, flags);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore(&stats, s, &req, CHECK_ERR));
    return stats;
}

/* Fails unless the restored file equals the source: bytes, holes, permission bits, mtime to the ns. */
static inline void fx_check_restored(const char *source, const char *restored)
{
    struct stat a = fx_stat(source), b = fx_stat(restored);
    CHECK(S_ISREG(b.st_mode), "'%s' is not a regular file", restored);
    CHECK(a.st_size == b.st_size, "'%s': size %lld, source has %lld", restored, (long long)b.st_size,
          (long long)a.st_size);
    fx_check_same_bytes(source, restored);
    fx_check_same_holes(source, restored);
    CHECK((a.st_mode & 07777) == (b.st_mode & 07777), "'%s': mode %o, source has %o", restored,
          (unsigned)(b.st_mode & 07777), (unsigned)(a.st_mode & 07777));
    CHECK(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec,
          "'%s': mtime %lld.%09ld, source has %lld.%09ld", restored, (long long)b.st_mtim.tv_sec, b.st_mtim.tv_nsec,
          (long long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec);
}

/* Runs a shell command; returns its exit status (or 128+signal). */
__attribute__((format(printf, 1, 2))) static inline int fx_system(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static inline double fx_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void fx_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

#endif
