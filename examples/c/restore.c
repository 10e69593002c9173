/*
 * Restores a snapshot into a directory, printing progress; SIGINT or SIGTERM cancels it cleanly
 * (nothing partial is left behind, exit status 130).
 *
 *   restore ROOT NAME VERSION OUTPUT_DIR
 *
 * Build: cc restore.c -pthread $(pkg-config --cflags --libs libsnapshotter)
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include <snapshotter.h>

static sigset_t stop_signals;

/* Signals are taken on a thread of their own: snapshotter_cancel_trigger is thread-safe but not
 * async-signal-safe, so a signal handler must not call it. */
static void *cancel_on_signal(void *cancel)
{
    int signal_number;
    if (sigwait(&stop_signals, &signal_number) == 0) {
        snapshotter_cancel_trigger(cancel);
    }
    return NULL;
}

/* Runs on a library thread, never concurrently with itself for one call. Non-zero would cancel. */
static int print_progress(const snapshotter_progress *p, void *payload)
{
    (void)payload;
    fprintf(stderr, "progress: %" PRIu64 "/%" PRIu64 " files, %" PRIu64 "/%" PRIu64 " MiB\n", p->files_done,
            p->files_total, p->bytes_done >> 20, p->bytes_total >> 20);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s ROOT NAME VERSION OUTPUT_DIR\n", argv[0]);
        return 2;
    }
    /* Blocked before the first library call: the library's threads inherit the mask. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    snapshotter *s = NULL;
    snapshotter_cancel *cancel = NULL;
    snapshotter_error *err = NULL;
    pthread_t watcher;
    snapshotter_options options = SNAPSHOTTER_OPTIONS_INIT;
    options.root_dir = argv[1];
    snapshotter_code rc = snapshotter_cancel_new(&cancel, &err);
    int watching = rc == SNAPSHOTTER_OK && pthread_create(&watcher, NULL, cancel_on_signal, cancel) == 0;
    if (rc == SNAPSHOTTER_OK && (rc = snapshotter_open(&s, &options, &err)) == SNAPSHOTTER_OK) {
        snapshotter_restore_request req = SNAPSHOTTER_RESTORE_REQUEST_INIT;
        req.name = argv[2], req.snapshot_version = argv[3], req.output_dir = argv[4];
        req.progress = print_progress, req.cancel = cancel;
        snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
        if ((rc = snapshotter_restore(&stats, s, &req, &err)) == SNAPSHOTTER_OK) {
            printf("%s:%s: %" PRIu64 " files, %" PRIu64 " bytes written, %" PRIu64 " hardlinked\n", argv[2], argv[3],
                   stats.files, stats.bytes_written, stats.files_linked);
        }
    }
    if (rc != SNAPSHOTTER_OK) {
        fprintf(stderr, "restore: %s: %s\n", snapshotter_code_name(rc), snapshotter_error_message(err));
    }
    snapshotter_error_free(err);
    snapshotter_close(s);
    if (watching) { /* the token is freed only once the watcher can no longer trigger it */
        pthread_cancel(watcher);
        pthread_join(watcher, NULL);
    }
    snapshotter_cancel_free(cancel);
    return rc == SNAPSHOTTER_OK ? 0 : rc == SNAPSHOTTER_ERROR_CANCELLED ? 130 : 1;
}
