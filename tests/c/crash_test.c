/* A process killed in the middle of a snapshot (SIGKILL, power loss, a second Ctrl-C) must not take its
 * name:version with it: the snapshot never became visible, so another process can take the name.
 * The library records the owner (pid and start time) of every pending snapshot for this purpose.
 * The victim is this binary again: crash_test --victim ROOT SRC MARKER. */
#include "fixture.h"

#include <signal.h>
#include <spawn.h>

#define VICTIM_FILES 8
#define VICTIM_FILE_BYTES (32ull * FX_MiB)
#define WAIT_SECONDS 30

extern char **environ;

static const char *victim_root, *victim_src, *victim_marker;

/* At the first report of unfinished work: tell the parent, then wait to be killed. */
static int announce_and_wait(const snapshotter_progress *p, void *payload)
{
    (void)payload;
    if (p->bytes_done < p->bytes_total) {
        int fd = open(victim_marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            close(fd);
        }
        fx_sleep_ms(WAIT_SECONDS * 1000);
    }
    return 0;
}

static snapshotter_file files[VICTIM_FILES];

static void name_files(void)
{
    static char names[VICTIM_FILES][16];
    for (int i = 0; i < VICTIM_FILES; i++) {
        snprintf(names[i], sizeof names[i], "f%d.bin", i);
        files[i].relative_path = names[i];
        files[i].flags = i % 2 ? SNAPSHOTTER_FILE_READ_ONLY : 0;
    }
}

static void victim(void)
{
    snapshotter *s = fx_open(victim_root, 2);
    snapshotter_snapshot_request req = fx_snapshot_request("crash", "v1", victim_src, files, VICTIM_FILES);
    req.progress = announce_and_wait;
    snapshotter_snapshot(NULL, s, &req, NULL);
    fprintf(stderr, "victim: the snapshot finished before it could be killed\n");
}

static void killed_snapshot_frees_its_name(void)
{
    const char *dir = fx_tempdir("crash");
    const char *root = KEEP_PATH("%s/root", dir), *src = KEEP_PATH("%s/src", dir);
    const char *marker = KEEP_PATH("%s/started", dir);
    for (int i = 0; i < VICTIM_FILES; i++) {
        fx_write_random(PATH("%s/%s", src, files[i].relative_path), VICTIM_FILE_BYTES, (uint64_t)i);
    }
    char *argv[] = { "/proc/self/exe", "--victim", (char *)root, (char *)src, (char *)marker, NULL };
    pid_t child;
    CHECK(posix_spawn(&child, "/proc/self/exe", NULL, NULL, argv, environ) == 0, "spawn the victim");
    for (int i = 0; !fx_exists(marker) && i < WAIT_SECONDS * 100; i++) {
        fx_sleep_ms(10);
    }
    int started = fx_exists(marker);
    kill(child, SIGKILL);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child, "waitpid");
    CHECK(started && WIFSIGNALED(status), "the victim was not killed mid-snapshot (status 0x%x)", status);

    snapshotter *s = fx_open(root, 0);
    snapshotter_restore_request r = fx_restore_request("crash", "v1", NULL, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "crash:v1", snapshotter_restore(NULL, s, &r, CHECK_ERR));
    int leftovers = fx_count_temp_files(root);
    if (leftovers > 0) {
        printf("  note: the killed snapshot left %d temporary files in the store, still there after reopening\n",
               leftovers);
    }
    snapshotter_snapshot_request req = fx_snapshot_request("crash", "v1", src, files, 1);
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_snapshot(&stats, s, &req, CHECK_ERR));
    snapshotter_close(s);
}

int main(int argc, char **argv)
{
    name_files();
    if (argc == 5 && strcmp(argv[1], "--victim") == 0) {
        static const struct check_test child[] = { CHECK_TEST(victim) };
        victim_root = argv[2], victim_src = argv[3], victim_marker = argv[4];
        return check_main(1, argv, child, 1);
    }
    static const struct check_test tests[] = { CHECK_TEST(killed_snapshot_frees_its_name) };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
