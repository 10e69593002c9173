/* Concurrency as the header promises it: many threads on one handle, several handles and a second
 * process on one root dir, all snapshotting and restoring at once (sharing some content), every
 * restore checked byte for byte; and two snapshots racing for one name:version, exactly one wins.
 * The second process is this binary again (posix_spawn of /proc/self/exe --child ROOT DIR). */
#include "fixture.h"

#include <spawn.h>

#define THREADS 8
#define CYCLES 3
#define RACE_ROUNDS 5

extern char **environ;

/* One snapshot and restore of a fresh little tree whose content depends on name and cycle; two files
 * have the same content in every tree, so concurrent calls store and link the same digests. */
static void cycle(snapshotter *s, const char *dir, const char *name, int round)
{
    struct fx_path src = fx_pathf("%s/src-%s-%d", dir, name, round), out = fx_pathf("%s/out-%s-%d", dir, name, round);
    char version[16], text[128];
    snprintf(version, sizeof version, "v%d", round);
    snprintf(text, sizeof text, "%s round %d\n", name, round);
    fx_write_text(PATH("%s/own.txt", src.s), text, 0644);
    fx_write_text(PATH("%s/ro/own.txt", src.s), text, 0444);
    fx_write_random(PATH("%s/data.bin", src.s), 192 * 1024, (uint64_t)round * 1000 + strlen(name) + (uint64_t)name[1]);
    fx_write_text(PATH("%s/shared.txt", src.s), "the same in every tree\n", 0644);
    fx_write_text(PATH("%s/ro/shared.txt", src.s), "read-only and the same in every tree\n", 0644);
    fx_pwrite(PATH("%s/holes.img", src.s), text, strlen(text), 3 * FX_MiB, 0640);
    fx_set_mtime(PATH("%s/ro/shared.txt", src.s), 1700000000 + round, 1000 * round);
    static const snapshotter_file files[] = {
        FX_FILE("own.txt", 0), FX_FILE("ro/own.txt", SNAPSHOTTER_FILE_READ_ONLY), FX_FILE("data.bin", 0),
        FX_FILE("shared.txt", 0), FX_FILE("ro/shared.txt", SNAPSHOTTER_FILE_READ_ONLY), FX_FILE("holes.img", 0),
    };
    snapshotter_stats stats = fx_snapshot(s, name, version, src.s, files, CHECK_COUNT(files));
    CHECK(stats.files == CHECK_COUNT(files), "%s:%s stats.files %" PRIu64, name, version, stats.files);
    stats = fx_restore(s, name, version, out.s, 0);
    CHECK(stats.files == CHECK_COUNT(files), "%s:%s restore stats.files %" PRIu64, name, version, stats.files);
    for (size_t i = 0; i < CHECK_COUNT(files); i++) {
        struct fx_path restored = fx_pathf("%s/%s", out.s, files[i].relative_path);
        fx_check_restored(PATH("%s/%s", src.s, files[i].relative_path), restored.s);
    }
}

struct worker {
    snapshotter *s;
    const char *dir;
    char name[32];
    pthread_t thread;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int round = 1; round <= CYCLES; round++) {
        cycle(w->s, w->dir, w->name, round);
    }
    return NULL;
}

static void start_workers(struct worker *workers, int count, snapshotter **handles, int handle_count,
                          const char *dir, const char *prefix)
{
    for (int i = 0; i < count; i++) {
        workers[i].s = handles[i % handle_count];
        workers[i].dir = dir;
        snprintf(workers[i].name, sizeof workers[i].name, "%s-%d", prefix, i);
        CHECK(pthread_create(&workers[i].thread, NULL, work, &workers[i]) == 0, "pthread_create");
    }
}

static void join_workers(struct worker *workers, int count)
{
    for (int i = 0; i < count; i++) {
        CHECK_JOIN(workers[i].thread);
    }
}

static void eight_threads_on_one_handle(void)
{
    const char *dir = fx_tempdir("threads");
    snapshotter *s = fx_open(PATH("%s/root", dir), 2);
    struct worker workers[THREADS];
    start_workers(workers, THREADS, &s, 1, dir, "one");
    join_workers(workers, THREADS);
    snapshotter_close(s);
}

