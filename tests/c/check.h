/*
 * Assertions and a minimal runner for the C ABI tests.
 *
 * A test binary lists its tests and calls check_main(). Each test runs in turn; a failed CHECK prints
 * file:line and what went wrong, then leaves the test (longjmp back to the runner), which runs the
 * cleanups the test registered (check_defer) in reverse order, also on failure, and goes on with the
 * next test. The binary exits non-zero if any test failed, and alarm() bounds the whole binary.
 *
 * CHECK may be used on threads the test created: a failure there is recorded, the thread exits, and
 * the test fails when the main thread next calls check_thread_failures() (CHECK_JOIN does). Never
 * CHECK inside a library callback: those run on library threads; record what you saw in the payload.
 *
 * SNAPSHOTTER_TEST_VERBOSE=1 prints every error message a check expected, to review their wording.
 *
 * Include this header first: it selects the POSIX/GNU feature set for the system headers.
 */
#ifndef SNAPSHOTTER_TEST_CHECK_H
#define SNAPSHOTTER_TEST_CHECK_H

#define _GNU_SOURCE

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <snapshotter.h>

#define CHECK_TIMEOUT_SECONDS 120
#define CHECK_MAX_CLEANUPS 64

typedef void (*check_cleanup_fn)(void *arg);

struct check_test {
    const char *name;
    void (*run)(void);
};

struct check_state {
    pthread_t main_thread;
    jmp_buf bail_out;
    const char *current;
    atomic_int thread_failures;
    struct {
        check_cleanup_fn fn;
        void *arg;
    } cleanups[CHECK_MAX_CLEANUPS];
    int cleanup_count;
};

static struct check_state check_state_;

static inline void check_fail_(void)
{
    if (pthread_equal(pthread_self(), check_state_.main_thread)) {
        longjmp(check_state_.bail_out, 1);
    }
    atomic_fetch_add(&check_state_.thread_failures, 1);
    pthread_exit(NULL);
}

__attribute__((format(printf, 4, 5))) static inline void check_report_(const char *file, int line, const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: [%s] check failed: %s", file, line, check_state_.current, what);
    if (fmt != NULL && fmt[0] != '\0') {
        fputs(": ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    fflush(stderr);
}

/* CHECK(cond, fmt, ...): fails the test unless cond holds; the message says why it matters. */
#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            check_report_(__FILE__, __LINE__, #cond, __VA_ARGS__);        \
            check_fail_();                                                \
        }                                                                 \
    } while (0)

/* Fails the test if any thread it started failed a CHECK. */
static inline void check_thread_failures(const char *file, int line)
{
    int failed = atomic_exchange(&check_state_.thread_failures, 0);
    if (failed != 0) {
        check_report_(file, line, "threads", "%d thread(s) failed a check (see above)", failed);
        check_fail_();
    }
}
#define CHECK_JOIN(thread)                                                \
    do {                                                                  \
        CHECK(pthread_join((thread), NULL) == 0, "pthread_join");         \
        check_thread_failures(__FILE__, __LINE__);                        \
    } while (0)

static inline void check_code_(const char *file, int line, const char *call, snapshotter_code expected,
                               snapshotter_code got, snapshotter_error *err, const char *needle)
{
    const char *message = snapshotter_error_message(err);
    int ok = got == expected;
    const char *why = "";
    if (ok && expected == SNAPSHOTTER_OK && err != NULL) {
        ok = 0, why = " (the call succeeded but wrote an error object)";
    } else if (ok && expected != SNAPSHOTTER_OK && err == NULL) {
        ok = 0, why = " (no error object)";
    } else if (ok && expected != SNAPSHOTTER_OK && snapshotter_error_code(err) != expected) {
        ok = 0, why = " (the error object carries another code)";
    } else if (ok && needle != NULL && strstr(message, needle) == NULL) {
        ok = 0, why = " (the message does not name the offending argument)";
    }
    if (ok && err != NULL && getenv("SNAPSHOTTER_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "%s:%d: %s: %s\n", file, line, snapshotter_code_name(got), message);
    }
    if (!ok) {
        check_report_(file, line, call, "expected %s%s%s%s, got %s: \"%s\"%s", snapshotter_code_name(expected),
                      needle != NULL ? " naming \"" : "", needle != NULL ? needle : "", needle != NULL ? "\"" : "",
                      snapshotter_code_name(got), message, why);
    }
    snapshotter_error_free(err);
    if (!ok) {
        check_fail_();
    }
}

/* The error out-argument for calls inside CHECK_CODE/CHECK_FAILS. */
#define CHECK_ERR (&check_err_)

/* CHECK_CODE(expected, call): call (whose last argument is CHECK_ERR) must return expected; on failure
 * prints the code names and the library's message. On success no error object may be written. */
#define CHECK_CODE(expected, call)                                                             \
    do {                                                                                       \
        snapshotter_error *check_err_ = NULL;                                                  \
        snapshotter_code check_got_ = (call);                                                  \
        check_code_(__FILE__, __LINE__, #call, (expected), check_got_, check_err_, NULL);      \
    } while (0)

/* CHECK_FAILS(expected, needle, call): as CHECK_CODE, and the message must contain needle. */
#define CHECK_FAILS(expected, needle, call)                                                    \
    do {                                                                                       \
        snapshotter_error *check_err_ = NULL;                                                  \
        snapshotter_code check_got_ = (call);                                                  \
        check_code_(__FILE__, __LINE__, #call, (expected), check_got_, check_err_, (needle));  \
    } while (0)

/* Runs fn(arg) when the current test ends, pass or fail; later registrations run first. */
static inline void check_defer(check_cleanup_fn fn, void *arg)
{
    if (check_state_.cleanup_count == CHECK_MAX_CLEANUPS) {
        fprintf(stderr, "check.h: more than %d cleanups in one test\n", CHECK_MAX_CLEANUPS);
        abort();
    }
    check_state_.cleanups[check_state_.cleanup_count].fn = fn;
    check_state_.cleanups[check_state_.cleanup_count].arg = arg;
    check_state_.cleanup_count++;
}

static inline void check_run_cleanups_(void)
{
    while (check_state_.cleanup_count > 0) {
        check_state_.cleanup_count--;
        check_state_.cleanups[check_state_.cleanup_count].fn(check_state_.cleanups[check_state_.cleanup_count].arg);
    }
}

/* Runs one test and its cleanups; returns 1 if it passed. */
static inline int check_run_one_(const struct check_test *test)
{
    volatile int passed = 0;
    check_state_.current = test->name;
    if (setjmp(check_state_.bail_out) == 0) {
        test->run();
        check_thread_failures(__FILE__, __LINE__);
        passed = 1;
    }
    check_run_cleanups_();
    printf("  %-5s %s\n", passed ? "ok" : "FAIL", test->name);
    fflush(stdout);
    return passed;
}

/* Runs every test (or only those named on the command line) and returns the exit status. */
static inline int check_main(int argc, char **argv, const struct check_test *tests, size_t count)
{
    int failed = 0, ran = 0;
    alarm(CHECK_TIMEOUT_SECONDS);
    check_state_.main_thread = pthread_self();
    for (size_t i = 0; i < count; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++) {
            wanted |= strcmp(argv[a], tests[i].name) == 0;
        }
        if (wanted) {
            ran++;
            failed += !check_run_one_(&tests[i]);
        }
    }
    if (ran == 0) {
        fprintf(stderr, "no test matched\n");
        return 2;
    }
    return failed == 0 ? 0 : 1;
}

#define CHECK_TEST(fn) { #fn, fn }
#define CHECK_COUNT(array) (sizeof(array) / sizeof((array)[0]))

#endif
