/* Every error code a caller can provoke without root or long-running work, each checked for its code
 * AND for a message that names the offending field, path, snapshot or digest; plus the conventions:
 * err may be NULL, outputs are untouched on failure, and a refused call writes nothing.
 * (PERMISSION_DENIED and NO_SPACE: root_test.c; CANCELLED mid-call and CLOSED: long_ops_test.c.) */
#include "fixture.h"


#define FILLER 0xA5

struct env {
    const char *dir, *src, *root;
    snapshotter *s;
};

/* A store and a base dir with a file, a directory, a FIFO and symlinks in and out of it. */
static struct env setup(const char *tag)
{
    struct env e;
    e.dir = fx_tempdir(tag);
    e.src = KEEP_PATH("%s/src", e.dir);
    e.root = KEEP_PATH("%s/root", e.dir);
    fx_write_text(PATH("%s/a.txt", e.src), "a\n", 0644);
    fx_write_text(PATH("%s/outside.txt", e.dir), "outside\n", 0644);
    fx_mkdirs(PATH("%s/subdir", e.src));
    CHECK(mkfifo(PATH("%s/fifo", e.src), 0644) == 0, "mkfifo");
    CHECK(symlink("../outside.txt", PATH("%s/escape", e.src)) == 0, "symlink");
    CHECK(symlink("a.txt", PATH("%s/inside", e.src)) == 0, "symlink");
    e.s = fx_open(e.root, 0);
    return e;
}

/* SNAPSHOT_FAILS(code, needle, edits...): a valid one-file request, edited, must fail so. */
#define SNAPSHOT_FAILS(code, needle, ...)                                                              \
    do {                                                                                               \
        snapshotter_file one_[] = { FX_FILE("a.txt", 0) };                                             \
        snapshotter_snapshot_request r = fx_snapshot_request("bad", "v1", e.src, one_, 1);             \
        snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;                                              \
        __VA_ARGS__;                                                                                   \
        CHECK_FAILS((code), (needle), snapshotter_snapshot(&stats, e.s, &r, CHECK_ERR));               \
    } while (0)

#define RESTORE_FAILS(code, needle, ...)                                                               \
    do {                                                                                               \
        snapshotter_restore_request r = fx_restore_request("good", "v1", out, 0);                      \
        snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;                                              \
        __VA_ARGS__;                                                                                   \
        CHECK_FAILS((code), (needle), snapshotter_restore(&stats, e.s, &r, CHECK_ERR));                \
    } while (0)

