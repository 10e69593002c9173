/* Killed at any instant, a process leaves a store that reopens consistent.
 * - killed_snapshot_frees_its_name: a process killed in the middle of a snapshot (SIGKILL, power loss, a
 *   second Ctrl-C) must not take its name:version with it: another process can take the name.
 * - killed_at_random_points_leaves_a_consistent_store: a process snapshotting, restoring and collecting
 *   (workload.h) is killed at random points, many times; after each kill the store reopens with no
 *   temporary file nor pending record left, verifies clean, and every snapshot committed before the kill
 *   restores byte for byte (the newest of each name always: the collection keeps the last 2 versions);
 *   every output dir of a restore is either complete, empty, or marked incomplete, and a new restore
 *   into a marked one completes it and clears the marker.
 * The victim is this binary again: crash_test --victim ROOT SRC MARKER, or --workload ... */
#include "workload.h"

#include <signal.h>
#include <spawn.h>

#define VICTIM_FILES 8
#define VICTIM_FILE_BYTES (32ull * FX_MiB)
#define WAIT_SECONDS 30
#define KILL_ROUNDS 20
#define KILL_WINDOW_MS 600
#define WORKLOAD_THREADS 2

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
        files[i] = (snapshotter_file)FX_FILE(names[i], i % 2 ? SNAPSHOTTER_FILE_READ_ONLY : 0);
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

/* Spawns this binary with argv[1..] and returns its pid. */
static pid_t spawn_self(char **args)
{
    pid_t child;
    CHECK(posix_spawn(&child, "/proc/self/exe", NULL, NULL, args, environ) == 0, "spawn %s", args[1]);
    return child;
}

static void wait_for(const char *path)
{
    for (int i = 0; !fx_exists(path) && i < WAIT_SECONDS * 100; i++) {
        fx_sleep_ms(10);
    }
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
    pid_t child = spawn_self(argv);
    wait_for(marker);
    int started = fx_exists(marker);
    kill(child, SIGKILL);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child, "waitpid");
    CHECK(started && WIFSIGNALED(status), "the victim was not killed mid-snapshot (status 0x%x)", status);

    snapshotter *s = fx_open(root, 0);
    snapshotter_restore_request r = fx_restore_request("crash", "v1", NULL, 0);
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "crash:v1", snapshotter_restore(NULL, s, &r, CHECK_ERR));
    CHECK(fx_count_temp_files(root) == 0, "the killed snapshot's temporary files survived reopening");
    wl_check_verify_clean(s);
    snapshotter_snapshot_request req = fx_snapshot_request("crash", "v1", src, files, 1);
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_snapshot(&stats, s, &req, CHECK_ERR));
    snapshotter_close(s);
}

/* The collection a victim runs: keep the 2 newest versions of each name, orphans at once. */
static snapshotter_gc_options victim_gc(void)
{
    snapshotter_gc_options gc = SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.flags = SNAPSHOTTER_GC_NO_BACKGROUND | SNAPSHOTTER_GC_NO_DISK_EVICTION | SNAPSHOTTER_GC_NO_MIN_RETENTION |
               SNAPSHOTTER_GC_NO_ORPHAN_GRACE;
    gc.keep_last = 2;
    return gc;
}

static char **workload_argv;

static void workload_victim(void)
{
    char **argv = workload_argv;
    struct wl_config cfg = { argv[2], argv[3], argv[4], argv[5], atoi(argv[7]), WORKLOAD_THREADS, 100000,
                             fx_now() + WAIT_SECONDS, victim_gc() };
    wl_run(&cfg, argv[6]);
}

/* The newest version of name committed according to the log (the one no collection may have evicted). */
static const char *newest_committed(const struct wl_log_view *view, const char *name)
{
    const char *newest = NULL;
    for (size_t i = 0; i < view->count; i++) {
        if (view->events[i].kind == 'S' && strcmp(view->events[i].name, name) == 0) {
            newest = view->events[i].version;
        }
    }
    return newest;
}

