/* Two processes, several threads each, snapshot, restore and collect on one root directory for a bounded
 * time while every collection evicts everything it may (high watermark 1 %, low 0 %, no retention, no
 * grace for orphans). No operation may fail; a restore may miss a snapshot only if a collection reported
 * evicting it; afterwards the store verifies clean and every snapshot not evicted restores byte for byte.
 * The second process is this binary again: stress_test --workload ROOT SRC OUT LOG READY PROCESS. */
#include "workload.h"

#include <spawn.h>

#define PROCESSES 2
#define THREADS 3
#define SECONDS 6
#define MAX_OPS 300

extern char **environ;

static snapshotter_gc_options evict_everything(void)
{
    snapshotter_gc_options gc = SNAPSHOTTER_GC_OPTIONS_INIT;
    gc.flags = SNAPSHOTTER_GC_NO_BACKGROUND | SNAPSHOTTER_GC_NO_MIN_RETENTION | SNAPSHOTTER_GC_NO_ORPHAN_GRACE;
    /* The low watermark defaults to the high one when that is lower: evict down to below 1 %. */
    gc.high_watermark_percent = 1;
    return gc;
}

static char **workload_argv;

/* Run under check_main, so a failed CHECK in the child fails it like any test. */
static void workload(void)
{
    char **argv = workload_argv;
    struct wl_config cfg = { argv[2], argv[3], argv[4], argv[5], atoi(argv[7]), THREADS, MAX_OPS,
                             fx_now() + SECONDS, evict_everything() };
    wl_run(&cfg, argv[6]);
}

static void two_processes_race_collections_without_a_failure_or_a_loss(void)
{
    const char *dir = fx_tempdir("stress");
    const char *root = KEEP_PATH("%s/root", dir), *src = KEEP_PATH("%s/src", dir), *out = KEEP_PATH("%s/out", dir);
    const char *log = KEEP_PATH("%s/log", dir);
    wl_make_sets(src);
    fx_mkdirs(out);
    pid_t children[PROCESSES];
    for (int p = 0; p < PROCESSES; p++) {
        char process[16];
        snprintf(process, sizeof process, "%d", p);
        char *argv[] = { "/proc/self/exe", "--workload", (char *)root, (char *)src, (char *)out, (char *)log,
                         (char *)PATH("%s/ready-%d", dir, p), process, NULL };
        CHECK(posix_spawn(&children[p], "/proc/self/exe", NULL, NULL, argv, environ) == 0, "spawn process %d", p);
    }
    for (int p = 0; p < PROCESSES; p++) {
        int status = 0;
        CHECK(waitpid(children[p], &status, 0) == children[p], "waitpid");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process %d ended with status 0x%x", p, status);
    }

    struct wl_log_view *view = wl_read_log(log);
    wl_check_no_failure(view);
    size_t counts[128] = { 0 };
    for (size_t i = 0; i < view->count; i++) {
        const struct wl_event *e = &view->events[i];
        counts[(unsigned char)e->kind & 127]++;
        CHECK(e->kind != 'M' || wl_evicted(view, e->name, e->version),
              "a restore missed %s:%s, which no collection reported evicting", e->name, e->version);
    }
    printf("  %zu snapshots, %zu restores (%zu found their snapshot evicted), %zu evictions\n", counts['S'],
           counts['R'] + counts['M'], counts['M'], counts['E']);
    CHECK(counts['S'] > 0 && counts['R'] > 0 && counts['E'] > 0, "the processes did too little to test anything");

    snapshotter_gc_options quiet = evict_everything();
    quiet.flags |= SNAPSHOTTER_GC_NO_DISK_EVICTION;
    snapshotter *s = wl_open(root, &quiet);
    wl_check_verify_clean(s);
    for (size_t i = 0; i < view->count; i++) {
        const struct wl_event *e = &view->events[i];
        if (e->kind != 'S' || wl_evicted(view, e->name, e->version)) {
            continue;
        }
        const char *target = PATH("%s/final-%s-%s", dir, e->name, e->version);
        fx_restore(s, e->name, e->version, target, 0);
        CHECK(wl_tree_matches(src, atoi(e->arg), target), "%s:%s restored with other bytes", e->name, e->version);
    }
    snapshotter_close(s);
}

int main(int argc, char **argv)
{
    if (argc == 8 && strcmp(argv[1], "--workload") == 0) {
        static const struct check_test child[] = { CHECK_TEST(workload) };
        workload_argv = argv;
        return check_main(1, argv, child, 1);
    }
    static const struct check_test tests[] = { CHECK_TEST(two_processes_race_collections_without_a_failure_or_a_loss) };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