static void snapshot_refuses_bad_requests(void)
{
    struct env e = setup("badsnapshot");
    snapshotter *handle = e.s;
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "handle", e.s = NULL);
    e.s = handle;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "req", snapshotter_snapshot(NULL, e.s, NULL, CHECK_ERR));
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "name", r.name = NULL);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "name", r.name = "");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "UPPER", r.name = "UPPER");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "a..b", r.name = "a..b");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "name", r.name = "bad\xff\xfename");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshot_version", r.snapshot_version = NULL);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "-x", r.snapshot_version = "-x");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshot_version", r.snapshot_version = "v\xc3");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "base_dir", r.base_dir = NULL);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "files", r.files = NULL);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "files[0].relative_path", one_[0].relative_path = NULL);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "files[0].relative_path", one_[0].relative_path = "");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "../a.txt", one_[0].relative_path = "../a.txt");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "subdir/../a.txt", one_[0].relative_path = "subdir/../a.txt");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "/etc/hostname", one_[0].relative_path = "/etc/hostname");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "escape", one_[0].relative_path = "escape");
    /* A directory and a FIFO are captured as what they are; a path ending in '/' must name a directory. */
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "a.txt/", one_[0].relative_path = "a.txt/");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "files[0].flags", one_[0].flags = 0x2);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "files[0].flags", one_[0].flags = 0x80000001u);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "flags 0x4", r.flags = 0x4);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "no files", r.file_count = 0);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "version", r.version = 0);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "version", r.version = 99);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshotter_snapshot_request.version 1 has a field order",
                   r.version = 1);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "files[0]: snapshotter_file.version is 0", one_[0].version = 0);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "files[0]: snapshotter_file.version 99", one_[0].version = 99);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_stats.version", stats.version = 0);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshotter_stats.version", stats.version = 99);
    {
        snapshotter_file two[] = { FX_FILE("a.txt", 0), FX_FILE("./a.txt", SNAPSHOTTER_FILE_READ_ONLY) };
        SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "files[1]", r.files = two, r.file_count = 2);
        /* One array, one stride: an element of another version than the first is refused, not misread. */
        SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "files[1].version is 2 but files[0].version is 1",
                       r.files = two, r.file_count = 2, two[1].version = 2);
    }
    {
        /* The same file twice through a symlink is not a duplicate path: both entries are stored. */
        snapshotter_file linked[] = { FX_FILE("a.txt", 0), FX_FILE("inside", 0) };
        snapshotter_snapshot_request ok = fx_snapshot_request("good", "v1", e.src, linked, 2);
        CHECK_CODE(SNAPSHOTTER_OK, snapshotter_snapshot(NULL, e.s, &ok, CHECK_ERR));
    }
    {
        snapshotter_file one_again[] = { FX_FILE("a.txt", 0) };
        snapshotter_snapshot_request rehash = fx_snapshot_request("good", "v2", e.src, one_again, 1);
        rehash.flags = SNAPSHOTTER_SNAPSHOT_REHASH;
        snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
        CHECK_CODE(SNAPSHOTTER_OK, snapshotter_snapshot(&stats, e.s, &rehash, CHECK_ERR));
        CHECK(stats.bytes_read == stats.bytes && stats.files_reused == 1, "a REHASH snapshot reads every byte");
    }
    {
        /* An in-place restore with REHASH over what it restored keeps the file, and knows the flag. */
        const char *kept = KEEP_PATH("%s/rehash-out", e.dir);
        fx_restore(e.s, "good", "v2", kept, 0);
        snapshotter_stats stats = fx_restore(e.s, "good", "v2", kept, SNAPSHOTTER_RESTORE_IN_PLACE | SNAPSHOTTER_RESTORE_REHASH);
        CHECK(stats.files_reused == 1 && stats.bytes_written == 0, "a REHASH in-place restore keeps an identical file");
    }
    /* Nothing refused left anything behind: no content but good's, no reservation of bad:v1. */
    CHECK(fx_count_named(PATH("%s/storage/content/xxh3", e.root), "") == 1, "a refused snapshot stored content");
    CHECK(fx_count_temp_files(e.root) == 0, "a refused snapshot left temporary files");
    snapshotter_file one[] = { FX_FILE("a.txt", 0) };
    fx_snapshot(e.s, "bad", "v1", e.src, one, 1);
    snapshotter_close(e.s);
}

static void restore_refuses_bad_requests(void)
{
    struct env e = setup("badrestore");
    const char *out = KEEP_PATH("%s/out", e.dir);
    snapshotter_file one[] = { FX_FILE("a.txt", 0) };
    fx_snapshot(e.s, "good", "v1", e.src, one, 1);
    snapshotter *handle = e.s;
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "handle", e.s = NULL);
    e.s = handle;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "req", snapshotter_restore(NULL, e.s, NULL, CHECK_ERR));
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "name", r.name = NULL);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "UPPER", r.name = "UPPER");
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "name", r.name = "\xc0\xaf");
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshot_version", r.snapshot_version = NULL);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "-x", r.snapshot_version = "-x");
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "flags", r.flags = 0x20);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "version", r.version = 0);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "version", r.version = 99);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshotter_restore_request.version 1 has a field order",
                  r.version = 1);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_stats.version", stats.version = 0);
    CHECK(!fx_exists(out), "a refused restore created the output dir");
    snapshotter_close(e.s);
}