/* After a kill: the store reopened; check what the round's log says against it. */
static void check_round(snapshotter *s, const struct wl_log_view *view, const char *src, const char *scratch, int round)
{
    char prefix[16];
    snprintf(prefix, sizeof prefix, "p%dt", round);
    for (size_t i = 0; i < view->count; i++) {
        const struct wl_event *e = &view->events[i];
        if (e->kind != 'S' || strncmp(e->name, prefix, strlen(prefix)) != 0) {
            continue;
        }
        const char *out = PATH("%s/%s-%s", scratch, e->name, e->version);
        snapshotter_restore_request req = fx_restore_request(e->name, e->version, out, 0);
        snapshotter_error *err = NULL;
        snapshotter_code code = snapshotter_restore(NULL, s, &req, &err);
        int newest = strcmp(newest_committed(view, e->name), e->version) == 0;
        int gone = wl_is_snapshot_not_found(code, err, e->name, e->version);
        CHECK(code == SNAPSHOTTER_OK || (gone && !newest), "round %d: committed %s:%s does not restore: %s: %s", round,
              e->name, e->version, snapshotter_code_name(code), snapshotter_error_message(err));
        snapshotter_error_free(err);
        CHECK(code != SNAPSHOTTER_OK || wl_tree_matches(src, atoi(e->arg), out),
              "round %d: %s:%s restored with other bytes than set %s", round, e->name, e->version, e->arg);
    }
    for (size_t i = 0; i < view->count; i++) {
        const struct wl_event *e = &view->events[i];
        if (e->kind != 'B' || strncmp(e->name, prefix, strlen(prefix)) != 0) {
            continue;
        }
        const char *dir = e->arg;
        int set = -1;
        for (size_t j = 0; j < view->count; j++) {
            if (view->events[j].kind == 'S' && strcmp(view->events[j].name, e->name) == 0 &&
                strcmp(view->events[j].version, e->version) == 0) {
                set = atoi(view->events[j].arg);
            }
        }
        if (fx_exists(PATH("%s/%s", dir, SNAPSHOTTER_RESTORE_INCOMPLETE_MARKER))) {
            snapshotter_restore_request req = fx_restore_request(e->name, e->version, dir, 0);
            snapshotter_error *err = NULL;
            snapshotter_code code = snapshotter_restore(NULL, s, &req, &err);
            int gone = wl_is_snapshot_not_found(code, err, e->name, e->version);
            CHECK(code == SNAPSHOTTER_OK || gone, "round %d: restoring %s:%s again into %s: %s: %s", round, e->name,
                  e->version, dir, snapshotter_code_name(code), snapshotter_error_message(err));
            snapshotter_error_free(err);
            if (gone) {
                continue;
            }
            CHECK(!fx_exists(PATH("%s/%s", dir, SNAPSHOTTER_RESTORE_INCOMPLETE_MARKER)),
                  "round %d: a finished restore left the marker in %s", round, dir);
            CHECK(fx_count_temp_files(dir) == 0, "round %d: a dead restore's temporary files survived in %s", round,
                  dir);
        }
        CHECK(fx_count_named(dir, "") == 0 || wl_tree_matches(src, set, dir),
              "round %d: %s holds files of %s:%s without the marker but is not complete", round, dir, e->name,
              e->version);
    }
}

static void killed_at_random_points_leaves_a_consistent_store(void)
{
    const char *dir = fx_tempdir("crash-random");
    const char *root = KEEP_PATH("%s/root", dir), *src = KEEP_PATH("%s/src", dir), *out = KEEP_PATH("%s/out", dir);
    const char *log = KEEP_PATH("%s/log", dir);
    wl_make_sets(src);
    fx_mkdirs(out);
    unsigned seed = (unsigned)time(NULL);
    printf("  seed %u\n", seed);
    snapshotter_gc_options quiet = victim_gc();
    for (int round = 0; round < KILL_ROUNDS; round++) {
        const char *ready = PATH("%s/ready-%d", dir, round);
        char round_text[16];
        snprintf(round_text, sizeof round_text, "%d", round);
        char *argv[] = { "/proc/self/exe", "--workload", (char *)root, (char *)src, (char *)out, (char *)log,
                         (char *)ready, round_text, NULL };
        pid_t child = spawn_self(argv);
        wait_for(ready);
        fx_sleep_ms((long)(rand_r(&seed) % KILL_WINDOW_MS));
        kill(child, SIGKILL);
        int status = 0;
        CHECK(waitpid(child, &status, 0) == child, "waitpid");
        CHECK(WIFSIGNALED(status), "round %d: the victim ended before it was killed (status 0x%x)", round, status);

        snapshotter *s = wl_open(root, &quiet);
        CHECK(fx_count_temp_files(PATH("%s/storage", root)) == 0, "round %d: temporary files survived recovery",
              round);
        wl_check_verify_clean(s);
        struct wl_log_view *view = wl_read_log(log);
        wl_check_no_failure(view);
        const char *scratch = PATH("%s/check-%d", dir, round);
        check_round(s, view, src, scratch, round);
        fx_rmtree(scratch);
        snapshotter_close(s);
    }
    struct wl_log_view *view = wl_read_log(log);
    size_t counts[128] = { 0 };
    for (size_t i = 0; i < view->count; i++) {
        counts[(unsigned char)view->events[i].kind & 127]++;
    }
    printf("  %d kills after %zu snapshots, %zu restores begun (%zu finished), %zu evictions\n", KILL_ROUNDS,
           counts['S'], counts['B'], counts['R'], counts['E']);
    CHECK(counts['S'] >= KILL_ROUNDS && counts['B'] > 0 && counts['E'] > 0,
          "the victims did too little work before being killed to test anything");
}

int main(int argc, char **argv)
{
    name_files();
    if (argc == 5 && strcmp(argv[1], "--victim") == 0) {
        static const struct check_test child[] = { CHECK_TEST(victim) };
        victim_root = argv[2], victim_src = argv[3], victim_marker = argv[4];
        return check_main(1, argv, child, 1);
    }
    if (argc == 8 && strcmp(argv[1], "--workload") == 0) {
        static const struct check_test child[] = { CHECK_TEST(workload_victim) };
        workload_argv = argv;
        return check_main(1, argv, child, 1);
    }
    static const struct check_test tests[] = {
        CHECK_TEST(killed_snapshot_frees_its_name),
        CHECK_TEST(killed_at_random_points_leaves_a_consistent_store),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
