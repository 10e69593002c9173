/*
 * snapshotctl: snapshot and restore file trees from the shell with libsnapshotter.
 *
 * The library's first user: it includes nothing of the project but the public header, so whatever it
 * needs, every binding needs too. Run `snapshotctl --help` for the interface and the exit statuses.
 *
 * Interrupts: SIGINT and SIGTERM are blocked in every thread (the library's included, since they are
 * blocked before the first library call) and taken by one thread with sigwait(), which triggers the
 * call's snapshotter_cancel. A signal handler could not do that safely: cancel_trigger is thread-safe
 * but it enters the .NET runtime, which is not async-signal-safe.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <snapshotter.h>

enum {
    EXIT_USAGE = 2,
    EXIT_CODE_BASE = 10,
    EXIT_INTERRUPTED = 130,
};

#define PROGRESS_INTERVAL_NS 100000000ull

static const char usage_text[] =
    "Usage:\n"
    "  snapshotctl [--root DIR] [--content dir:PATH] [--json] [--concurrency N] snapshot --name NAME --version VERSION\n"
    "              --base-dir DIR [--ro PATH]... [--rw PATH]... [--all]\n"
    "  snapshotctl [--root DIR] [--json] restore --name NAME --version VERSION\n"
    "              [--output-dir DIR] [--overwrite]\n"
    "  snapshotctl --version | --help\n"
    "\n"
    "Commands:\n"
    "  snapshot            store files of --base-dir as the snapshot NAME:VERSION\n"
    "  restore             write NAME:VERSION into --output-dir; without it, only check that\n"
    "                      the store holds all of its content\n"
    "\n"
    "Options (the global ones may also follow the command):\n"
    "  --root DIR          the store (default: $SNAPSHOTTER_ROOT)\n"
    "  --content dir:PATH  publish content to / fetch missing content from a directory of\n"
    "                      xxh3/<hex> objects (local or NFS)\n"
    "  --json              print one JSON object on stdout, for errors too\n"
    "  --concurrency N     files processed at once (default: the library's, 5)\n"
    "  --name NAME         lowercase letters and digits joined by '.', '_', '__' or '-'\n"
    "  --version VERSION   [A-Za-z0-9_][A-Za-z0-9._-]{0,127}\n"
    "  --base-dir DIR      the directory PATHs are relative to\n"
    "  --ro PATH           a read-only file: stored and restored as a hardlink\n"
    "  --rw PATH           a writable file: restored as a private copy\n"
    "  --all               also every other regular file under --base-dir, as writable\n"
    "                      (symlinks to files included, symlinks to directories not followed)\n"
    "  --output-dir DIR    where to restore (created if missing)\n"
    "  --overwrite         replace files in --output-dir that differ from the snapshot\n"
    "\n"
    "Exit status:\n"
    "  0 success, 2 usage error, 130 interrupted (SIGINT, SIGTERM: nothing partial is kept),\n"
    "  otherwise 10 + the library's code: 11 INVALID_ARGUMENT, 12 NOT_FOUND, 13 ALREADY_EXISTS,\n"
    "  15 IO, 16 CORRUPT, 17 PERMISSION_DENIED, 18 NO_SPACE, 19 UNSUPPORTED, 20 CLOSED, 110 INTERNAL.\n";

struct file_list {
    snapshotter_file *items;
    size_t count, capacity;
};

struct cli {
    const char *command;
    const char *root;
    const char *content_dir;
    int json;
    unsigned int concurrency;
    const char *name, *version, *base_dir, *output_dir;
    int overwrite, all;
    struct file_list files;
};

/* ------------------------------------------------------------------ output */

/* Length of the well-formed UTF-8 sequence at s, or 0 (JSON output must be valid UTF-8). */
static size_t utf8_sequence(const unsigned char *s)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] < 0xC2 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF5 ? 4 : 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    int overlong_or_surrogate = (s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
                                (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90);
    return n > 1 && overlong_or_surrogate ? 0 : n;
}