static void open_refuses_bad_options(void)
{
    const char *dir = fx_tempdir("badopen");
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = KEEP_PATH("%s/root", dir);
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "out", snapshotter_open(NULL, &opts, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "root_dir", snapshotter_open(&s, NULL, CHECK_ERR));
    opts.version = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "version", snapshotter_open(&s, &opts, CHECK_ERR));
    opts.version = 99;
    CHECK_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "version", snapshotter_open(&s, &opts, CHECK_ERR));
    opts.version = SNAPSHOTTER_OPTIONS_VERSION;
    opts.concurrency = 100000;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "concurrency", snapshotter_open(&s, &opts, CHECK_ERR));
    opts.concurrency = 0;
    opts.root_dir = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "root_dir", snapshotter_open(&s, &opts, CHECK_ERR));
    opts.root_dir = "";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "root_dir", snapshotter_open(&s, &opts, CHECK_ERR));
    opts.root_dir = "root\xff";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "root_dir", snapshotter_open(&s, &opts, CHECK_ERR));
    CHECK(s == NULL, "a failed open wrote *out");
    CHECK(!fx_exists(PATH("%s/root", dir)), "a refused open created the root dir");
}

/* OPEN_FAILS(code, needle, edits...): valid options with a registry, edited, must fail so. */
#define OPEN_FAILS(code, needle, ...)                                                                  \
    do {                                                                                               \
        snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;                                           \
        snapshotter_registry_options reg = SNAPSHOTTER_REGISTRY_OPTIONS_INIT;                          \
        snapshotter *s = NULL;                                                                         \
        opts.root_dir = root;                                                                          \
        opts.registry = &reg;                                                                          \
        reg.url = "http://127.0.0.1:1";                                                                \
        __VA_ARGS__;                                                                                   \
        CHECK_FAILS((code), (needle), snapshotter_open(&s, &opts, CHECK_ERR));                         \
        CHECK(s == NULL, "a failed open wrote *out");                                                  \
    } while (0)

/* Registry options are checked when the store is opened, before anything is created, and a password
 * never shows up in an error, not even one given inside the URL. */
static void open_refuses_bad_registry_options(void)
{
    const char *dir = fx_tempdir("badregistry");
    const char *root = KEEP_PATH("%s/root", dir);
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_registry_options.version", reg.version = 0);
    OPEN_FAILS(SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshotter_registry_options.version", reg.version = 99);
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "registry.url", reg.url = NULL);
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "ftp://host", reg.url = "ftp://host");
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "path", reg.url = "http://host:5000/v2/x");
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "absolute", reg.url = "oci:relative/dir");
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "do not apply", reg.url = "oci:/tmp/layout", reg.username = "u");
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "Team/X", reg.repository_namespace = "Team/X");
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "max_attempts", reg.max_attempts = 1000);
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "ca_file", reg.url = "https://host", reg.ca_file = "/no/such/ca.pem");
    OPEN_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "registry.password", reg.password = "\xff");

    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter_registry_options reg = SNAPSHOTTER_REGISTRY_OPTIONS_INIT;
    snapshotter *s = NULL;
    snapshotter_error *err = NULL;
    opts.root_dir = root;
    opts.registry = &reg;
    reg.url = "http://user:hunter2@127.0.0.1:1";
    CHECK(snapshotter_open(&s, &opts, &err) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "credentials in the URL");
    CHECK(strstr(snapshotter_error_message(err), "credentials") != NULL, "message: %s", snapshotter_error_message(err));
    CHECK(strstr(snapshotter_error_message(err), "hunter2") == NULL, "the password leaked: %s", snapshotter_error_message(err));
    snapshotter_error_free(err);
    CHECK(!fx_exists(root), "a refused open created the root dir");
}