static void threads_on_two_handles_of_one_root(void)
{
    const char *dir = fx_tempdir("handles");
    snapshotter *handles[2] = { fx_open(PATH("%s/root", dir), 2), fx_open(PATH("%s/root", dir), 3) };
    struct worker workers[THREADS];
    start_workers(workers, THREADS, handles, 2, dir, "two");
    join_workers(workers, THREADS);
    snapshotter_close(handles[0]);
    snapshotter_close(handles[1]);
}

struct racer {
    snapshotter *s;
    const char *src;
    const char *version;
    pthread_barrier_t *barrier;
    snapshotter_code code;
    char message[512];
    pthread_t thread;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    snapshotter_file file = FX_FILE("who.txt", 0);
    snapshotter_snapshot_request req = fx_snapshot_request("race", r->version, r->src, &file, 1);
    snapshotter_error *err = NULL;
    pthread_barrier_wait(r->barrier);
    r->code = snapshotter_snapshot(NULL, r->s, &req, &err);
    snprintf(r->message, sizeof r->message, "%s", snapshotter_error_message(err));
    snapshotter_error_free(err);
    return NULL;
}

/* Exactly one of two concurrent snapshots of one name:version succeeds, on one handle or two. */
static void two_snapshots_race_for_one_name(void)
{
    const char *dir = fx_tempdir("race");
    snapshotter *handles[2] = { fx_open(PATH("%s/root", dir), 0), fx_open(PATH("%s/root", dir), 0) };
    const char *srcs[2] = { KEEP_PATH("%s/src0", dir), KEEP_PATH("%s/src1", dir) };
    fx_write_text(PATH("%s/who.txt", srcs[0]), "racer 0\n", 0644);
    fx_write_text(PATH("%s/who.txt", srcs[1]), "racer 1\n", 0644);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    for (int round = 0; round < RACE_ROUNDS; round++) {
        char version[16];
        snprintf(version, sizeof version, "v%d", round);
        struct racer racers[2];
        for (int i = 0; i < 2; i++) {
            racers[i] = (struct racer){ .s = handles[round % 2 == 0 ? 0 : i], .src = srcs[i], .version = version,
                                        .barrier = &barrier };
            CHECK(pthread_create(&racers[i].thread, NULL, race, &racers[i]) == 0, "pthread_create");
        }
        CHECK_JOIN(racers[0].thread);
        CHECK_JOIN(racers[1].thread);
        int winner = racers[0].code == SNAPSHOTTER_OK ? 0 : 1, loser = 1 - winner;
        CHECK(racers[winner].code == SNAPSHOTTER_OK, "round %d: nobody won: %s / %s", round, racers[0].message,
              racers[1].message);
        CHECK(racers[loser].code == SNAPSHOTTER_ERROR_ALREADY_EXISTS && strstr(racers[loser].message, "race:") != NULL,
              "round %d: the loser got %s: \"%s\"", round, snapshotter_code_name(racers[loser].code),
              racers[loser].message);
        struct fx_path out = fx_pathf("%s/out-%d", dir, round);
        fx_restore(handles[0], "race", version, out.s, 0);
        fx_check_restored(PATH("%s/who.txt", srcs[winner]), PATH("%s/who.txt", out.s));
    }
    pthread_barrier_destroy(&barrier);
    snapshotter_close(handles[0]);
    snapshotter_close(handles[1]);
}

struct restorer {
    snapshotter *s;
    const char *out;
    pthread_barrier_t *barrier;
    snapshotter_code code;
    char message[512];
    pthread_t thread;
};

static void *restore_racing(void *arg)
{
    struct restorer *r = arg;
    snapshotter_restore_request req = fx_restore_request("shared", "v1", r->out, 0);
    snapshotter_error *err = NULL;
    pthread_barrier_wait(r->barrier);
    r->code = snapshotter_restore(NULL, r->s, &req, &err);
    snprintf(r->message, sizeof r->message, "%s", snapshotter_error_message(err));
    snapshotter_error_free(err);
    return NULL;
}

/* Two restores of one snapshot into one dir at once (two jobs warming one cache): each finds the
 * other's files identical to its own, which a restore always leaves alone. Both succeed. */