/* A JSON string literal; bytes that are not UTF-8 become U+FFFD. */
static void json_string(const char *text)
{
    putchar('"');
    for (const unsigned char *s = (const unsigned char *)text; *s != '\0';) {
        size_t n = utf8_sequence(s);
        if (*s == '"' || *s == '\\') {
            printf("\\%c", *s);
        } else if (*s < 0x20) {
            printf("\\u%04x", *s);
        } else if (n == 0) {
            fputs("\\ufffd", stdout);
        } else {
            fwrite(s, 1, n, stdout);
        }
        s += n == 0 ? 1 : n;
    }
    putchar('"');
}

/* The error line on stderr and, with --json, the error object on stdout. */
static void vreport(const struct cli *cli, const char *code, const char *fmt, va_list ap)
{
    char message[4096];
    vsnprintf(message, sizeof message, fmt, ap);
    fprintf(stderr, "snapshotctl: %s: %s\n", code, message);
    if (cli->json) {
        fputs("{\"error\":{\"code\":", stdout);
        json_string(code);
        fputs(",\"message\":", stdout);
        json_string(message);
        fputs("}}\n", stdout);
    }
}

__attribute__((format(printf, 3, 4))) static void report(const struct cli *cli, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cli, code, fmt, ap);
    va_end(ap);
}

/* Usage errors name the offending argument; `snapshotctl --help` shows the rest. */
__attribute__((format(printf, 2, 3))) static int usage_error(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cli, "USAGE", fmt, ap);
    va_end(ap);
    fputs("Try 'snapshotctl --help'.\n", stderr);
    return EXIT_USAGE;
}

/* Reports a failed library call and frees its error. */
static int library_error(const struct cli *cli, snapshotter_code code, snapshotter_error *err)
{
    report(cli, snapshotter_code_name(code), "%s", snapshotter_error_message(err));
    snapshotter_error_free(err);
    return code == SNAPSHOTTER_ERROR_CANCELLED ? EXIT_INTERRUPTED : EXIT_CODE_BASE + (int)code;
}

/* An operating-system error of the CLI's own work, under the code the library would give it. */
static int os_error(const struct cli *cli, int errnum, const char *what, const char *path)
{
    snapshotter_code code = errnum == ENOENT || errnum == ENOTDIR ? SNAPSHOTTER_ERROR_NOT_FOUND
                            : errnum == EACCES || errnum == EPERM ? SNAPSHOTTER_ERROR_PERMISSION_DENIED
                                                                  : SNAPSHOTTER_ERROR_IO;
    report(cli, snapshotter_code_name(code), "%s '%s': %s", what, path, strerror(errnum));
    return EXIT_CODE_BASE + (int)code;
}

static void human_bytes(uint64_t bytes, char out[16])
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double value = (double)bytes;
    size_t unit = 0;
    while (value >= 1024 && unit + 1 < sizeof units / sizeof units[0]) {
        value /= 1024, unit++;
    }
    snprintf(out, 16, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
}

static void print_stats(const struct cli *cli, const snapshotter_stats *stats)
{
    double seconds = (double)stats->elapsed_ns / 1e9;
    if (cli->json) {
        printf("{\"command\":\"%s\",\"name\":", cli->command);
        json_string(cli->name);
        fputs(",\"version\":", stdout);
        json_string(cli->version);
        if (strcmp(cli->command, "restore") == 0) {
            fputs(",\"output_dir\":", stdout);
            cli->output_dir != NULL ? json_string(cli->output_dir) : (void)fputs("null", stdout);
        }
        printf(",\"files\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"bytes_read\":%" PRIu64 ",\"bytes_written\":%" PRIu64
               ",\"files_reused\":%" PRIu64 ",\"files_linked\":%" PRIu64 ",\"seconds\":%.3f}\n",
               stats->files, stats->bytes, stats->bytes_read, stats->bytes_written, stats->files_reused,
               stats->files_linked, seconds);
        return;
    }
    char bytes[16], read[16], written[16];
    human_bytes(stats->bytes, bytes);
    human_bytes(stats->bytes_read, read);
    human_bytes(stats->bytes_written, written);
    printf("%s %s:%s%s%s: %" PRIu64 " files, %s (%" PRIu64 " bytes)\n", cli->command, cli->name, cli->version,
           cli->output_dir != NULL ? " into " : "", cli->output_dir != NULL ? cli->output_dir : "", stats->files,
           bytes, stats->bytes);
    printf("  read %s, wrote %s, %" PRIu64 " reused, %" PRIu64 " linked, %.3f s\n", read, written,
           stats->files_reused, stats->files_linked, seconds);
}