/* Content options: a directory or Dragonfly, each field named when wrong, the secret never shown. */
static void open_refuses_bad_content_options(void)
{
    const char *dir = fx_tempdir("badcontent");
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter_content_options content = SNAPSHOTTER_CONTENT_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = KEEP_PATH("%s/root", dir);
    opts.content = &content;
    content.dir = KEEP_PATH("%s/shared", dir);
    content.provider = "s3";
    content.bucket = "bucket";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content.dir and the Dragonfly settings", snapshotter_open(&s, &opts, CHECK_ERR));
    content.dir = NULL;
    content.provider = "ftp";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content.provider 'ftp'", snapshotter_open(&s, &opts, CHECK_ERR));
    content.provider = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content.provider is required", snapshotter_open(&s, &opts, CHECK_ERR));
    content.provider = "s3";
    content.bucket = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content.bucket is required", snapshotter_open(&s, &opts, CHECK_ERR));
    content.bucket = "bucket/prefix";
    content.dfdaemon = "tcp://127.0.0.1:65000";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content.dfdaemon", snapshotter_open(&s, &opts, CHECK_ERR));
    content.dfdaemon = NULL;
    content.ttl_seconds = 30;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content.ttl_seconds 30", snapshotter_open(&s, &opts, CHECK_ERR));
    content.ttl_seconds = 0;
    content.storage_dir = "relative";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content.storage_dir 'relative'", snapshotter_open(&s, &opts, CHECK_ERR));
    content.storage_dir = NULL;
    content.access_key_id = "AKID";
    content.access_key_secret = "S3cr3tValue";
    content.endpoint = "https://AKID:S3cr3tValue@objects:9000";
    snapshotter_error *err = NULL;
    CHECK(snapshotter_open(&s, &opts, &err) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "credentials in the endpoint");
    CHECK(strstr(snapshotter_error_message(err), "content.endpoint carries credentials") != NULL &&
              strstr(snapshotter_error_message(err), "S3cr3tValue") == NULL,
          "message: %s", snapshotter_error_message(err));
    snapshotter_error_free(err);
    content.endpoint = "https://objects:9000";
    content.access_key_id = "id\xff";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content.access_key_id", snapshotter_open(&s, &opts, CHECK_ERR));
    CHECK(s == NULL, "a failed open wrote *out");
    CHECK(!fx_exists(PATH("%s/root", dir)), "a refused open created the root dir");

    /* Valid settings open without contacting dfdaemon: the socket does not exist. */
    content.access_key_id = "AKID";
    content.dfdaemon = KEEP_PATH("unix://%s/nobody.sock", dir);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_open(&s, &opts, CHECK_ERR));
    CHECK(s != NULL, "open with Dragonfly settings gave no handle");
    snapshotter_close(s);
}

/* Like a base_dir that is not a directory (INVALID_ARGUMENT), a root_dir that names a regular file is
 * a malformed argument; ALREADY_EXISTS is documented for snapshots and restore targets only. */
static void open_refuses_a_root_that_is_a_file(void)
{
    const char *dir = fx_tempdir("rootfile");
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = KEEP_PATH("%s/file", dir);
    fx_write_text(opts.root_dir, "not a directory\n", 0644);
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, opts.root_dir, snapshotter_open(&s, &opts, CHECK_ERR));
}

static void missing_things_are_not_found(void)
{
    struct env e = setup("notfound");
    const char *out = KEEP_PATH("%s/out", e.dir);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "nosuch:v1", r.name = "nosuch");
    RESTORE_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "good:v9", r.snapshot_version = "v9");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "missing.txt", one_[0].relative_path = "missing.txt");
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "no/such/dir", r.base_dir = KEEP_PATH("%s/no/such/dir", e.dir));
    CHECK(!fx_exists(out), "a failed restore created the output dir");

    /* Content deleted behind the library's back: the restore names the missing digest. */
    snapshotter_file one[] = { FX_FILE("a.txt", 0) };
    fx_snapshot(e.s, "good", "v1", e.src, one, 1);
    char hex[17];
    fx_digest_hex(PATH("%s/a.txt", e.src), e.dir, hex);
    CHECK(unlink(PATH("%s/storage/content/xxh3/%s", e.root, hex)) == 0, "remove content %s", hex);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, hex, (void)0);
    snapshotter_close(e.s);
}

