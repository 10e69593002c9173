/*
 * The mixed workload of the multi-process tests (crash_test, stress_test): threads of one process
 * snapshotting, restoring and collecting on one root directory, each event logged as one line written
 * with a single write() to an O_APPEND log shared by every process:
 *   S NAME VERSION SET    a snapshot of source set SET was committed (the call returned OK)
 *   B NAME VERSION DIR    a restore into DIR began
 *   R NAME VERSION DIR    that restore returned OK and the tree matched the set byte for byte
 *   M NAME VERSION        a restore found the snapshot gone (evicted before it began)
 *   E NAME VERSION        a collection reported evicting it
 *   F MESSAGE             an operation failed: the test fails
 * Include after fixture.h.
 */
#ifndef SNAPSHOTTER_TEST_WORKLOAD_H
#define SNAPSHOTTER_TEST_WORKLOAD_H

#include "fixture.h"

#define WL_SETS 4
#define WL_FILES 3
#define WL_MAX_THREADS 8
#define WL_MAX_VERSIONS 4096

static const snapshotter_file wl_files[WL_FILES] = {
    FX_FILE("model.bin", SNAPSHOTTER_FILE_READ_ONLY),
    FX_FILE("state/memory.bin", 0),
    FX_FILE("config.txt", 0),
};
static const uint64_t wl_file_bytes[WL_FILES] = { 256 * 1024, 1024 * 1024, 4096 };

/* Source sets SRC/set<k>: the same paths with different bytes, so snapshots share content across names. */
static inline void wl_make_sets(const char *src)
{
    for (int set = 0; set < WL_SETS; set++) {
        for (int f = 0; f < WL_FILES; f++) {
            fx_write_random(PATH("%s/set%d/%s", src, set, wl_files[f].relative_path), wl_file_bytes[f],
                            (uint64_t)(set * WL_FILES + f + 1));
        }
    }
}

struct wl_config {
    const char *root, *src, *out, *log;
    int process, threads, max_ops;
    double deadline;
    snapshotter_gc_options gc;
};

__attribute__((format(printf, 2, 3))) static inline void wl_log(const char *log, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    n = n < 0 ? 0 : n > (int)sizeof line - 2 ? (int)sizeof line - 2 : n;
    line[n++] = '\n';
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t written = write(fd, line, (size_t)n);
        (void)written;
        close(fd);
    }
}

/* 1 when both files hold the same bytes (no CHECK: also used from worker threads of a victim). */
static inline int wl_same_bytes(const char *a, const char *b)
{
    enum { CHUNK = 1 << 16 };
    char ba[CHUNK], bb[CHUNK];
    int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
    int same = fa >= 0 && fb >= 0;
    for (off_t off = 0; same; off += CHUNK) {
        ssize_t na = pread(fa, ba, CHUNK, off), nb = pread(fb, bb, CHUNK, off);
        same = na == nb && na >= 0 && memcmp(ba, bb, (size_t)na) == 0;
        if (na < CHUNK) {
            break;
        }
    }
    if (fa >= 0) {
        close(fa);
    }
    if (fb >= 0) {
        close(fb);
    }
    return same;
}

/* 1 when every file of the set was restored into dir with the set's bytes. */
static inline int wl_tree_matches(const char *src, int set, const char *dir)
{
    for (int f = 0; f < WL_FILES; f++) {
        if (!wl_same_bytes(PATH("%s/set%d/%s", src, set, wl_files[f].relative_path),
                           PATH("%s/%s", dir, wl_files[f].relative_path))) {
            return 0;
        }
    }
    return 1;
}

static inline int wl_is_snapshot_not_found(snapshotter_code code, const snapshotter_error *err, const char *name,
                                           const char *version)
{
    return code == SNAPSHOTTER_ERROR_NOT_FOUND &&
           strcmp(snapshotter_error_message(err), PATH("snapshot '%s:%s' not found", name, version)) == 0;
}