/* --------------------------------------------------------------- progress */

struct progress_line {
    const char *verb;
    uint64_t last_ns;
    int drawn;
};

/* One line on the terminal, redrawn at most every PROGRESS_INTERVAL_NS and at the end. The library
 * never calls it concurrently for one call, so the line needs no lock. */
static int show_progress(const snapshotter_progress *p, void *payload)
{
    struct progress_line *line = payload;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    int finished = p->files_done == p->files_total && p->bytes_done == p->bytes_total;
    if (!finished && now - line->last_ns < PROGRESS_INTERVAL_NS) {
        return 0;
    }
    line->last_ns = now;
    char done[16], total[16];
    human_bytes(p->bytes_done, done);
    human_bytes(p->bytes_total, total);
    double percent = p->bytes_total == 0 ? 100.0 : 100.0 * (double)p->bytes_done / (double)p->bytes_total;
    fprintf(stderr, "\r%s: %" PRIu64 "/%" PRIu64 " files, %s of %s (%.0f%%)\033[K", line->verb, p->files_done,
            p->files_total, done, total, percent);
    line->drawn = 1;
    return 0;
}

/* ------------------------------------------------------------- interrupts */

struct interrupt_watch {
    sigset_t signals;
    snapshotter_cancel *cancel;
    pthread_t thread;
};

/* First signal: cancel the call, which then cleans up and returns. Second: leave at once. */
static void *watch_interrupts(void *arg)
{
    struct interrupt_watch *watch = arg;
    int signal_number;
    if (sigwait(&watch->signals, &signal_number) == 0) {
        /* Not cancelled while inside the library: its runtime must not be unwound. */
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        snapshotter_cancel_trigger(watch->cancel);
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    }
    if (sigwait(&watch->signals, &signal_number) == 0) {
        _exit(EXIT_INTERRUPTED);
    }
    return NULL;
}

/* --------------------------------------------------------------- file list */

static void *checked(void *p)
{
    if (p == NULL) {
        fputs("snapshotctl: INTERNAL: out of memory\n", stderr);
        exit(EXIT_CODE_BASE + SNAPSHOTTER_ERROR_INTERNAL);
    }
    return p;
}

/* Takes ownership of path. */
static void list_add(struct file_list *list, char *path, uint32_t flags)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity == 0 ? 64 : list->capacity * 2;
        list->items = checked(realloc(list->items, list->capacity * sizeof list->items[0]));
    }
    list->items[list->count].relative_path = path;
    list->items[list->count].flags = flags;
    list->count++;
}

static void list_free(struct file_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free((char *)list->items[i].relative_path);
    }
    free(list->items);
}

static int compare_files(const void *a, const void *b)
{
    return strcmp(((const snapshotter_file *)a)->relative_path, ((const snapshotter_file *)b)->relative_path);
}

static int list_contains(const struct file_list *list, const char *path)
{
    snapshotter_file key = { path, 0 };
    return list->count > 0 && bsearch(&key, list->items, list->count, sizeof key, compare_files) != NULL;
}

/* "./a//b/" -> "a/b", the form --all produces, so explicit and walked paths compare equal. ".."
 * stays, and absolute or empty paths are passed on as given: the library refuses them by name. */