static void same_name_and_version_twice_already_exists(void)
{
    struct env e = setup("exists");
    snapshotter_file one[] = { FX_FILE("a.txt", 0) };
    fx_snapshot(e.s, "dup", "v1", e.src, one, 1);
    fx_write_text(PATH("%s/a.txt", e.src), "changed\n", 0644);
    snapshotter_snapshot_request r = fx_snapshot_request("dup", "v1", e.src, one, 1);
    CHECK_FAILS(SNAPSHOTTER_ERROR_ALREADY_EXISTS, "dup:v1", snapshotter_snapshot(NULL, e.s, &r, CHECK_ERR));
    r.snapshot_version = "v2";
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_snapshot(NULL, e.s, &r, CHECK_ERR));
    fx_restore(e.s, "dup", "v1", PATH("%s/out", e.dir), 0);
    char text[16] = "";
    fx_read(PATH("%s/out/a.txt", e.dir), text, sizeof text - 1);
    CHECK(strcmp(text, "a\n") == 0, "dup:v1 was changed by the refused second snapshot: \"%s\"", text);
    snapshotter_close(e.s);
}

static void cancelled_before_the_call(void)
{
    struct env e = setup("precancel");
    const char *out = KEEP_PATH("%s/out", e.dir);
    snapshotter_cancel *cancel = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_cancel_new(&cancel, CHECK_ERR));
    snapshotter_cancel_trigger(cancel);
    SNAPSHOT_FAILS(SNAPSHOTTER_ERROR_CANCELLED, "bad:v1", r.cancel = cancel);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "good:v1", (void)0);
    CHECK(fx_count_named(PATH("%s/storage/content/xxh3", e.root), "") == 0, "a cancelled snapshot stored content");

    snapshotter_file one[] = { FX_FILE("a.txt", 0) };
    fx_snapshot(e.s, "good", "v1", e.src, one, 1);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_CANCELLED, "good:v1", r.cancel = cancel);
    CHECK(!fx_exists(PATH("%s/a.txt", out)), "a cancelled restore wrote a file");
    snapshotter_cancel_free(cancel);
    snapshotter_close(e.s);
}

/* Without an output dir there is still a call to cancel: a triggered token must make it return
 * CANCELLED like every other call given that token. */
static void cancelled_before_a_restore_without_output_dir(void)
{
    struct env e = setup("precancelnull");
    const char *out = NULL;
    snapshotter_cancel *cancel = NULL;
    snapshotter_file one[] = { FX_FILE("a.txt", 0) };
    fx_snapshot(e.s, "good", "v1", e.src, one, 1);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_cancel_new(&cancel, CHECK_ERR));
    check_defer(fx_cancel_free, cancel);
    snapshotter_cancel_trigger(cancel);
    RESTORE_FAILS(SNAPSHOTTER_ERROR_CANCELLED, "good:v1", r.cancel = cancel);
    snapshotter_close(e.s);
}

/* Flip one byte of a writable file's stored content: restore must refuse it, name the digest, and
 * leave no partial file. */
static void corrupt_content_is_detected(void)
{
    struct env e = setup("corrupt");
    const char *out = KEEP_PATH("%s/out", e.dir);
    fx_write_random(PATH("%s/deep/data.bin", e.src), 3 * FX_MiB, 42);
    snapshotter_file files[] = { FX_FILE("a.txt", 0), FX_FILE("deep/data.bin", 0) };
    fx_snapshot(e.s, "good", "v1", e.src, files, 2);
    char hex[17];
    fx_digest_hex(PATH("%s/deep/data.bin", e.src), e.dir, hex);
    const char *content = KEEP_PATH("%s/storage/content/xxh3/%s", e.root, hex);
    CHECK(chmod(content, 0644) == 0, "chmod %s", content);
    unsigned char byte;
    int fd = open(content, O_RDWR);
    CHECK(fd >= 0 && pread(fd, &byte, 1, 2 * FX_MiB) == 1, "read %s", content);
    byte ^= 0x40;
    CHECK(pwrite(fd, &byte, 1, 2 * FX_MiB) == 1 && close(fd) == 0, "write %s", content);

    RESTORE_FAILS(SNAPSHOTTER_ERROR_CORRUPT, hex, (void)0);
    CHECK(!fx_exists(PATH("%s/deep/data.bin", out)), "a partial deep/data.bin was left in the output dir");
    CHECK(fx_count_temp_files(out) == 0, "temporary files left in the output dir");
    RESTORE_FAILS(SNAPSHOTTER_ERROR_CORRUPT, hex, r.flags = SNAPSHOTTER_RESTORE_OVERWRITE);
    snapshotter_close(e.s);
}

