/* Export and import through the ABI: tar streams through files and pipes (descriptors the caller owns,
 * which the library never closes), gzip, export directories, GNU tar extracting an export with its
 * holes, and the errors: truncated streams, plain tars without a name, conflicting imports. */
#include "fixture.h"

#define SPARSE_SIZE (32u * FX_MiB)

static const snapshotter_file tree[] = {
    FX_FILE("config.json", 0),
    FX_FILE("disk.img", 0),
    FX_FILE("ro/memory.bin", SNAPSHOTTER_FILE_READ_ONLY),
    FX_FILE("empty", 0),
};
#define TREE_FILES CHECK_COUNT(tree)

struct env {
    const char *dir, *src;
    snapshotter *s, *other;
};

static void close_handle(void *s)
{
    snapshotter_close(s);
}

static void free_inspection(void *inspection)
{
    snapshotter_inspection_free(inspection);
}

static void close_fd(void *fd)
{
    close((int)(intptr_t)fd);
}

/* tree:v1 in one store; another, empty store to import into. */
static struct env setup(const char *tag)
{
    struct env e;
    e.dir = fx_tempdir(tag);
    e.src = KEEP_PATH("%s/src", e.dir);
    fx_write_text(PATH("%s/config.json", e.src), "{\"vcpus\":2}\n", 0640);
    fx_pwrite(PATH("%s/disk.img", e.src), "", 0, 0, 0644);
    CHECK(truncate(PATH("%s/disk.img", e.src), SPARSE_SIZE) == 0, "truncate");
    fx_pwrite(PATH("%s/disk.img", e.src), "boot", 4, 4096, 0644);
    fx_pwrite(PATH("%s/disk.img", e.src), "data", 4, 20 * FX_MiB, 0644);
    fx_write_random(PATH("%s/ro/memory.bin", e.src), 2 * FX_MiB, 5);
    fx_write_text(PATH("%s/empty", e.src), "", 0600);
    for (size_t i = 0; i < TREE_FILES; i++) {
        fx_set_mtime(PATH("%s/%s", e.src, tree[i].relative_path), 1700000000 + (time_t)i, 987654321);
    }
    e.s = fx_open(KEEP_PATH("%s/root", e.dir), 0);
    check_defer(close_handle, e.s);
    e.other = fx_open(KEEP_PATH("%s/other", e.dir), 0);
    check_defer(close_handle, e.other);
    fx_snapshot(e.s, "tree", "v1", e.src, tree, TREE_FILES);
    return e;
}

static int open_file(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    CHECK(fd >= 0, "open '%s': %s", path, strerror(errno));
    check_defer(close_fd, (void *)(intptr_t)fd);
    return fd;
}

static snapshotter_stats export_to_fd(snapshotter *s, const char *ref, int fd, uint32_t flags)
{
    snapshotter_export_request req = SNAPSHOTTER_EXPORT_REQUEST_INIT;
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    req.ref = ref, req.fd = fd, req.flags = flags;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_export(&stats, s, &req, CHECK_ERR));
    return stats;
}

static const snapshotter_snapshot_info *import_fd(snapshotter *s, int fd, const char *name, const char *version)
{
    snapshotter_import_request req = SNAPSHOTTER_IMPORT_REQUEST_INIT;
    snapshotter_inspection *imported = NULL;
    req.fd = fd, req.name = name, req.snapshot_version = version;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_import(NULL, &imported, s, &req, CHECK_ERR));
    check_defer(free_inspection, imported);
    return snapshotter_inspection_snapshot(imported);
}

/* Restores name:version from s and compares every file with the source: bytes, holes, modes, mtimes. */
static void check_imported(const struct env *e, snapshotter *s, const char *name, const char *version)
{
    const char *out = KEEP_PATH("%s/out-%s-%s", e->dir, name, version);
    fx_restore(s, name, version, out, 0);
    for (size_t i = 0; i < TREE_FILES; i++) {
        fx_check_restored(PATH("%s/%s", e->src, tree[i].relative_path), PATH("%s/%s", out, tree[i].relative_path));
    }
}