struct wl_thread {
    const struct wl_config *cfg;
    snapshotter *s;
    int index;
    unsigned seed;
    int sets[WL_MAX_VERSIONS];
};

static inline void wl_snapshot(struct wl_thread *t, const char *name, int version)
{
    int set = (int)(rand_r(&t->seed) % WL_SETS);
    char v[32];
    snprintf(v, sizeof v, "v%d", version);
    snapshotter_snapshot_request req =
        fx_snapshot_request(name, v, PATH("%s/set%d", t->cfg->src, set), wl_files, WL_FILES);
    snapshotter_error *err = NULL;
    snapshotter_code code = snapshotter_snapshot(NULL, t->s, &req, &err);
    if (code == SNAPSHOTTER_OK) {
        t->sets[version] = set;
        wl_log(t->cfg->log, "S %s %s %d", name, v, set);
    } else {
        wl_log(t->cfg->log, "F snapshot %s:%s: %s: %s", name, v, snapshotter_code_name(code),
               snapshotter_error_message(err));
    }
    snapshotter_error_free(err);
}

static inline void wl_restore(struct wl_thread *t, const char *name, int version, int op)
{
    char v[32];
    snprintf(v, sizeof v, "v%d", version);
    struct fx_path path = fx_pathf("%s/%s-%d", t->cfg->out, name, op);
    const char *dir = path.s;
    wl_log(t->cfg->log, "B %s %s %s", name, v, dir);
    snapshotter_restore_request req = fx_restore_request(name, v, dir, 0);
    snapshotter_error *err = NULL;
    snapshotter_code code = snapshotter_restore(NULL, t->s, &req, &err);
    if (code == SNAPSHOTTER_OK) {
        if (wl_tree_matches(t->cfg->src, t->sets[version], dir)) {
            wl_log(t->cfg->log, "R %s %s %s", name, v, dir);
        } else {
            wl_log(t->cfg->log, "F restore %s:%s into %s: the tree differs from set %d", name, v, dir,
                   t->sets[version]);
        }
    } else if (wl_is_snapshot_not_found(code, err, name, v)) {
        wl_log(t->cfg->log, "M %s %s", name, v);
    } else {
        wl_log(t->cfg->log, "F restore %s:%s: %s: %s", name, v, snapshotter_code_name(code),
               snapshotter_error_message(err));
    }
    snapshotter_error_free(err);
}

static inline void wl_collect(struct wl_thread *t)
{
    snapshotter_gc_report *report = NULL;
    snapshotter_error *err = NULL;
    snapshotter_code code = snapshotter_gc(&report, t->s, NULL, &err);
    if (code != SNAPSHOTTER_OK) {
        wl_log(t->cfg->log, "F gc: %s: %s", snapshotter_code_name(code), snapshotter_error_message(err));
    }
    for (size_t i = 0; i < snapshotter_gc_report_evicted_count(report); i++) {
        const snapshotter_gc_evicted *e = snapshotter_gc_report_evicted_get(report, i);
        wl_log(t->cfg->log, "E %s %s", e->name, e->snapshot_version);
    }
    snapshotter_gc_report_free(report);
    snapshotter_error_free(err);
}

/* One thread: name p<process>t<index>, versions v0, v1, ...; half the operations snapshot, a quarter
 * restore a random earlier version, a quarter collect. */
static inline void *wl_thread_main(void *arg)
{
    struct wl_thread *t = arg;
    char name[32];
    snprintf(name, sizeof name, "p%dt%d", t->cfg->process, t->index);
    int versions = 0;
    for (int op = 0; op < t->cfg->max_ops && fx_now() < t->cfg->deadline && versions < WL_MAX_VERSIONS; op++) {
        int choice = (int)(rand_r(&t->seed) % 4);
        if (choice < 2 || versions == 0) {
            wl_snapshot(t, name, versions++);
        } else if (choice == 2) {
            wl_restore(t, name, (int)(rand_r(&t->seed) % (unsigned)versions), op);
        } else {
            wl_collect(t);
        }
    }
    return NULL;
}