/* err == NULL is fine everywhere; only the code comes back. Outputs stay as they were. */
static void errors_without_error_objects_and_untouched_outputs(void)
{
    struct env e = setup("nullerr");
    static char marker;
    snapshotter *sentinel = (snapshotter *)(void *)&marker;
    snapshotter *s = sentinel;
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    opts.root_dir = e.root;
    opts.concurrency = 100000;
    CHECK(snapshotter_open(&s, &opts, NULL) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "open");
    CHECK(snapshotter_open(NULL, &opts, NULL) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "open NULL out");
    CHECK(s == sentinel, "a failed open changed *out");

    snapshotter_file one[] = { FX_FILE("a.txt", 0) };
    fx_snapshot(e.s, "good", "v1", e.src, one, 1);
    snapshotter_stats stats;
    memset(&stats, FILLER, sizeof stats);
    stats.version = SNAPSHOTTER_STATS_VERSION;
    snapshotter_stats before = stats;
    snapshotter_snapshot_request snap = fx_snapshot_request("good", "v1", e.src, one, 1);
    CHECK(snapshotter_snapshot(&stats, e.s, &snap, NULL) == SNAPSHOTTER_ERROR_ALREADY_EXISTS, "snapshot twice");
    snap.name = "UPPER";
    CHECK(snapshotter_snapshot(&stats, e.s, &snap, NULL) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "bad name");
    CHECK(snapshotter_snapshot(&stats, NULL, &snap, NULL) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "NULL handle");
    snapshotter_restore_request rest = fx_restore_request("nosuch", "v1", PATH("%s/out", e.dir), 0);
    CHECK(snapshotter_restore(&stats, e.s, &rest, NULL) == SNAPSHOTTER_ERROR_NOT_FOUND, "unknown snapshot");
    CHECK(snapshotter_restore(&stats, e.s, NULL, NULL) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "NULL req");
    CHECK(memcmp(&stats, &before, sizeof stats) == 0, "a failed call wrote stats");
    CHECK(snapshotter_cancel_new(NULL, NULL) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "cancel_new");

    snapshotter_error *err = (snapshotter_error *)(void *)&marker;
    snapshotter_restore_request good = fx_restore_request("good", "v1", PATH("%s/out", e.dir), 0);
    CHECK(snapshotter_restore(NULL, e.s, &good, &err) == SNAPSHOTTER_OK, "restore with NULL stats");
    CHECK(err == (snapshotter_error *)(void *)&marker, "a successful call wrote *err");
    snapshotter_close(e.s);
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(snapshot_refuses_bad_requests),
        CHECK_TEST(restore_refuses_bad_requests),
        CHECK_TEST(open_refuses_bad_options),
        CHECK_TEST(open_refuses_bad_content_options),
        CHECK_TEST(open_refuses_a_root_that_is_a_file),
        CHECK_TEST(open_refuses_bad_registry_options),
        CHECK_TEST(missing_things_are_not_found),
        CHECK_TEST(same_name_and_version_twice_already_exists),
        CHECK_TEST(cancelled_before_the_call),
        CHECK_TEST(cancelled_before_a_restore_without_output_dir),
        CHECK_TEST(corrupt_content_is_detected),
        CHECK_TEST(errors_without_error_objects_and_untouched_outputs),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
