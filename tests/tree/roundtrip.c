/*
 * The tree-fidelity suite's program for the C ABI (tests/c/tree_fidelity_test.sh): takes a whole
 * directory through one of the ways a tree comes back, through snapshotter.h alone.
 *
 *   roundtrip restore ROOT BASE_DIR OUTPUT_DIR    snapshot BASE_DIR, restore it into OUTPUT_DIR
 *   roundtrip export  ROOT BASE_DIR ARCHIVE       snapshot BASE_DIR, export it as the new tar file ARCHIVE
 *   roundtrip import  ROOT ARCHIVE OUTPUT_DIR     import the tar file ARCHIVE, restore it into OUTPUT_DIR
 *   roundtrip publish ROOT BASE_DIR REGISTRY NAMESPACE CONTENT_DIR
 *                                                 snapshot BASE_DIR, published to the registry REGISTRY
 *                                                 (its content in the directory CONTENT_DIR)
 *   roundtrip pull    ROOT OUTPUT_DIR REGISTRY NAMESPACE CONTENT_DIR
 *                                                 restore what publish published into OUTPUT_DIR
 *
 * The snapshot is tree:c; an import is recorded as imported:c. Prints the library's warnings (such as
 * a skipped socket) to stderr; on failure the code and the library's message, exit 1.
 */
/* open() with O_CLOEXEC. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <snapshotter.h>

static void print_warning(snapshotter_log_level level, const char *message, void *payload)
{
    (void)level, (void)payload;
    fprintf(stderr, "warning: %s\n", message);
}

static int report(const char *what, snapshotter_code rc, snapshotter_error *err)
{
    fprintf(stderr, "roundtrip: %s: %s: %s\n", what, snapshotter_code_name(rc), snapshotter_error_message(err));
    snapshotter_error_free(err);
    return 1;
}

static int report_errno(const char *what, const char *path)
{
    fprintf(stderr, "roundtrip: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

/* Opens the store at root; with registry non-NULL, publishing to and pulling from it, content in
 * content_dir. */
static snapshotter_code open_store(snapshotter **out, const char *root, const char *registry, const char *namespace,
                                   const char *content_dir, snapshotter_error **err)
{
    snapshotter_registry_options registry_options = SNAPSHOTTER_REGISTRY_OPTIONS_INIT;
    registry_options.url = registry, registry_options.repository_namespace = namespace;
    snapshotter_content_options content = SNAPSHOTTER_CONTENT_OPTIONS_INIT;
    content.dir = content_dir;
    snapshotter_options options = SNAPSHOTTER_OPTIONS_INIT;
    options.root_dir = root;
    if (registry != NULL) {
        options.registry = &registry_options, options.content = &content;
    }
    return snapshotter_open(out, &options, err);
}

/* Snapshots the whole of base_dir as tree:c. */
static snapshotter_code snapshot_tree(snapshotter *s, const char *base_dir, snapshotter_error **err)
{
    snapshotter_file whole_tree = SNAPSHOTTER_FILE_INIT;
    whole_tree.relative_path = ".";
    snapshotter_snapshot_request snapshot = SNAPSHOTTER_SNAPSHOT_REQUEST_INIT;
    snapshot.name = "tree", snapshot.snapshot_version = "c";
    snapshot.base_dir = base_dir;
    snapshot.files = &whole_tree, snapshot.file_count = 1;
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_code rc = snapshotter_snapshot(&stats, s, &snapshot, err);
    if (rc == SNAPSHOTTER_OK) {
        printf("snapshot: %" PRIu64 " entries, %" PRIu64 " bytes\n", stats.files, stats.bytes);
    }
    return rc;
}

static snapshotter_code restore_tree(snapshotter *s, const char *ref, const char *output_dir, snapshotter_error **err)
{
    snapshotter_restore_request restore = SNAPSHOTTER_RESTORE_REQUEST_INIT;
    restore.ref = ref;
    restore.output_dir = output_dir;
    return snapshotter_restore(NULL, s, &restore, err);
}

/* Runs one mode on an open store; 0 or the exit code of its failure. */
static int run(snapshotter *s, const char *mode, char **args)
{
    snapshotter_error *err = NULL;
    snapshotter_code rc;
    /* Publishing is the snapshot alone: it reaches the registry as it is made. */
    int snapshots = strcmp(mode, "import") != 0 && strcmp(mode, "pull") != 0;
    if (snapshots && (rc = snapshot_tree(s, args[0], &err)) != SNAPSHOTTER_OK) {
        return report("snapshot", rc, err);
    }
    if (strcmp(mode, "restore") == 0 && (rc = restore_tree(s, "tree:c", args[1], &err)) != SNAPSHOTTER_OK) {
        return report("restore", rc, err);
    }
    if (strcmp(mode, "export") == 0) {
        int fd = open(args[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            return report_errno("cannot create", args[1]);
        }
        snapshotter_export_request export = SNAPSHOTTER_EXPORT_REQUEST_INIT;
        export.ref = "tree:c", export.fd = fd;
        rc = snapshotter_export(NULL, s, &export, &err);
        if (close(fd) != 0 && rc == SNAPSHOTTER_OK) {
            return report_errno("cannot write", args[1]);
        }
        if (rc != SNAPSHOTTER_OK) {
            return report("export", rc, err);
        }
    }
    if (strcmp(mode, "import") == 0) {
        int fd = open(args[0], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return report_errno("cannot open", args[0]);
        }
        snapshotter_import_request import = SNAPSHOTTER_IMPORT_REQUEST_INIT;
        import.name = "imported", import.snapshot_version = "c", import.fd = fd;
        rc = snapshotter_import(NULL, NULL, s, &import, &err);
        close(fd);
        if (rc != SNAPSHOTTER_OK) {
            return report("import", rc, err);
        }
        if ((rc = restore_tree(s, "imported:c", args[1], &err)) != SNAPSHOTTER_OK) {
            return report("restore", rc, err);
        }
    }
    if (strcmp(mode, "pull") == 0 && (rc = restore_tree(s, "tree:c", args[0], &err)) != SNAPSHOTTER_OK) {
        return report("restore", rc, err);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int registry = strcmp(mode, "publish") == 0 || strcmp(mode, "pull") == 0;
    int local = strcmp(mode, "restore") == 0 || strcmp(mode, "export") == 0 || strcmp(mode, "import") == 0;
    if (!(local && argc == 5) && !(registry && argc == 7)) {
        fprintf(stderr,
                "usage: %s restore|export ROOT BASE_DIR OUTPUT_DIR|ARCHIVE\n"
                "       %s import ROOT ARCHIVE OUTPUT_DIR\n"
                "       %s publish|pull ROOT BASE_DIR|OUTPUT_DIR REGISTRY NAMESPACE CONTENT_DIR\n",
                argv[0], argv[0], argv[0]);
        return 2;
    }
    snapshotter_error *err = NULL;
    snapshotter_code rc = snapshotter_log_set(SNAPSHOTTER_LOG_WARNING, print_warning, NULL, &err);
    if (rc != SNAPSHOTTER_OK) {
        return report("log", rc, err);
    }
    snapshotter *s = NULL;
    rc = open_store(&s, argv[2], registry ? argv[4] : NULL, registry ? argv[5] : NULL, registry ? argv[6] : NULL, &err);
    if (rc != SNAPSHOTTER_OK) {
        return report("open", rc, err);
    }
    int status = run(s, mode, argv + 3);
    snapshotter_close(s);
    return status;
}