static void a_tar_file_round_trips_and_the_descriptor_stays_open(void)
{
    struct env e = setup("tarfile");
    const char *archive = KEEP_PATH("%s/tree.tar", e.dir);
    int out = open_file(archive, O_WRONLY | O_CREAT | O_EXCL);
    snapshotter_stats stats = export_to_fd(e.s, "tree:v1", out, 0);
    CHECK(stats.files == TREE_FILES && stats.bytes_written == (uint64_t)fx_stat(archive).st_size,
          "export stats: %" PRIu64 " files, %" PRIu64 " bytes written", stats.files, stats.bytes_written);
    CHECK(fx_stat(archive).st_size < 3 * (off_t)FX_MiB, "the holes of disk.img were not stored in the tar");
    CHECK(write(out, "", 0) == 0, "the library closed the caller's descriptor");

    int in = open_file(archive, O_RDONLY);
    const snapshotter_snapshot_info *info = import_fd(e.other, in, NULL, NULL);
    CHECK(strcmp(info->name, "tree") == 0 && strcmp(info->snapshot_version, "v1") == 0 && info->files == TREE_FILES,
          "imported %s:%s with %" PRIu64 " files", info->name, info->snapshot_version, info->files);
    check_imported(&e, e.other, "tree", "v1");
}

/* The producer side of a pipe: exports into it from another thread. */
struct pipe_export {
    snapshotter *s;
    int fd;
    uint32_t flags;
    snapshotter_code code;
    pthread_t thread;
};

static void *export_into_pipe(void *arg)
{
    struct pipe_export *p = arg;
    snapshotter_export_request req = SNAPSHOTTER_EXPORT_REQUEST_INIT;
    req.ref = "tree@latest", req.fd = p->fd, req.flags = p->flags;
    p->code = snapshotter_export(NULL, p->s, &req, NULL);
    close(p->fd);
    return NULL;
}

static void a_gzip_stream_through_a_pipe_round_trips(void)
{
    struct env e = setup("pipe");
    int fds[2];
    CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
    check_defer(close_fd, (void *)(intptr_t)fds[0]);
    struct pipe_export producer = { e.s, fds[1], SNAPSHOTTER_EXPORT_GZIP, SNAPSHOTTER_ERROR_INTERNAL, 0 };
    CHECK(pthread_create(&producer.thread, NULL, export_into_pipe, &producer) == 0, "pthread_create");
    const snapshotter_snapshot_info *info = import_fd(e.other, fds[0], "piped", "v2");
    CHECK_JOIN(producer.thread);
    CHECK(producer.code == SNAPSHOTTER_OK, "export into the pipe: %s", snapshotter_code_name(producer.code));
    CHECK(strcmp(info->name, "piped") == 0 && strcmp(info->snapshot_version, "v2") == 0, "the name was overridden");
    check_imported(&e, e.other, "piped", "v2");
}

static void gnu_tar_extracts_an_export_with_its_holes(void)
{
    struct env e = setup("gnutar");
    const char *archive = KEEP_PATH("%s/tree.tar", e.dir), *extracted = KEEP_PATH("%s/extracted", e.dir);
    export_to_fd(e.s, "tree:v1", open_file(archive, O_WRONLY | O_CREAT | O_EXCL), 0);
    fx_mkdirs(extracted);
    CHECK(fx_system("tar -xf '%s' -C '%s'", archive, extracted) == 0, "GNU tar could not extract the export");
    for (size_t i = 0; i < TREE_FILES; i++) {
        fx_check_restored(PATH("%s/%s", e.src, tree[i].relative_path),
                          PATH("%s/files/%s", extracted, tree[i].relative_path));
    }
    CHECK(fx_stat(PATH("%s/files/disk.img", extracted)).st_blocks < 64, "GNU tar extracted disk.img without its holes");
    CHECK(fx_exists(PATH("%s/snapshot.json", extracted)), "snapshot.json is in the archive");
}

