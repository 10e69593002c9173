/*
 * Snapshots files of a directory into a store.
 *
 *   snapshot ROOT NAME VERSION BASE_DIR [--ro] FILE... [--rw] FILE...
 *
 * Files after --ro are read-only (hardlinked into the store), after --rw (the default) copied.
 * Build: cc snapshot.c $(pkg-config --cflags --libs libsnapshotter)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snapshotter.h>

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s ROOT NAME VERSION BASE_DIR [--ro] FILE... [--rw] FILE...\n", argv[0]);
        return 2;
    }
    snapshotter_file *files = calloc((size_t)argc, sizeof *files);
    if (files == NULL) {
        return 1;
    }
    size_t count = 0;
    uint32_t flags = 0;
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--ro") == 0 || strcmp(argv[i], "--rw") == 0) {
            flags = argv[i][3] == 'o' ? SNAPSHOTTER_FILE_READ_ONLY : 0;
        } else {
            snapshotter_file_init(&files[count], SNAPSHOTTER_FILE_VERSION);
            files[count].relative_path = argv[i];
            files[count++].flags = flags;
        }
    }

    snapshotter *s = NULL;
    snapshotter_error *err = NULL;
    snapshotter_options options = SNAPSHOTTER_OPTIONS_INIT;
    options.root_dir = argv[1];
    snapshotter_code rc = snapshotter_open(&s, &options, &err);
    if (rc == SNAPSHOTTER_OK) {
        snapshotter_snapshot_request req = SNAPSHOTTER_SNAPSHOT_REQUEST_INIT;
        req.name = argv[2], req.snapshot_version = argv[3], req.base_dir = argv[4];
        req.files = files, req.file_count = count;
        snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
        rc = snapshotter_snapshot(&stats, s, &req, &err);
        if (rc == SNAPSHOTTER_OK) {
            printf("%s:%s: %" PRIu64 " files, %" PRIu64 " bytes (%" PRIu64 " hardlinked, %" PRIu64 " already stored)\n",
                   argv[2], argv[3], stats.files, stats.bytes, stats.files_linked, stats.files_reused);
        }
    }
    if (rc != SNAPSHOTTER_OK) {
        /* The message names the offending field, path or digest. */
        fprintf(stderr, "snapshot: %s: %s\n", snapshotter_code_name(rc), snapshotter_error_message(err));
    }
    snapshotter_error_free(err);
    snapshotter_close(s);
    free(files);
    return rc == SNAPSHOTTER_OK ? 0 : 1;
}