static char *normalize(const char *path)
{
    char *out = checked(malloc(strlen(path) + 1)), *w = out;
    for (const char *p = path; *p != '\0';) {
        size_t n = strcspn(p, "/");
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (w > out) {
                *w++ = '/';
            }
            memcpy(w, p, n);
            w += n;
        }
        p += n + strspn(p + n, "/");
    }
    *w = '\0';
    if (path[0] == '/' || out[0] == '\0') {
        strcpy(out, path);
    }
    return out;
}

static char *join(const char *dir, const char *name)
{
    size_t length = strlen(dir) + strlen(name) + 2;
    char *path = checked(malloc(length));
    snprintf(path, length, "%s%s%s", dir, dir[0] != '\0' && name[0] != '\0' ? "/" : "", name);
    return path;
}

/* Sorted and without repeats; a path given both read-only and writable is a usage error. */
static int settle_explicit_files(const struct cli *cli, struct file_list *files)
{
    qsort(files->items, files->count, sizeof files->items[0], compare_files);
    size_t kept = 0;
    for (size_t i = 0; i < files->count; i++) {
        if (kept > 0 && strcmp(files->items[kept - 1].relative_path, files->items[i].relative_path) == 0) {
            if (files->items[kept - 1].flags != files->items[i].flags) {
                return usage_error(cli, "'%s' is given both as --ro and as --rw", files->items[i].relative_path);
            }
            free((char *)files->items[i].relative_path);
            continue;
        }
        files->items[kept++] = files->items[i];
    }
    files->count = kept;
    return 0;
}

struct walk {
    const struct cli *cli;
    const struct file_list *explicit;
    struct file_list found;
};

/* Adds the regular files below base_dir/rel that were not named explicitly. */
static int walk_dir(struct walk *walk, const char *rel)
{
    char *dir_path = join(walk->cli->base_dir, rel);
    DIR *dir = opendir(dir_path);
    int status = dir == NULL ? os_error(walk->cli, errno, "cannot read directory", dir_path) : 0;
    struct dirent *entry;
    while (status == 0 && (entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
            continue;
        }
        char *child_rel = join(rel, entry->d_name), *child = join(dir_path, entry->d_name);
        struct stat st;
        if (lstat(child, &st) != 0) {
            status = os_error(walk->cli, errno, "cannot stat", child);
        } else if (S_ISDIR(st.st_mode)) {
            status = walk_dir(walk, child_rel);
        } else if ((S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && stat(child, &st) == 0 && S_ISREG(st.st_mode))) &&
                   !list_contains(walk->explicit, child_rel)) {
            list_add(&walk->found, child_rel, 0);
            child_rel = NULL;
        }
        free(child_rel);
        free(child);
    }
    if (dir != NULL) {
        closedir(dir);
    }
    free(dir_path);
    return status;
}

/* The request's files: the explicit ones, plus with --all the rest of the tree, sorted. */
static int collect_files(struct cli *cli)
{
    int status = settle_explicit_files(cli, &cli->files);
    if (status != 0 || !cli->all) {
        return status;
    }
    struct walk walk = { cli, &cli->files, { NULL, 0, 0 } };
    status = walk_dir(&walk, "");
    for (size_t i = 0; i < walk.found.count; i++) {
        list_add(&cli->files, (char *)walk.found.items[i].relative_path, 0);
    }
    free(walk.found.items);
    qsort(cli->files.items, cli->files.count, sizeof cli->files.items[0], compare_files);
    return status;
}

/* ------------------------------------------------------------- arguments */