static void a_directory_export_round_trips(void)
{
    struct env e = setup("dir");
    const char *exported = KEEP_PATH("%s/exported", e.dir);
    snapshotter_export_request req = SNAPSHOTTER_EXPORT_REQUEST_INIT;
    req.name = "tree", req.snapshot_version = "v1", req.output_dir = exported;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_export(NULL, e.s, &req, CHECK_ERR));
    CHECK(fx_exists(PATH("%s/snapshot.json", exported)), "snapshot.json marks the export complete");
    CHECK_FAILS(SNAPSHOTTER_ERROR_ALREADY_EXISTS, "not empty", snapshotter_export(NULL, e.s, &req, CHECK_ERR));

    snapshotter_import_request in = SNAPSHOTTER_IMPORT_REQUEST_INIT;
    in.input_dir = exported;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_import(NULL, NULL, e.other, &in, CHECK_ERR));
    check_imported(&e, e.other, "tree", "v1");
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_import(NULL, NULL, e.other, &in, CHECK_ERR));

    CHECK(unlink(PATH("%s/snapshot.json", exported)) == 0, "unlink");
    in.name = "again", in.snapshot_version = "v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_CORRUPT, "holds no snapshot.json", snapshotter_import(NULL, NULL, e.other, &in, CHECK_ERR));
}

static void refused_imports_and_exports(void)
{
    struct env e = setup("refused");
    const char *archive = KEEP_PATH("%s/tree.tar", e.dir), *cut = KEEP_PATH("%s/cut.tar", e.dir);
    export_to_fd(e.s, "tree:v1", open_file(archive, O_WRONLY | O_CREAT | O_EXCL), 0);
    CHECK(fx_system("head -c 700000 '%s' > '%s'", archive, cut) == 0, "head");
    snapshotter_import_request in = SNAPSHOTTER_IMPORT_REQUEST_INIT;
    snapshotter_inspection *imported = (snapshotter_inspection *)&e;
    in.fd = open_file(cut, O_RDONLY);
    CHECK_FAILS(SNAPSHOTTER_ERROR_CORRUPT, "truncated", snapshotter_import(NULL, &imported, e.other, &in, CHECK_ERR));
    CHECK(imported == (snapshotter_inspection *)&e, "a failed import wrote its output");

    const char *plain = KEEP_PATH("%s/plain.tar", e.dir);
    CHECK(fx_system("tar -cf '%s' -C '%s' .", plain, e.src) == 0, "tar");
    in.fd = open_file(plain, O_RDONLY);
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "no snapshot.json", snapshotter_import(NULL, NULL, e.other, &in, CHECK_ERR));
    /* Its files as tree:v1 in the store tree:v1 came from: writable, mtimes to the second: not the same. */
    in.fd = open_file(plain, O_RDONLY), in.name = "tree", in.snapshot_version = "v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_ALREADY_EXISTS, "'tree:v1' already exists and differs",
                snapshotter_import(NULL, NULL, e.s, &in, CHECK_ERR));
    in.input_dir = e.dir;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "exactly one", snapshotter_import(NULL, NULL, e.s, &in, CHECK_ERR));
    in.input_dir = NULL, in.fd = -7;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "fd -7", snapshotter_import(NULL, NULL, e.s, &in, CHECK_ERR));

    snapshotter_export_request out = SNAPSHOTTER_EXPORT_REQUEST_INIT;
    out.ref = "tree:v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "exactly one", snapshotter_export(NULL, e.s, &out, CHECK_ERR));
    out.fd = open_file(KEEP_PATH("%s/never.tar", e.dir), O_WRONLY | O_CREAT | O_EXCL), out.flags = 0x80;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "flags", snapshotter_export(NULL, e.s, &out, CHECK_ERR));
    out.flags = 0, out.ref = "tree:v9";
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "tree:v9", snapshotter_export(NULL, e.s, &out, CHECK_ERR));
    int fds[2];
    CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe");
    close(fds[0]);
    check_defer(close_fd, (void *)(intptr_t)fds[1]);
    out.fd = fds[1], out.ref = "tree:v1";
    CHECK_FAILS(SNAPSHOTTER_ERROR_IO, "Broken pipe", snapshotter_export(NULL, e.s, &out, CHECK_ERR));
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(a_tar_file_round_trips_and_the_descriptor_stays_open),
        CHECK_TEST(a_gzip_stream_through_a_pipe_round_trips),
        CHECK_TEST(gnu_tar_extracts_an_export_with_its_holes),
        CHECK_TEST(a_directory_export_round_trips),
        CHECK_TEST(refused_imports_and_exports),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
