/* The log hook: what no call returns (a background collection that fails) reaches it; levels filter;
 * replacing the hook waits for a running callback; the hook cannot replace itself. */
#include "check.h"
#include "fixture.h"

#include <stdatomic.h>

#define WAIT_SECONDS 30.0

/* What the hook saw. Written on library threads, read by the test once it stops waiting. */
struct seen {
    pthread_mutex_t mutex;
    int count[SNAPSHOTTER_LOG_DEBUG + 1];
    int bad_level;
    char error[1024];
    atomic_int in_hook;
    long sleep_ms;
    snapshotter_code nested_set;
    int nested_tried;
};

static void record(snapshotter_log_level level, const char *message, void *payload)
{
    struct seen *seen = payload;
    atomic_store(&seen->in_hook, 1);
    pthread_mutex_lock(&seen->mutex);
    if (level < SNAPSHOTTER_LOG_ERROR || level > SNAPSHOTTER_LOG_DEBUG || message == NULL) {
        seen->bad_level = 1;
    } else {
        seen->count[level]++;
        if (level == SNAPSHOTTER_LOG_ERROR && seen->error[0] == '\0') {
            snprintf(seen->error, sizeof seen->error, "%s", message);
        }
    }
    long sleep_ms = seen->sleep_ms;
    pthread_mutex_unlock(&seen->mutex);
    if (sleep_ms > 0) {
        fx_sleep_ms(sleep_ms);
    }
    atomic_store(&seen->in_hook, 0);
}

static void set_from_inside(snapshotter_log_level level, const char *message, void *payload)
{
    struct seen *seen = payload;
    record(level, message, payload);
    pthread_mutex_lock(&seen->mutex);
    if (!seen->nested_tried) {
        seen->nested_tried = 1;
        seen->nested_set = snapshotter_log_set(SNAPSHOTTER_LOG_NONE, NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&seen->mutex);
}

static void log_off(void *unused)
{
    (void)unused;
    snapshotter_log_set(SNAPSHOTTER_LOG_NONE, NULL, NULL, NULL);
}

static void close_handle(void *s)
{
    snapshotter_close(s);
}

static int count_of(struct seen *seen, snapshotter_log_level level)
{
    pthread_mutex_lock(&seen->mutex);
    int n = seen->count[level];
    pthread_mutex_unlock(&seen->mutex);
    return n;
}

/* A handle whose background collector runs every second. */
static snapshotter *open_collecting(const char *root)
{
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter_gc_options gc = SNAPSHOTTER_GC_OPTIONS_INIT;
    snapshotter *s = NULL;
    gc.interval_seconds = 1;
    opts.root_dir = root;
    opts.gc = &gc;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_open(&s, &opts, CHECK_ERR));
    check_defer(close_handle, s);
    return s;
}

static int wait_for(struct seen *seen, snapshotter_log_level level)
{
    double deadline = fx_now() + WAIT_SECONDS;
    while (count_of(seen, level) == 0 && fx_now() < deadline) {
        fx_sleep_ms(50);
    }
    return count_of(seen, level) > 0;
}

/* The collector's lock file replaced by a directory: every background collection fails with IO, which
 * only the log can tell. */
static void background_failure_is_logged(void)
{
    static struct seen seen = { .mutex = PTHREAD_MUTEX_INITIALIZER };
    const char *root = fx_tempdir("log");
    check_defer(log_off, NULL);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_log_set(SNAPSHOTTER_LOG_WARNING, record, &seen, CHECK_ERR));
    open_collecting(root);
    const char *lock = KEEP_PATH("%s/metadata/collector.lock", root);
    unlink(lock);
    fx_mkdirs(lock);
    CHECK(wait_for(&seen, SNAPSHOTTER_LOG_ERROR), "no ERROR message within %.0f s of a failing collector", WAIT_SECONDS);
    pthread_mutex_lock(&seen.mutex);
    int names_root = strstr(seen.error, root) != NULL && strstr(seen.error, "background garbage collection") != NULL;
    pthread_mutex_unlock(&seen.mutex);
    CHECK(names_root, "the message does not name the collection and its root: \"%s\"", seen.error);
    CHECK(count_of(&seen, SNAPSHOTTER_LOG_DEBUG) == 0 && count_of(&seen, SNAPSHOTTER_LOG_INFO) == 0,
          "a hook set for WARNING received INFO or DEBUG messages");
    CHECK(!seen.bad_level, "a message with a level outside 1..4 or without text");
}