/* The value of option argv[*i] ("--opt VALUE" or "--opt=VALUE"), or NULL after a usage error. */
static const char *option_value(const struct cli *cli, int argc, char **argv, int *i)
{
    const char *equals = strchr(argv[*i], '=');
    if (equals != NULL) {
        return equals + 1;
    }
    if (*i + 1 >= argc) {
        usage_error(cli, "%s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int option_is(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_concurrency(struct cli *cli, const char *value)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(value, &end, 10);
    if (value[0] < '1' || value[0] > '9' || *end != '\0' || errno != 0 || n > 0xFFFFFFFFul) {
        return usage_error(cli, "--concurrency '%s' is not a positive integer", value);
    }
    cli->concurrency = (unsigned int)n;
    return 0;
}

static const char *const valued_options[] = { "--root", "--content", "--concurrency", "--name", "--version",
                                              "--base-dir", "--output-dir", "--ro", "--rw" };

static int takes_value(const char *arg)
{
    for (size_t i = 0; i < sizeof valued_options / sizeof valued_options[0]; i++) {
        if (option_is(arg, valued_options[i])) {
            return 1;
        }
    }
    return 0;
}

/* Stores the value of an option that takes one. */
static int set_option(struct cli *cli, const char *option, const char *value)
{
    const char **slot = option_is(option, "--root")         ? &cli->root
                        : option_is(option, "--name")       ? &cli->name
                        : option_is(option, "--version")    ? &cli->version
                        : option_is(option, "--base-dir")   ? &cli->base_dir
                        : option_is(option, "--output-dir") ? &cli->output_dir
                                                            : NULL;
    if (slot != NULL) {
        *slot = value;
        return 0;
    }
    if (option_is(option, "--concurrency")) {
        return parse_concurrency(cli, value);
    }
    if (option_is(option, "--content")) {
        if (strncmp(value, "dir:", 4) != 0 || value[4] != '/') {
            return usage_error(cli, "--content '%s' is not dir:/ABSOLUTE/PATH", value);
        }
        cli->content_dir = value + 4;
        return 0;
    }
    list_add(&cli->files, normalize(value), option_is(option, "--ro") ? SNAPSHOTTER_FILE_READ_ONLY : 0);
    return 0;
}

static int print_version(void)
{
    printf("snapshotctl %s\n", snapshotter_version());
    if (strcmp(snapshotter_version(), SNAPSHOTTER_VERSION_STRING) != 0) {
        fprintf(stderr, "snapshotctl: warning: built against libsnapshotter %s but running with %s\n",
                SNAPSHOTTER_VERSION_STRING, snapshotter_version());
    }
    return 0;
}

/* Checks what the command needs and refuses what it does not take. */
static int check_command(struct cli *cli)
{
    int snapshot = strcmp(cli->command, "snapshot") == 0;
    if (cli->root == NULL || cli->root[0] == '\0') {
        return usage_error(cli, "--root is required (or set SNAPSHOTTER_ROOT)");
    }
    if (cli->name == NULL || cli->version == NULL) {
        return usage_error(cli, "%s is required", cli->name == NULL ? "--name" : "--version");
    }
    if (snapshot && cli->base_dir == NULL) {
        return usage_error(cli, "--base-dir is required");
    }
    if (snapshot && cli->files.count == 0 && !cli->all) {
        return usage_error(cli, "no files: give --ro PATH, --rw PATH or --all");
    }
    if (snapshot && (cli->output_dir != NULL || cli->overwrite)) {
        return usage_error(cli, "%s is an option of restore", cli->overwrite ? "--overwrite" : "--output-dir");
    }
    if (!snapshot && (cli->base_dir != NULL || cli->all || cli->files.count > 0)) {
        return usage_error(cli, "%s is an option of snapshot",
                           cli->base_dir != NULL ? "--base-dir" : cli->all ? "--all" : "--ro/--rw");
    }
    return 0;
}

/* Fills cli. Returns -1 to go on, or the exit status (after --help, --version or a usage error). */
static int parse_args(struct cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        cli->json |= strcmp(argv[i], "--json") == 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0 && cli->command == NULL) {
            return print_version();
        } else if (strcmp(arg, "--json") == 0) {
            cli->json = 1;
        } else if (strcmp(arg, "--all") == 0) {
            cli->all = 1;
        } else if (strcmp(arg, "--overwrite") == 0) {
            cli->overwrite = 1;
        } else if (takes_value(arg)) {
            const char *value = option_value(cli, argc, argv, &i);
            if (value == NULL || set_option(cli, arg, value) != 0) {
                return EXIT_USAGE;
            }
        } else if (arg[0] == '-') {
            return usage_error(cli, "unknown option '%s'", arg);
        } else if (cli->command != NULL) {
            return usage_error(cli, "unexpected argument '%s'", arg);
        } else if (strcmp(arg, "snapshot") != 0 && strcmp(arg, "restore") != 0) {
            return usage_error(cli, "unknown command '%s' (snapshot, restore)", arg);
        } else {
            cli->command = arg;
        }
    }
    if (cli->command == NULL) {
        return usage_error(cli, "no command given");
    }
    if (cli->root == NULL) {
        cli->root = getenv("SNAPSHOTTER_ROOT");
    }
    return check_command(cli) == 0 ? -1 : EXIT_USAGE;
}