static inline snapshotter *wl_open(const char *root, const snapshotter_gc_options *gc)
{
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = root;
    opts.gc = gc;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_open(&s, &opts, CHECK_ERR));
    return s;
}

/* Runs the workload's threads on one handle until the deadline or max_ops; `ready` is created once the
 * handle is open. */
static inline void wl_run(const struct wl_config *cfg, const char *ready)
{
    snapshotter *s = wl_open(cfg->root, &cfg->gc);
    int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        close(fd);
    }
    static struct wl_thread threads[WL_MAX_THREADS];
    pthread_t ids[WL_MAX_THREADS];
    int count = cfg->threads < WL_MAX_THREADS ? cfg->threads : WL_MAX_THREADS;
    for (int i = 0; i < count; i++) {
        threads[i].cfg = cfg, threads[i].s = s, threads[i].index = i;
        threads[i].seed = (unsigned)(cfg->process * 7919 + i * 104729 + 1);
        CHECK(pthread_create(&ids[i], NULL, wl_thread_main, &threads[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < count; i++) {
        CHECK_JOIN(ids[i]);
    }
    snapshotter_close(s);
}

/* --------------------------------------------------------------- the log */

struct wl_event {
    char kind;
    char name[32], version[32], arg[512];
};

struct wl_log_view {
    struct wl_event *events;
    size_t count;
};

static inline void wl_log_free(void *view)
{
    free(((struct wl_log_view *)view)->events);
    free(view);
}

/* Every event of the log, in order; freed when the test ends. */
static inline struct wl_log_view *wl_read_log(const char *log)
{
    struct wl_log_view *view = calloc(1, sizeof *view);
    CHECK(view != NULL, "out of memory");
    check_defer(wl_log_free, view);
    FILE *f = fopen(log, "r");
    if (f == NULL) {
        return view;
    }
    size_t capacity = 0;
    char line[2048];
    while (fgets(line, sizeof line, f) != NULL) {
        if (view->count == capacity) {
            capacity = capacity == 0 ? 256 : capacity * 2;
            view->events = realloc(view->events, capacity * sizeof view->events[0]);
            CHECK(view->events != NULL, "out of memory");
        }
        struct wl_event *e = &view->events[view->count];
        memset(e, 0, sizeof *e);
        e->kind = line[0];
        line[strcspn(line, "\n")] = '\0';
        if (e->kind == 'F') {
            snprintf(e->arg, sizeof e->arg, "%.511s", line + 2);
        } else if (sscanf(line + 2, "%31s %31s %511s", e->name, e->version, e->arg) < 2) {
            continue;
        }
        view->count++;
    }
    fclose(f);
    return view;
}

/* Whether the log says a collection evicted name:version. */
static inline int wl_evicted(const struct wl_log_view *view, const char *name, const char *version)
{
    for (size_t i = 0; i < view->count; i++) {
        const struct wl_event *e = &view->events[i];
        if (e->kind == 'E' && strcmp(e->name, name) == 0 && strcmp(e->version, version) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Fails the test on any F line. */
static inline void wl_check_no_failure(const struct wl_log_view *view)
{
    for (size_t i = 0; i < view->count; i++) {
        CHECK(view->events[i].kind != 'F', "an operation failed: %s", view->events[i].arg);
    }
}

/* Verifies the store and fails the test on any problem, printing them. */
static inline void wl_check_verify_clean(snapshotter *s)
{
    snapshotter_verify_report *report = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify(&report, s, NULL, CHECK_ERR));
    size_t problems = snapshotter_verify_report_problem_count(report);
    for (size_t i = 0; i < problems; i++) {
        const snapshotter_verify_problem *p = snapshotter_verify_report_problem_get(report, i);
        fprintf(stderr, "  verify: kind %u %s: %s\n", p->kind, p->subject, p->message);
    }
    snapshotter_verify_report_free(report);
    CHECK(problems == 0, "verify found %zu problem(s)", problems);
}

#endif