/* A working collector with nothing to do says so at DEBUG. */
static void debug_level_sees_idle_collections(void)
{
    static struct seen seen = { .mutex = PTHREAD_MUTEX_INITIALIZER };
    const char *root = fx_tempdir("log");
    check_defer(log_off, NULL);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_log_set(SNAPSHOTTER_LOG_DEBUG, record, &seen, CHECK_ERR));
    open_collecting(root);
    CHECK(wait_for(&seen, SNAPSHOTTER_LOG_DEBUG), "no DEBUG message within %.0f s", WAIT_SECONDS);
    CHECK(count_of(&seen, SNAPSHOTTER_LOG_ERROR) == 0, "an idle collection logged an ERROR");
}

/* snapshotter_log_set returns only once the previous hook's running callback has returned. */
static void replacing_waits_for_the_running_hook(void)
{
    static struct seen seen = { .mutex = PTHREAD_MUTEX_INITIALIZER, .sleep_ms = 300 };
    const char *root = fx_tempdir("log");
    check_defer(log_off, NULL);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_log_set(SNAPSHOTTER_LOG_DEBUG, record, &seen, CHECK_ERR));
    open_collecting(root);
    double deadline = fx_now() + WAIT_SECONDS;
    while (!atomic_load(&seen.in_hook) && fx_now() < deadline) {
        fx_sleep_ms(1);
    }
    CHECK(atomic_load(&seen.in_hook), "the hook was not called within %.0f s", WAIT_SECONDS);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_log_set(SNAPSHOTTER_LOG_NONE, NULL, NULL, CHECK_ERR));
    CHECK(!atomic_load(&seen.in_hook), "snapshotter_log_set returned while the previous hook was running");
    int after = count_of(&seen, SNAPSHOTTER_LOG_DEBUG);
    fx_sleep_ms(1500);
    CHECK(count_of(&seen, SNAPSHOTTER_LOG_DEBUG) == after, "the hook was called after it was replaced");
}

static void the_hook_cannot_replace_itself(void)
{
    static struct seen seen = { .mutex = PTHREAD_MUTEX_INITIALIZER };
    const char *root = fx_tempdir("log");
    check_defer(log_off, NULL);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_log_set(SNAPSHOTTER_LOG_DEBUG, set_from_inside, &seen, CHECK_ERR));
    open_collecting(root);
    CHECK(wait_for(&seen, SNAPSHOTTER_LOG_DEBUG), "no DEBUG message within %.0f s", WAIT_SECONDS);
    pthread_mutex_lock(&seen.mutex);
    snapshotter_code nested = seen.nested_set;
    pthread_mutex_unlock(&seen.mutex);
    CHECK(nested == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshotter_log_set from inside the hook gave %s",
          snapshotter_code_name(nested));
}

static void levels_out_of_range_are_refused(void)
{
    static struct seen seen = { .mutex = PTHREAD_MUTEX_INITIALIZER };
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "level 5",
                snapshotter_log_set((snapshotter_log_level)5, record, &seen, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "level -1",
                snapshotter_log_set((snapshotter_log_level)-1, record, &seen, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_log_set(SNAPSHOTTER_LOG_NONE, NULL, NULL, CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_log_set(SNAPSHOTTER_LOG_ERROR, NULL, NULL, CHECK_ERR));
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(background_failure_is_logged),
        CHECK_TEST(debug_level_sees_idle_collections),
        CHECK_TEST(replacing_waits_for_the_running_hook),
        CHECK_TEST(the_hook_cannot_replace_itself),
        CHECK_TEST(levels_out_of_range_are_refused),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