/* --------------------------------------------------------------- commands */

/* Runs the snapshot or restore call, with a progress line when stderr is a terminal. */
static int run_command(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    int snapshot = strcmp(cli->command, "snapshot") == 0;
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_error *err = NULL;
    snapshotter_code code;
    struct progress_line line = { cli->command, 0, 0 };
    snapshotter_progress_cb progress = isatty(STDERR_FILENO) ? show_progress : NULL;
    if (snapshot) {
        snapshotter_snapshot_request req = SNAPSHOTTER_SNAPSHOT_REQUEST_INIT;
        req.name = cli->name, req.snapshot_version = cli->version, req.base_dir = cli->base_dir;
        req.files = cli->files.items, req.file_count = cli->files.count;
        req.progress = progress, req.progress_payload = &line, req.cancel = cancel;
        code = snapshotter_snapshot(&stats, s, &req, &err);
    } else {
        snapshotter_restore_request req = SNAPSHOTTER_RESTORE_REQUEST_INIT;
        req.name = cli->name, req.snapshot_version = cli->version, req.output_dir = cli->output_dir;
        req.flags = cli->overwrite ? SNAPSHOTTER_RESTORE_OVERWRITE : 0;
        req.progress = progress, req.progress_payload = &line, req.cancel = cancel;
        code = snapshotter_restore(&stats, s, &req, &err);
    }
    if (line.drawn) {
        fputs("\r\033[K", stderr);
    }
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    print_stats(cli, &stats);
    return 0;
}

/* Opens the store and runs the command, with interrupts turned into cancellation. */
static int run(const struct cli *cli, const sigset_t *signals)
{
    struct interrupt_watch watch;
    snapshotter_error *err = NULL;
    watch.signals = *signals;
    snapshotter_code code = snapshotter_cancel_new(&watch.cancel, &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    int status = pthread_create(&watch.thread, NULL, watch_interrupts, &watch);
    if (status != 0) {
        snapshotter_cancel_free(watch.cancel);
        return os_error(cli, status, "cannot start a thread for", "interrupts");
    }
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter_content_options content = SNAPSHOTTER_CONTENT_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = cli->root;
    opts.concurrency = cli->concurrency;
    if (cli->content_dir != NULL) {
        content.dir = cli->content_dir;
        opts.content = &content;
    }
    code = snapshotter_open(&s, &opts, &err);
    if (code != SNAPSHOTTER_OK) {
        status = library_error(cli, code, err);
    } else {
        status = run_command(cli, s, watch.cancel);
        snapshotter_close(s);
    }
    pthread_cancel(watch.thread);
    pthread_join(watch.thread, NULL);
    snapshotter_cancel_free(watch.cancel);
    return status;
}

int main(int argc, char **argv)
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);

    struct cli cli;
    memset(&cli, 0, sizeof cli);
    int status = parse_args(&cli, argc, argv);
    if (status < 0) {
        /* Before the store is opened (and created): a bad file list must leave no trace. */
        status = strcmp(cli.command, "snapshot") == 0 ? collect_files(&cli) : 0;
        if (status == 0) {
            status = run(&cli, &signals);
        }
    }
    list_free(&cli.files);
    return status;
}