static void two_restores_race_into_one_dir(void)
{
    const char *dir = fx_tempdir("restorerace");
    snapshotter *s = fx_open(PATH("%s/root", dir), 4);
    const char *src = KEEP_PATH("%s/src", dir);
    static char names[16][32];
    snapshotter_file files[16];
    for (int i = 0; i < 16; i++) {
        snprintf(names[i], sizeof names[i], "d%d/f%d.bin", i % 3, i);
        fx_write_random(PATH("%s/%s", src, names[i]), 64 * 1024, (uint64_t)i);
        files[i] = (snapshotter_file)FX_FILE(names[i], i % 2 ? SNAPSHOTTER_FILE_READ_ONLY : 0);
    }
    fx_snapshot(s, "shared", "v1", src, files, 16);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, 2);
    for (int round = 0; round < 3; round++) {
        struct fx_path out = fx_pathf("%s/out-%d", dir, round);
        struct restorer r[2];
        for (int i = 0; i < 2; i++) {
            r[i] = (struct restorer){ .s = s, .out = out.s, .barrier = &barrier };
            CHECK(pthread_create(&r[i].thread, NULL, restore_racing, &r[i]) == 0, "pthread_create");
        }
        CHECK_JOIN(r[0].thread);
        CHECK_JOIN(r[1].thread);
        CHECK(r[0].code == SNAPSHOTTER_OK && r[1].code == SNAPSHOTTER_OK, "round %d: %s \"%s\" / %s \"%s\"", round,
              snapshotter_code_name(r[0].code), r[0].message, snapshotter_code_name(r[1].code), r[1].message);
        for (int i = 0; i < 16; i++) {
            struct fx_path restored = fx_pathf("%s/%s", out.s, names[i]);
            fx_check_restored(PATH("%s/%s", src, names[i]), restored.s);
        }
    }
    pthread_barrier_destroy(&barrier);
    snapshotter_close(s);
}

static const char *child_root, *child_dir;

/* The second process's work (run as: threads_test --child ROOT DIR). */
static void child_cycles(void)
{
    snapshotter *s = fx_open(child_root, 0);
    struct worker workers[2];
    for (int i = 0; i < 2; i++) {
        workers[i].s = s;
        workers[i].dir = child_dir;
        snprintf(workers[i].name, sizeof workers[i].name, "proc-%d", i);
        CHECK(pthread_create(&workers[i].thread, NULL, work, &workers[i]) == 0, "pthread_create");
    }
    join_workers(workers, 2);
    snapshotter_close(s);
}

static void second_process_on_one_root(void)
{
    const char *dir = fx_tempdir("process");
    const char *root = KEEP_PATH("%s/root", dir);
    char *argv[] = { "/proc/self/exe", "--child", (char *)root, (char *)dir, NULL };
    pid_t child;
    CHECK(posix_spawn(&child, "/proc/self/exe", NULL, NULL, argv, environ) == 0, "spawn the second process");
    snapshotter *s = fx_open(root, 2);
    struct worker workers[4];
    start_workers(workers, 4, &s, 1, dir, "parent");
    join_workers(workers, 4);
    snapshotter_close(s);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the second process failed (status 0x%x; see above)", status);
    /* Each process can read what the other wrote. */
    s = fx_open(root, 0);
    fx_restore(s, "proc-0", "v1", PATH("%s/cross-check", dir), 0);
    snapshotter_close(s);
    fx_check_restored(PATH("%s/src-proc-0-1/data.bin", dir), PATH("%s/cross-check/data.bin", dir));
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0) {
        static const struct check_test child[] = { CHECK_TEST(child_cycles) };
        child_root = argv[2];
        child_dir = argv[3];
        return check_main(1, argv, child, 1);
    }
    static const struct check_test tests[] = {
        CHECK_TEST(eight_threads_on_one_handle),
        CHECK_TEST(threads_on_two_handles_of_one_root),
        CHECK_TEST(two_snapshots_race_for_one_name),
        CHECK_TEST(two_restores_race_into_one_dir),
        CHECK_TEST(second_process_on_one_root),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
