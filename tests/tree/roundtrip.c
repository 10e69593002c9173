/*
 * The tree-fidelity suite's program for the C ABI: snapshots a whole directory into a store and
 * restores it into another directory, through snapshotter.h alone.
 *
 *   roundtrip ROOT BASE_DIR OUTPUT_DIR
 *
 * Prints the snapshot's stats, and the library's warnings (such as a skipped socket) to stderr; on
 * failure the code and the library's message, exit 1.
 */
#include <inttypes.h>
#include <stdio.h>

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

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ROOT BASE_DIR OUTPUT_DIR\n", argv[0]);
        return 2;
    }
    snapshotter *s = NULL;
    snapshotter_error *err = NULL;
    snapshotter_code rc = snapshotter_log_set(SNAPSHOTTER_LOG_WARNING, print_warning, NULL, &err);
    if (rc != SNAPSHOTTER_OK) {
        return report("log", rc, err);
    }
    snapshotter_options options = SNAPSHOTTER_OPTIONS_INIT;
    options.root_dir = argv[1];
    rc = snapshotter_open(&s, &options, &err);
    if (rc != SNAPSHOTTER_OK) {
        return report("open", rc, err);
    }

    snapshotter_file whole_tree = SNAPSHOTTER_FILE_INIT;
    whole_tree.relative_path = ".";
    snapshotter_snapshot_request snapshot = SNAPSHOTTER_SNAPSHOT_REQUEST_INIT;
    snapshot.name = "tree", snapshot.snapshot_version = "c";
    snapshot.base_dir = argv[2];
    snapshot.files = &whole_tree, snapshot.file_count = 1;
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    rc = snapshotter_snapshot(&stats, s, &snapshot, &err);
    if (rc != SNAPSHOTTER_OK) {
        snapshotter_close(s);
        return report("snapshot", rc, err);
    }
    printf("snapshot: %" PRIu64 " entries, %" PRIu64 " bytes\n", stats.files, stats.bytes);

    snapshotter_restore_request restore = SNAPSHOTTER_RESTORE_REQUEST_INIT;
    restore.ref = "tree:c";
    restore.output_dir = argv[3];
    rc = snapshotter_restore(NULL, s, &restore, &err);
    snapshotter_close(s);
    if (rc != SNAPSHOTTER_OK) {
        return report("restore", rc, err);
    }
    return 0;
}
