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

#include <errno.h>
#include <fcntl.h>
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
    EXIT_PROBLEMS = 1,
    EXIT_DIFFERENT = 1,
    EXIT_USAGE = 2,
    EXIT_CODE_BASE = 10,
    EXIT_INTERRUPTED = 130,
};

#define PROGRESS_INTERVAL_NS 100000000ull

static const char usage_text[] =
    "Usage:\n"
    "  snapshotctl [GLOBAL OPTIONS] snapshot --name NAME --version VERSION --base-dir DIR\n"
    "              [--ro PATH]... [--rw PATH]... [--all] [--rehash] [--allow-empty]\n"
    "  snapshotctl [GLOBAL OPTIONS] restore (REF | --name NAME --version VERSION)\n"
    "              [--output-dir DIR] [--overwrite] [--in-place [--delete-extra]] [--only PATTERN]...\n"
    "              [--skip-devices] [--rehash]\n"
    "  snapshotctl [GLOBAL OPTIONS] list [NAME [--remote]]\n"
    "  snapshotctl [GLOBAL OPTIONS] inspect REF\n"
    "  snapshotctl [GLOBAL OPTIONS] delete REF [--remote]\n"
    "  snapshotctl [GLOBAL OPTIONS] diff REF (REF | DIR)\n"
    "  snapshotctl [GLOBAL OPTIONS] export REF (-o FILE [--gzip] | --to-dir DIR)\n"
    "  snapshotctl [GLOBAL OPTIONS] import (FILE | DIR | -) [--name NAME --version VERSION]\n"
    "  snapshotctl [GLOBAL OPTIONS] [GC OPTIONS] gc [--dry-run]\n"
    "  snapshotctl [GLOBAL OPTIONS] verify [--repair]\n"
    "  snapshotctl [GLOBAL OPTIONS] (prepare | view) KEY [PARENT] [--label K=V]... [--target DIR]\n"
    "  snapshotctl [GLOBAL OPTIONS] mounts KEY [--target DIR]\n"
    "  snapshotctl [GLOBAL OPTIONS] commit NAME KEY [--label K=V]... [--name NAME] [--version VERSION]\n"
    "  snapshotctl [GLOBAL OPTIONS] (rm | info) KEY\n"
    "  snapshotctl [GLOBAL OPTIONS] label KEY [--label K=V]...\n"
    "  snapshotctl [GLOBAL OPTIONS] usage [KEY]\n"
    "  snapshotctl [GLOBAL OPTIONS] tree\n"
    "  snapshotctl --version | --help\n"
    "\n"
    "Commands:\n"
    "  snapshot            store files of --base-dir as the snapshot NAME:VERSION\n"
    "  restore             write a snapshot into --output-dir; without it, only check that\n"
    "                      the store holds all of its content\n"
    "  list                local snapshots (of NAME), by name and creation time\n"
    "  inspect             a snapshot's files: digest, size, mode, owner, mtime, read-only,\n"
    "                      and whether the content is in the local store\n"
    "  delete              remove a local snapshot and the content no other snapshot uses\n"
    "  diff                what changed from the first snapshot to a second one or to a\n"
    "                      directory (a DIR operand contains '/': write ./NAME for a\n"
    "                      directory in the current one). Lines: A added, D removed,\n"
    "                      M changed (with the reasons). Exit status 1 when anything differs\n"
    "  gc                  collect garbage now: evict snapshots as the GC options say (least\n"
    "                      recently used first), remove orphans; --dry-run only lists it\n"
    "  verify              re-hash every stored object, check every snapshot is restorable;\n"
    "                      --repair fixes what can be fixed (exit 1 if problems remain)\n"
    "  export              write a snapshot as a tar stream (snapshot.json first, then files/,\n"
    "                      holes kept: GNU tar extracts it) or as a directory (files/, then\n"
    "                      snapshot.json last). -o - writes the tar to stdout; the summary\n"
    "                      then goes to stderr\n"
    "  import              record a snapshot from a tar stream (gzip recognised), an export\n"
    "                      directory, or stdin (-), every digest verified first. A plain tar\n"
    "                      without snapshot.json needs --name and --version\n"
    "\n"
    "REF names a snapshot: NAME:VERSION, NAME@latest (the version created last), or\n"
    "NAME@TIME, the latest created at or before an RFC 3339 TIME (2025-01-02T03:04:05Z,\n"
    "fractions to the nanosecond, Z or an offset such as +08:00).\n"
    "\n";

/* The rest of --help: one string would exceed what ISO C compilers must support. */
static const char lifecycle_text[] =
    "containerd's snapshot lifecycle (keys and names: any text, never paths; see\n"
    "docs/containerd.md):\n"
    "  prepare             a new active snapshot KEY over the committed PARENT (or over\n"
    "                      nothing); prints the mounts that give its writable tree\n"
    "  view                a read-only view KEY of PARENT; prints its mounts\n"
    "  mounts              the mounts of an active or a view, as mount(8) commands\n"
    "  commit              commit the (unmounted) active KEY as NAME, its parent's child;\n"
    "                      its files become the store snapshot --name:--version\n"
    "                      (default lifecycle:ID)\n"
    "  rm                  remove KEY (refused while it has children)\n"
    "  info                KEY's kind, parent, times, labels and store snapshot\n"
    "  label               set labels of KEY (K= removes K); prints its labels\n"
    "  usage               disk taken by KEY's own directory (or by every snapshot's)\n"
    "  tree                the snapshots as parent chains, as `ctr snapshot tree` draws them\n"
    "\n";

static const char options_text[] =
    "Global options (also accepted after the command):\n"
    "  --root DIR          the store (default: $SNAPSHOTTER_ROOT)\n"
    "  --content dir:PATH  publish content to / fetch missing content from a directory of\n"
    "                      xxh3/<hex> objects (local or NFS)\n"
    "  --registry URL      publish snapshot metadata to / find unknown snapshots in an OCI\n"
    "                      registry (http://host[:port], https://host[:port]) or an OCI\n"
    "                      image layout directory (oci:/ABSOLUTE/DIR)\n"
    "  --namespace NS      repository prefix in the registry: NS/NAME:VERSION\n"
    "  --username USER     registry user (with --password-stdin)\n"
    "  --password-stdin    read the registry password from the first line of stdin\n"
    "  --insecure          https without certificate verification\n"
    "  --ca-file FILE      PEM bundle of the certificate authorities to trust for https\n"
    "  --json              print one JSON object on stdout, for errors too\n"
    "  --concurrency N     files processed at once (default: the library's, 5)\n"
    "\n"
    "Command options:\n"
    "  --name NAME         lowercase letters and digits joined by '.', '_', '__' or '-'\n"
    "                      (import: record the snapshot under this name instead)\n"
    "  --version VERSION   [A-Za-z0-9_][A-Za-z0-9._-]{0,127}\n"
    "  --base-dir DIR      the directory PATHs are relative to\n"
    "  --ro PATH           read-only (hardlinked); a directory: all beneath it, \".\" the base\n"
    "  --rw PATH           writable (a private copy on restore); a directory: as --ro\n"
    "  --all               --rw . (symlinks kept as symlinks, sockets skipped)\n"
    "  --rehash            read every file, trusting no digest remembered for its identity\n"
    "  --allow-empty       record a snapshot of no files (refused otherwise)\n"
    "  --output-dir DIR    where to restore (created if missing)\n"
    "  --overwrite         replace files in --output-dir that differ from the snapshot\n"
    "  --in-place          restore into an existing tree touching only what differs: differing\n"
    "                      files replaced, files differing only in mode/owner/mtime fixed,\n"
    "                      identical files untouched (each kept file is read once to be sure,\n"
    "                      unless its digest is remembered for its identity)\n"
    "  --delete-extra      with --in-place: also remove what --output-dir holds beyond the\n"
    "                      snapshot (within --only), never following symlinks\n"
    "  --skip-devices      leave out the snapshot's device nodes (only root creates them);\n"
    "                      each one skipped is logged as a warning\n"
    "  --only PATTERN      restore only the files PATTERN selects: a path, or a glob with *, ?,\n"
    "                      [a-z] and ** (any number of directories); a directory selects all\n"
    "                      below it. Repeatable\n"
    "  -o, --output FILE   (export) the tar file, replaced atomically when complete; - is stdout\n"
    "  --gzip              (export) compress the tar stream\n"
    "  --to-dir DIR        (export) a new or empty directory to export into\n"
    "  --remote            (list NAME) also the versions the registry tags; (delete) first\n"
    "                      delete the registry's manifest of REF, by digest: other tags of\n"
    "                      that very manifest go with it\n"
    "  --dry-run           (gc) only list what a collection would do\n"
    "  --repair            (verify) repair what can be repaired\n"
    "  --label K=V         (prepare, view, commit, label) a label; repeatable\n"
    "  --target DIR        (prepare, view, mounts) the mount point the printed commands name\n"
    "\n"
    "GC options (global; defaults: the library's, those of Dragonfly's Go snapshotter):\n"
    "  --high-watermark PCT     evict for disk usage from PCT % used (90; 0: never)\n"
    "  --low-watermark PCT      ... down to below PCT % (70)\n"
    "  --keep-last N            keep only the newest N versions of each name (0: all)\n"
    "  --max-age SECONDS        evict snapshots unused for longer (0: never)\n"
    "  --max-store-bytes N      evict while the stored content exceeds N bytes (0: never)\n"
    "  --min-retention SECONDS  never evict snapshots used more recently (300)\n"
    "  --orphan-grace SECONDS   keep unreferenced content younger than this (3600)\n"
    "\n";

static const char content_options_text[] =
    "Content through Dragonfly (global, instead of --content): each object is a persistent\n"
    "task of dfdaemon over PROVIDER://BUCKET/xxh3/<hex>:\n"
    "  --dragonfly TARGET  dfdaemon's address, unix:///path or http://host:port\n"
    "                      (default: unix:///var/run/dragonfly/dfdaemon.sock)\n"
    "  --provider P        object storage: s3, gs, abs, oss, obs or cos (required)\n"
    "  --bucket B[/PREFIX] bucket and optional key prefix (required)\n"
    "  --region R          object storage region\n"
    "  --endpoint URL      object storage endpoint\n"
    "  --access-key-id ID  object storage access key id\n"
    "  --access-key-secret-stdin\n"
    "                      read the access key secret from stdin (the line after the password\n"
    "                      with --password-stdin, else the first)\n"
    "  --insecure-skip-verify  let dfdaemon skip TLS verification of the endpoint\n"
    "  --replica-count N   replicas the P2P network keeps (default: 2)\n"
    "  --ttl SECONDS       how long it keeps them, 60..604800 (default: dfdaemon's, 1 day)\n"
    "  --timeout SECONDS   longest upload or download of one object (default: 1800)\n"
    "  --storage-dir DIR   where dfdaemon sees --root, if it runs with it mounted elsewhere\n"
    "\n"
    "Exit status:\n"
    "  0 success, 1 diff found differences or verify problems that remain, 2 usage error,\n"
    "  130 interrupted (SIGINT, SIGTERM: nothing partial is kept),\n"
    "  otherwise 10 + the library's code: 11 INVALID_ARGUMENT, 12 NOT_FOUND, 13 ALREADY_EXISTS,\n"
    "  15 IO, 16 CORRUPT, 17 PERMISSION_DENIED, 18 NO_SPACE, 19 UNSUPPORTED, 20 CLOSED,\n"
    "  21 UNAUTHENTICATED, 22 UNAVAILABLE, 23 TIMEOUT, 24 FAILED_PRECONDITION, 110 INTERNAL.\n";

struct file_list {
    snapshotter_file *items;
    size_t count, capacity;
};

struct string_list {
    const char **items;
    size_t count, capacity;
};

struct command;

/* Content through Dragonfly: what goes into snapshotter_content_options. */
struct dragonfly {
    int used;
    const char *dfdaemon, *provider, *bucket, *region, *endpoint, *access_key_id, *storage_dir;
    char *access_key_secret;
    int secret_from_stdin, insecure_skip_verify;
    unsigned int replica_count, ttl_seconds, timeout_seconds;
};

struct cli {
    const struct command *spec;
    const char *command;
    const char *root;
    const char *content_dir;
    struct dragonfly dragonfly;
    const char *registry, *registry_namespace, *username, *ca_file;
    int password_stdin, insecure;
    char *password;
    int json;
    unsigned int concurrency;
    /* The command options given (OPT_* bits), and the operands after the command. */
    unsigned int given;
    const char *operands[2];
    int operand_count;
    const char *name, *version, *base_dir, *output_dir, *output, *to_dir;
    int overwrite, all, rehash, allow_empty, in_place, delete_extra, skip_devices, dry_run, repair, gzip, remote;
    struct file_list files;
    struct string_list only;
    struct string_list labels;
    const char *target;
    snapshotter_gc_options gc;
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

/* Reports a failed library call that read or wrote `what` (a file, stdin, stdout), which the library knows
 * only as a descriptor, and frees its error. */
static int library_error_about(const struct cli *cli, const char *what, snapshotter_code code, snapshotter_error *err)
{
    report(cli, snapshotter_code_name(code), "%s: %s", what, snapshotter_error_message(err));
    snapshotter_error_free(err);
    return code == SNAPSHOTTER_ERROR_CANCELLED ? EXIT_INTERRUPTED : EXIT_CODE_BASE + (int)code;
}

/* An operating-system error of the CLI's own work, under the code the library would give it. */
static int os_error(const struct cli *cli, int errnum, const char *what, const char *path)
{
    snapshotter_code code = errnum == ENOENT || errnum == ENOTDIR ? SNAPSHOTTER_ERROR_NOT_FOUND
                            : errnum == EACCES || errnum == EPERM ? SNAPSHOTTER_ERROR_PERMISSION_DENIED
                            : errnum == ENOSPC || errnum == EDQUOT ? SNAPSHOTTER_ERROR_NO_SPACE
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

/* What a call's summary names: the snapshot (a REF, or a name and version) and, optionally, the place it
 * went to or came from (JSON key `place_key`, NULL value printed as null; text "PREPOSITION PLACE"). */
struct summary {
    const char *ref, *name, *version;
    const char *place_key, *place, *preposition;
};

static struct summary summary_of(const struct cli *cli)
{
    struct summary what = { cli->operand_count > 0 ? cli->operands[0] : NULL, cli->name, cli->version, NULL, NULL, NULL };
    return what;
}

static void print_stats(const struct cli *cli, const struct summary *what, const snapshotter_stats *stats)
{
    double seconds = (double)stats->elapsed_ns / 1e9;
    if (cli->json) {
        printf("{\"command\":\"%s\",", cli->command);
        if (what->ref != NULL) {
            fputs("\"ref\":", stdout);
            json_string(what->ref);
        } else {
            fputs("\"name\":", stdout);
            json_string(what->name);
            fputs(",\"version\":", stdout);
            json_string(what->version);
        }
        if (what->place_key != NULL) {
            printf(",\"%s\":", what->place_key);
            what->place != NULL ? json_string(what->place) : (void)fputs("null", stdout);
        }
        printf(",\"files\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"bytes_read\":%" PRIu64 ",\"bytes_written\":%" PRIu64
               ",\"files_reused\":%" PRIu64 ",\"files_linked\":%" PRIu64 ",\"files_removed\":%" PRIu64
               ",\"seconds\":%.3f}\n",
               stats->files, stats->bytes, stats->bytes_read, stats->bytes_written, stats->files_reused,
               stats->files_linked, stats->files_removed, seconds);
        return;
    }
    char bytes[16], read[16], written[16];
    human_bytes(stats->bytes, bytes);
    human_bytes(stats->bytes_read, read);
    human_bytes(stats->bytes_written, written);
    printf("%s ", cli->command);
    what->ref != NULL ? printf("%s", what->ref) : printf("%s:%s", what->name, what->version);
    if (what->place != NULL) {
        printf(" %s %s", what->preposition, what->place);
    }
    printf(": %" PRIu64 " files, %s (%" PRIu64 " bytes)\n", stats->files, bytes, stats->bytes);
    printf("  read %s, wrote %s, %" PRIu64 " reused, %" PRIu64 " linked, %.3f s\n", read, written,
           stats->files_reused, stats->files_linked, seconds);
    if (stats->files_removed > 0) {
        printf("  removed %" PRIu64 " extra files\n", stats->files_removed);
    }
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

/* -------------------------------------------------------------------- log */

/* The library's warnings and errors that no call returns (a socket skipped while a tree is read, a device
 * left out by --skip-devices, a clean-up left for later): one line each on stderr, as
 * "snapshotctl: warning: message". It runs on library threads, possibly several at once: the line is
 * written under stderr's lock, so lines never interleave, and a line break inside a message becomes a
 * space. On a terminal the progress line is cleared first; the next update draws it again. */
static void print_log(snapshotter_log_level level, const char *message, void *payload)
{
    const int *terminal = payload;
    flockfile(stderr);
    fputs(*terminal ? "\r\033[Ksnapshotctl: " : "snapshotctl: ", stderr);
    fputs(level == SNAPSHOTTER_LOG_ERROR ? "error: " : "warning: ", stderr);
    for (const char *c = message; *c != '\0'; c++) {
        putc_unlocked(*c == '\n' || *c == '\r' ? ' ' : *c, stderr);
    }
    putc_unlocked('\n', stderr);
    funlockfile(stderr);
}

static int install_log_hook(const struct cli *cli)
{
    static int terminal;
    terminal = isatty(STDERR_FILENO);
    snapshotter_error *err = NULL;
    snapshotter_code code = snapshotter_log_set(SNAPSHOTTER_LOG_WARNING, print_log, &terminal, &err);
    return code == SNAPSHOTTER_OK ? 0 : library_error(cli, code, err);
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
    list->items[list->count] = (snapshotter_file){ SNAPSHOTTER_FILE_VERSION, path, flags };
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
    snapshotter_file key = { SNAPSHOTTER_FILE_VERSION, path, 0 };
    return list->count > 0 && bsearch(&key, list->items, list->count, sizeof key, compare_files) != NULL;
}

/* "./a//b" -> "a/b", so that one path given twice compares equal; "./" -> "." (the base dir); "a//" -> "a/" (the
 * library checks that it is a directory). ".." stays, and absolute or empty paths are passed on as given: the
 * library refuses them by name. */
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
    if (path[0] == '/' || path[0] == '\0') {
        strcpy(out, path);
    } else if (out[0] == '\0') {
        strcpy(out, ".");
    } else if (path[strlen(path) - 1] == '/') {
        strcat(out, "/");
    }
    return out;
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

/* The request's files: the explicit ones, and with --all the base dir itself ("."), writable. The library walks
 * directories (symlinks recorded, never followed), and an explicit --ro or --rw decides for what it covers. */
static int collect_files(struct cli *cli)
{
    int status = settle_explicit_files(cli, &cli->files);
    if (status == 0 && cli->all && !list_contains(&cli->files, ".")) {
        list_add(&cli->files, checked(strdup(".")), 0);
        qsort(cli->files.items, cli->files.count, sizeof cli->files.items[0], compare_files);
    }
    return status;
}

/* ------------------------------------------------------------- arguments */

/* Options that belong to commands; each command says which it takes (struct command). */
enum {
    OPT_NAME = 1u << 0,
    OPT_VERSION = 1u << 1,
    OPT_BASE_DIR = 1u << 2,
    OPT_RO = 1u << 3,
    OPT_RW = 1u << 4,
    OPT_ALL = 1u << 5,
    OPT_OUTPUT_DIR = 1u << 6,
    OPT_OVERWRITE = 1u << 7,
    OPT_IN_PLACE = 1u << 8,
    OPT_DELETE_EXTRA = 1u << 9,
    OPT_ONLY = 1u << 10,
    OPT_DRY_RUN = 1u << 11,
    OPT_REPAIR = 1u << 12,
    OPT_OUTPUT = 1u << 13,
    OPT_GZIP = 1u << 14,
    OPT_TO_DIR = 1u << 15,
    OPT_REMOTE = 1u << 16,
    OPT_REHASH = 1u << 17,
    OPT_ALLOW_EMPTY = 1u << 18,
    OPT_LABEL = 1u << 19,
    OPT_TARGET = 1u << 20,
    OPT_SKIP_DEVICES = 1u << 21,
};

struct option_spec {
    const char *name;
    int takes_value;
    unsigned int bit;
};

static const struct option_spec command_options[] = {
    { "--name", 1, OPT_NAME },
    { "--version", 1, OPT_VERSION },
    { "--base-dir", 1, OPT_BASE_DIR },
    { "--ro", 1, OPT_RO },
    { "--rw", 1, OPT_RW },
    { "--all", 0, OPT_ALL },
    { "--rehash", 0, OPT_REHASH },
    { "--allow-empty", 0, OPT_ALLOW_EMPTY },
    { "--output-dir", 1, OPT_OUTPUT_DIR },
    { "--overwrite", 0, OPT_OVERWRITE },
    { "--in-place", 0, OPT_IN_PLACE },
    { "--delete-extra", 0, OPT_DELETE_EXTRA },
    { "--skip-devices", 0, OPT_SKIP_DEVICES },
    { "--only", 1, OPT_ONLY },
    { "--dry-run", 0, OPT_DRY_RUN },
    { "--repair", 0, OPT_REPAIR },
    { "-o", 1, OPT_OUTPUT },
    { "--output", 1, OPT_OUTPUT },
    { "--gzip", 0, OPT_GZIP },
    { "--to-dir", 1, OPT_TO_DIR },
    { "--remote", 0, OPT_REMOTE },
    { "--label", 1, OPT_LABEL },
    { "--target", 1, OPT_TARGET },
};

static const char *const global_valued_options[] = { "--root",          "--content",      "--concurrency",
                                                     "--high-watermark", "--low-watermark", "--keep-last",
                                                     "--max-age",        "--max-store-bytes", "--min-retention",
                                                     "--orphan-grace",   "--registry",     "--namespace",
                                                     "--username",       "--ca-file",      "--dragonfly",
                                                     "--provider",       "--bucket",       "--region",
                                                     "--endpoint",       "--access-key-id", "--storage-dir",
                                                     "--replica-count",  "--ttl",          "--timeout" };

typedef int (*command_fn)(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);

struct command {
    const char *name;
    /* Operands after the command, e.g. REF: at least min, at most max. */
    int min_operands, max_operands;
    const char *operands;
    unsigned int options;
    command_fn run;
};

static int run_snapshot(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_restore(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_list(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_inspect(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_delete(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_gc(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_verify(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_diff(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_export(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_import(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_prepare(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_mounts(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_commit(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_rm(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_info(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_label(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_usage(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);
static int run_tree(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel);

static const struct command commands[] = {
    { "snapshot", 0, 0, "", OPT_NAME | OPT_VERSION | OPT_BASE_DIR | OPT_RO | OPT_RW | OPT_ALL | OPT_REHASH | OPT_ALLOW_EMPTY, run_snapshot },
    { "restore", 0, 1, "[REF]",
      OPT_NAME | OPT_VERSION | OPT_OUTPUT_DIR | OPT_OVERWRITE | OPT_IN_PLACE | OPT_DELETE_EXTRA | OPT_ONLY | OPT_SKIP_DEVICES | OPT_REHASH,
      run_restore },
    { "list", 0, 1, "[NAME]", OPT_REMOTE, run_list },
    { "gc", 0, 0, "", OPT_DRY_RUN, run_gc },
    { "verify", 0, 0, "", OPT_REPAIR, run_verify },
    { "inspect", 1, 1, "REF", 0, run_inspect },
    { "delete", 1, 1, "REF", OPT_REMOTE, run_delete },
    { "diff", 2, 2, "REF and a second REF or DIR", 0, run_diff },
    { "export", 1, 1, "REF", OPT_OUTPUT | OPT_GZIP | OPT_TO_DIR, run_export },
    { "import", 1, 1, "FILE, DIR or -", OPT_NAME | OPT_VERSION, run_import },
    { "prepare", 1, 2, "KEY [PARENT]", OPT_LABEL | OPT_TARGET, run_prepare },
    { "view", 1, 2, "KEY [PARENT]", OPT_LABEL | OPT_TARGET, run_prepare },
    { "mounts", 1, 1, "KEY", OPT_TARGET, run_mounts },
    { "commit", 2, 2, "NAME and KEY", OPT_LABEL | OPT_NAME | OPT_VERSION, run_commit },
    { "rm", 1, 1, "KEY", 0, run_rm },
    { "info", 1, 1, "KEY", 0, run_info },
    { "label", 1, 1, "KEY", OPT_LABEL, run_label },
    { "usage", 0, 1, "[KEY]", 0, run_usage },
    { "tree", 0, 0, "", 0, run_tree },
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

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

static const struct option_spec *find_command_option(const char *arg)
{
    for (size_t i = 0; i < sizeof command_options / sizeof command_options[0]; i++) {
        if (option_is(arg, command_options[i].name)) {
            return &command_options[i];
        }
    }
    return NULL;
}

static int is_global_valued(const char *arg)
{
    for (size_t i = 0; i < sizeof global_valued_options / sizeof global_valued_options[0]; i++) {
        if (option_is(arg, global_valued_options[i])) {
            return 1;
        }
    }
    return 0;
}

/* The numeric global options: the range of each; set_number says where it goes. */
static const struct {
    const char *name;
    uint64_t min, max;
} number_options[] = {
    { "--concurrency", 1, 0xFFFFFFFFu },    { "--high-watermark", 0, 100 },       { "--low-watermark", 1, 100 },
    { "--keep-last", 0, 0xFFFFFFFFu },      { "--max-age", 0, 10000000000u },    { "--max-store-bytes", 0, INT64_MAX },
    { "--min-retention", 0, 10000000000u }, { "--orphan-grace", 0, 10000000000u },
    { "--replica-count", 1, 0xFFFFFFFFu },  { "--ttl", 1, 0xFFFFFFFFu },          { "--timeout", 1, 0xFFFFFFFFu },
};

static void set_gc_flag(struct cli *cli, uint32_t flag, int on)
{
    cli->gc.flags = on ? cli->gc.flags | flag : cli->gc.flags & ~flag;
}

/* Sets a numeric option (a decimal within its range). Returns -1 when option is not one of them. */
static int set_number(struct cli *cli, const char *option, const char *value)
{
    for (size_t i = 0; i < sizeof number_options / sizeof number_options[0]; i++) {
        if (!option_is(option, number_options[i].name)) {
            continue;
        }
        char *end;
        errno = 0;
        unsigned long long n = strtoull(value, &end, 10);
        if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 || n < number_options[i].min ||
            n > number_options[i].max) {
            return usage_error(cli, "%s '%s' is not a number from %" PRIu64 " to %" PRIu64, number_options[i].name,
                               value, number_options[i].min, number_options[i].max);
        }
        switch (i) {
        case 0: cli->concurrency = (unsigned int)n; break;
        /* On the command line 0 is what it says; in the options struct it means the default, and a flag says
         * "none". */
        case 1:
            cli->gc.high_watermark_percent = (uint32_t)n;
            set_gc_flag(cli, SNAPSHOTTER_GC_NO_DISK_EVICTION, n == 0);
            break;
        case 2: cli->gc.low_watermark_percent = (uint32_t)n; break;
        case 3: cli->gc.keep_last = (uint32_t)n; break;
        case 4: cli->gc.max_age_seconds = n; break;
        case 5: cli->gc.max_store_bytes = n; break;
        case 6:
            cli->gc.min_retention_seconds = n;
            set_gc_flag(cli, SNAPSHOTTER_GC_NO_MIN_RETENTION, n == 0);
            break;
        case 7:
            cli->gc.orphan_grace_seconds = n;
            set_gc_flag(cli, SNAPSHOTTER_GC_NO_ORPHAN_GRACE, n == 0);
            break;
        case 8: cli->dragonfly.replica_count = (unsigned int)n; break;
        case 9: cli->dragonfly.ttl_seconds = (unsigned int)n; break;
        default: cli->dragonfly.timeout_seconds = (unsigned int)n; break;
        }
        cli->dragonfly.used |= i >= 8;
        return 0;
    }
    return -1;
}

static int set_global_option(struct cli *cli, const char *option, const char *value)
{
    if (option_is(option, "--root")) {
        cli->root = value;
        return 0;
    }
    int number = set_number(cli, option, value);
    if (number >= 0) {
        return number;
    }
    const char **slot = option_is(option, "--registry")    ? &cli->registry
                        : option_is(option, "--namespace") ? &cli->registry_namespace
                        : option_is(option, "--username")  ? &cli->username
                        : option_is(option, "--ca-file")   ? &cli->ca_file
                                                           : NULL;
    if (slot != NULL) {
        *slot = value;
        return 0;
    }
    struct dragonfly *d = &cli->dragonfly;
    slot = option_is(option, "--dragonfly")       ? &d->dfdaemon
           : option_is(option, "--provider")      ? &d->provider
           : option_is(option, "--bucket")        ? &d->bucket
           : option_is(option, "--region")        ? &d->region
           : option_is(option, "--endpoint")      ? &d->endpoint
           : option_is(option, "--access-key-id") ? &d->access_key_id
           : option_is(option, "--storage-dir")   ? &d->storage_dir
                                                  : NULL;
    if (slot != NULL) {
        *slot = value;
        d->used = 1;
        return 0;
    }
    if (strncmp(value, "dir:", 4) != 0 || value[4] != '/') {
        return usage_error(cli, "--content '%s' is not dir:/ABSOLUTE/PATH", value);
    }
    cli->content_dir = value + 4;
    return 0;
}

static void string_list_add(struct string_list *list, const char *value)
{
    if (list->count == list->capacity) {
        list->capacity = list->capacity == 0 ? 8 : list->capacity * 2;
        list->items = checked(realloc(list->items, list->capacity * sizeof list->items[0]));
    }
    list->items[list->count++] = value;
}

static void set_command_option(struct cli *cli, const struct option_spec *option, const char *value)
{
    cli->given |= option->bit;
    switch (option->bit) {
    case OPT_NAME: cli->name = value; break;
    case OPT_VERSION: cli->version = value; break;
    case OPT_BASE_DIR: cli->base_dir = value; break;
    case OPT_OUTPUT_DIR: cli->output_dir = value; break;
    case OPT_ALL: cli->all = 1; break;
    case OPT_REHASH: cli->rehash = 1; break;
    case OPT_ALLOW_EMPTY: cli->allow_empty = 1; break;
    case OPT_OVERWRITE: cli->overwrite = 1; break;
    case OPT_DRY_RUN: cli->dry_run = 1; break;
    case OPT_REPAIR: cli->repair = 1; break;
    case OPT_IN_PLACE: cli->in_place = 1; break;
    case OPT_OUTPUT: cli->output = value; break;
    case OPT_GZIP: cli->gzip = 1; break;
    case OPT_REMOTE: cli->remote = 1; break;
    case OPT_TO_DIR: cli->to_dir = value; break;
    case OPT_DELETE_EXTRA: cli->delete_extra = 1; break;
    case OPT_ONLY: string_list_add(&cli->only, value); break;
    case OPT_LABEL: string_list_add(&cli->labels, value); break;
    case OPT_TARGET: cli->target = value; break;
    case OPT_SKIP_DEVICES: cli->skip_devices = 1; break;
    case OPT_RO:
    case OPT_RW: list_add(&cli->files, normalize(value), option->bit == OPT_RO ? SNAPSHOTTER_FILE_READ_ONLY : 0); break;
    default: break;
    }
}

/* The next line of stdin, without its line ending: a password or a secret, which must never be on a command
 * line. With --password-stdin and --access-key-secret-stdin both, the password is the first line. */
static int read_stdin_line(const struct cli *cli, char **out, const char *option, const char *what)
{
    size_t capacity = 0;
    ssize_t length = getline(out, &capacity, stdin);
    if (length < 0) {
        free(*out);
        *out = NULL;
        return usage_error(cli, "%s: no %s on stdin", option, what);
    }
    while (length > 0 && ((*out)[length - 1] == '\n' || (*out)[length - 1] == '\r')) {
        (*out)[--length] = '\0';
    }
    return 0;
}

/* Dragonfly options need --provider and --bucket and exclude --content. */
static int check_content_options(const struct cli *cli)
{
    const struct dragonfly *d = &cli->dragonfly;
    if (!d->used) {
        return 0;
    }
    if (cli->content_dir != NULL) {
        return usage_error(cli, "--content and the Dragonfly options (--dragonfly, --provider, --bucket, ...) exclude each other");
    }
    if (d->provider == NULL || d->bucket == NULL) {
        return usage_error(cli, "%s is required with Dragonfly", d->provider == NULL ? "--provider" : "--bucket");
    }
    if (d->secret_from_stdin && d->access_key_id == NULL) {
        return usage_error(cli, "--access-key-secret-stdin needs --access-key-id");
    }
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

/* restore names its snapshot by REF or by --name and --version. */
static int check_snapshot_named(const struct cli *cli)
{
    if (cli->operand_count > 0 && (cli->name != NULL || cli->version != NULL)) {
        return usage_error(cli, "give REF or --name and --version, not both");
    }
    if (cli->operand_count == 0 && (cli->name == NULL || cli->version == NULL)) {
        return usage_error(cli, "%s is required (or give REF)", cli->name == NULL ? "--name" : "--version");
    }
    return 0;
}

/* Checks what the command needs and refuses what it does not take. */
static int check_command(struct cli *cli)
{
    const struct command *command = cli->spec;
    if (cli->root == NULL || cli->root[0] == '\0') {
        return usage_error(cli, "--root is required (or set SNAPSHOTTER_ROOT)");
    }
    for (size_t i = 0; i < sizeof command_options / sizeof command_options[0]; i++) {
        if ((cli->given & command_options[i].bit) != 0 && (command->options & command_options[i].bit) == 0) {
            return usage_error(cli, "%s is not an option of %s", command_options[i].name, command->name);
        }
    }
    if (check_content_options(cli) != 0) {
        return EXIT_USAGE;
    }
    if (cli->registry == NULL &&
        (cli->registry_namespace != NULL || cli->username != NULL || cli->password_stdin || cli->insecure ||
         cli->ca_file != NULL)) {
        return usage_error(cli, "%s needs --registry",
                           cli->registry_namespace != NULL ? "--namespace"
                           : cli->username != NULL         ? "--username"
                           : cli->password_stdin           ? "--password-stdin"
                           : cli->insecure                 ? "--insecure"
                                                           : "--ca-file");
    }
    if (cli->operand_count < command->min_operands) {
        return usage_error(cli, "%s needs %s", command->name, command->operands);
    }
    if (strcmp(command->name, "snapshot") == 0) {
        if (cli->name == NULL || cli->version == NULL) {
            return usage_error(cli, "%s is required", cli->name == NULL ? "--name" : "--version");
        }
        if (cli->base_dir == NULL) {
            return usage_error(cli, "--base-dir is required");
        }
        if (cli->files.count == 0 && !cli->all && !cli->allow_empty) {
            return usage_error(cli, "no files: give --ro PATH, --rw PATH or --all (or --allow-empty)");
        }
    }
    if (strcmp(command->name, "export") == 0 && (cli->output == NULL) == (cli->to_dir == NULL)) {
        return usage_error(cli, "export needs -o FILE (- for stdout) or --to-dir DIR, one of them");
    }
    if (strcmp(command->name, "export") == 0 && cli->gzip && cli->to_dir != NULL) {
        return usage_error(cli, "--gzip compresses a tar stream, not a --to-dir export");
    }
    for (size_t i = 0; i < cli->labels.count; i++) {
        if (strchr(cli->labels.items[i], '=') == NULL || cli->labels.items[i][0] == '=') {
            return usage_error(cli, "--label '%s' is not K=V", cli->labels.items[i]);
        }
    }
    if (strcmp(command->name, "import") == 0 && (cli->name == NULL) != (cli->version == NULL)) {
        return usage_error(cli, "import takes --name and --version together, or neither");
    }
    return strcmp(command->name, "restore") == 0 ? check_snapshot_named(cli) : 0;
}

static int unknown_command(const struct cli *cli, const char *name)
{
    char names[256] = "";
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i > 0 ? ", " : "", commands[i].name);
    }
    return usage_error(cli, "unknown command '%s' (%s)", name, names);
}

/* Fills cli. Returns -1 to go on, or the exit status (after --help, --version or a usage error). */
static int parse_args(struct cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        cli->json |= strcmp(argv[i], "--json") == 0;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const struct option_spec *option = find_command_option(arg);
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage_text, stdout);
            fputs(lifecycle_text, stdout);
            fputs(options_text, stdout);
            fputs(content_options_text, stdout);
            return 0;
        } else if (strcmp(arg, "--version") == 0 && cli->spec == NULL) {
            return print_version();
        } else if (strcmp(arg, "--json") == 0) {
            continue;
        } else if (strcmp(arg, "--password-stdin") == 0) {
            cli->password_stdin = 1;
        } else if (strcmp(arg, "--insecure") == 0) {
            cli->insecure = 1;
        } else if (strcmp(arg, "--access-key-secret-stdin") == 0) {
            cli->dragonfly.secret_from_stdin = cli->dragonfly.used = 1;
        } else if (strcmp(arg, "--insecure-skip-verify") == 0) {
            cli->dragonfly.insecure_skip_verify = cli->dragonfly.used = 1;
        } else if (is_global_valued(arg)) {
            const char *value = option_value(cli, argc, argv, &i);
            if (value == NULL || set_global_option(cli, arg, value) != 0) {
                return EXIT_USAGE;
            }
        } else if (option != NULL) {
            const char *value = option->takes_value ? option_value(cli, argc, argv, &i) : NULL;
            if (option->takes_value && value == NULL) {
                return EXIT_USAGE;
            }
            set_command_option(cli, option, value);
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error(cli, "unknown option '%s'", arg);
        } else if (cli->spec == NULL) {
            if ((cli->spec = find_command(arg)) == NULL) {
                return unknown_command(cli, arg);
            }
            cli->command = cli->spec->name;
        } else if (cli->operand_count < cli->spec->max_operands) {
            cli->operands[cli->operand_count++] = arg;
        } else {
            return usage_error(cli, "unexpected argument '%s'", arg);
        }
    }
    if (cli->spec == NULL) {
        return usage_error(cli, "no command given");
    }
    if (cli->root == NULL) {
        cli->root = getenv("SNAPSHOTTER_ROOT");
    }
    return check_command(cli) == 0 ? -1 : EXIT_USAGE;
}

/* --------------------------------------------------------------- commands */

/* Ends the progress line, and turns a failed call into its report and exit status. */
static int finish_call(const struct cli *cli, struct progress_line *line, snapshotter_code code, snapshotter_error *err)
{
    if (line->drawn) {
        fputs("\r\033[K", stderr);
    }
    return code == SNAPSHOTTER_OK ? 0 : library_error(cli, code, err);
}

static int run_snapshot(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_error *err = NULL;
    struct progress_line line = { cli->command, 0, 0 };
    snapshotter_snapshot_request req = SNAPSHOTTER_SNAPSHOT_REQUEST_INIT;
    req.name = cli->name, req.snapshot_version = cli->version, req.base_dir = cli->base_dir;
    req.files = cli->files.items, req.file_count = cli->files.count;
    req.flags = (cli->rehash ? SNAPSHOTTER_SNAPSHOT_REHASH : 0) | (cli->allow_empty ? SNAPSHOTTER_SNAPSHOT_ALLOW_EMPTY : 0);
    req.progress = isatty(STDERR_FILENO) ? show_progress : NULL, req.progress_payload = &line, req.cancel = cancel;
    snapshotter_code code = snapshotter_snapshot(&stats, s, &req, &err);
    int status = finish_call(cli, &line, code, err);
    if (status == 0) {
        struct summary what = summary_of(cli);
        print_stats(cli, &what, &stats);
    }
    return status;
}

static int run_restore(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_error *err = NULL;
    struct progress_line line = { cli->command, 0, 0 };
    snapshotter_restore_request req = SNAPSHOTTER_RESTORE_REQUEST_INIT;
    req.name = cli->name, req.snapshot_version = cli->version, req.ref = cli->operands[0];
    req.output_dir = cli->output_dir;
    req.flags = (cli->overwrite ? SNAPSHOTTER_RESTORE_OVERWRITE : 0) | (cli->in_place ? SNAPSHOTTER_RESTORE_IN_PLACE : 0) |
                (cli->delete_extra ? SNAPSHOTTER_RESTORE_DELETE_EXTRA : 0) | (cli->skip_devices ? SNAPSHOTTER_RESTORE_SKIP_DEVICES : 0) |
                (cli->rehash ? SNAPSHOTTER_RESTORE_REHASH : 0);
    req.only = cli->only.items, req.only_count = cli->only.count;
    req.progress = isatty(STDERR_FILENO) ? show_progress : NULL, req.progress_payload = &line, req.cancel = cancel;
    snapshotter_code code = snapshotter_restore(&stats, s, &req, &err);
    int status = finish_call(cli, &line, code, err);
    if (status == 0) {
        struct summary what = summary_of(cli);
        what.place_key = "output_dir", what.place = cli->output_dir, what.preposition = "into";
        print_stats(cli, &what, &stats);
    }
    return status;
}

/* An RFC 3339 UTC time to the nanosecond, trailing zeros of the fraction dropped: what references accept. */
static void format_time(int64_t unix_ns, char out[48])
{
    time_t seconds = (time_t)(unix_ns / 1000000000);
    long nanos = (long)(unix_ns % 1000000000);
    if (nanos < 0) {
        seconds--, nanos += 1000000000;
    }
    struct tm tm;
    if (gmtime_r(&seconds, &tm) == NULL) {
        snprintf(out, 48, "%" PRId64 "ns", unix_ns);
        return;
    }
    size_t n = strftime(out, 48, "%Y-%m-%dT%H:%M:%S", &tm);
    if (nanos != 0) {
        n += (size_t)snprintf(out + n, 48 - n, ".%09ld", nanos);
        while (out[n - 1] == '0') {
            n--;
        }
    }
    snprintf(out + n, 48 - n, "Z");
}

static void json_time(const char *key, int64_t unix_ns)
{
    char text[48];
    format_time(unix_ns, text);
    printf("\"%s\":\"%s\",\"%s_ns\":%" PRId64, key, text, key, unix_ns);
}

static void json_snapshot_info(const snapshotter_snapshot_info *info)
{
    fputs("{\"name\":", stdout);
    json_string(info->name);
    fputs(",\"version\":", stdout);
    json_string(info->snapshot_version);
    putchar(',');
    json_time("created", info->created_ns);
    putchar(',');
    json_time("last_used", info->last_used_ns);
    printf(",\"files\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"stored_bytes\":%" PRIu64 ",\"local\":%s,\"remote\":%s}",
           info->files, info->bytes, info->stored_bytes, (info->flags & SNAPSHOTTER_SNAPSHOT_LOCAL) != 0 ? "true" : "false",
           (info->flags & SNAPSHOTTER_SNAPSHOT_REMOTE) != 0 ? "true" : "false");
}

/* Where a listed snapshot is, for the WHERE column of list --remote. */
static const char *place_name(uint32_t flags)
{
    int local = (flags & SNAPSHOTTER_SNAPSHOT_LOCAL) != 0, remote = (flags & SNAPSHOTTER_SNAPSHOT_REMOTE) != 0;
    return local && remote ? "local+remote" : remote ? "remote" : "local";
}

static int run_list(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_list_request req = SNAPSHOTTER_LIST_REQUEST_INIT;
    snapshotter_snapshot_list *list = NULL;
    snapshotter_error *err = NULL;
    req.name = cli->operands[0], req.cancel = cancel;
    req.flags = cli->remote ? SNAPSHOTTER_LIST_REMOTE : 0;
    snapshotter_code code = snapshotter_list(&list, s, &req, &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    size_t count = snapshotter_snapshot_list_count(list);
    if (cli->json) {
        fputs("{\"command\":\"list\",\"snapshots\":[", stdout);
        for (size_t i = 0; i < count; i++) {
            fputs(i > 0 ? "," : "", stdout);
            json_snapshot_info(snapshotter_snapshot_list_get(list, i));
        }
        fputs("]}\n", stdout);
    } else {
        int name_width = 4, version_width = 7;
        for (size_t i = 0; i < count; i++) {
            const snapshotter_snapshot_info *info = snapshotter_snapshot_list_get(list, i);
            name_width = (int)strlen(info->name) > name_width ? (int)strlen(info->name) : name_width;
            version_width = (int)strlen(info->snapshot_version) > version_width ? (int)strlen(info->snapshot_version)
                                                                                 : version_width;
        }
        if (count > 0) {
            printf("%-*s  %-*s  %-30s  %8s  %10s  %10s%s\n", name_width, "NAME", version_width, "VERSION", "CREATED",
                   "FILES", "SIZE", "STORED", cli->remote ? "  WHERE" : "");
        }
        for (size_t i = 0; i < count; i++) {
            const snapshotter_snapshot_info *info = snapshotter_snapshot_list_get(list, i);
            char created[48], bytes[16], stored[16];
            format_time(info->created_ns, created);
            human_bytes(info->bytes, bytes);
            human_bytes(info->stored_bytes, stored);
            if ((info->flags & SNAPSHOTTER_SNAPSHOT_LOCAL) == 0) {
                printf("%-*s  %-*s  %-30s  %8s  %10s  %10s  %s\n", name_width, info->name, version_width,
                       info->snapshot_version, "-", "-", "-", "-", place_name(info->flags));
                continue;
            }
            printf("%-*s  %-*s  %-30s  %8" PRIu64 "  %10s  %10s%s%s\n", name_width, info->name, version_width,
                   info->snapshot_version, created, info->files, bytes, stored, cli->remote ? "  " : "",
                   cli->remote ? place_name(info->flags) : "");
        }
    }
    snapshotter_snapshot_list_free(list);
    return 0;
}

static void print_inspection(const struct cli *cli, const snapshotter_inspection *inspection)
{
    const snapshotter_snapshot_info *info = snapshotter_inspection_snapshot(inspection);
    size_t count = snapshotter_inspection_file_count(inspection);
    if (cli->json) {
        fputs("{\"command\":\"inspect\",\"snapshot\":", stdout);
        json_snapshot_info(info);
        fputs(",\"files\":[", stdout);
        for (size_t i = 0; i < count; i++) {
            const snapshotter_file_info *file = snapshotter_inspection_file_get(inspection, i);
            fputs(i > 0 ? ",{\"path\":" : "{\"path\":", stdout);
            json_string(file->relative_path);
            fputs(",\"digest\":", stdout);
            json_string(file->digest);
            printf(",\"size\":%" PRIu64 ",\"mode\":%" PRIu32 ",\"uid\":%" PRIu32 ",\"gid\":%" PRIu32 ",", file->size,
                   file->mode, file->uid, file->gid);
            json_time("mtime", file->mtime_ns);
            printf(",\"read_only\":%s,\"content_local\":%s}",
                   (file->flags & SNAPSHOTTER_FILE_READ_ONLY) != 0 ? "true" : "false",
                   (file->flags & SNAPSHOTTER_FILE_CONTENT_LOCAL) != 0 ? "true" : "false");
        }
        fputs("]}\n", stdout);
        return;
    }
    char created[48], used[48], bytes[16], stored[16];
    format_time(info->created_ns, created);
    format_time(info->last_used_ns, used);
    human_bytes(info->bytes, bytes);
    human_bytes(info->stored_bytes, stored);
    printf("%s:%s: %" PRIu64 " files, %s (%" PRIu64 " bytes), stored %s\n", info->name, info->snapshot_version,
           info->files, bytes, info->bytes, stored);
    printf("  created %s, last used %s\n", created, used);
    printf("  %-4s  %-11s  %12s  %-30s  %-8s  %-21s  %s\n", "MODE", "UID:GID", "SIZE", "MODIFIED", "FLAGS", "DIGEST",
           "PATH");
    for (size_t i = 0; i < count; i++) {
        const snapshotter_file_info *file = snapshotter_inspection_file_get(inspection, i);
        char mtime[48], owner[24];
        format_time(file->mtime_ns, mtime);
        snprintf(owner, sizeof owner, "%" PRIu32 ":%" PRIu32, file->uid, file->gid);
        printf("  %04" PRIo32 "  %-11s  %12" PRIu64 "  %-30s  %s,%-5s  %-21s  %s\n", file->mode, owner, file->size,
               mtime, (file->flags & SNAPSHOTTER_FILE_READ_ONLY) != 0 ? "ro" : "rw",
               (file->flags & SNAPSHOTTER_FILE_CONTENT_LOCAL) != 0 ? "local" : "absent", file->digest,
               file->relative_path);
    }
}

static int run_inspect(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    (void)cancel;
    snapshotter_inspect_request req = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    snapshotter_inspection *inspection = NULL;
    snapshotter_error *err = NULL;
    req.ref = cli->operands[0];
    snapshotter_code code = snapshotter_inspect(&inspection, s, &req, &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    print_inspection(cli, inspection);
    snapshotter_inspection_free(inspection);
    return 0;
}

static int run_delete(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_delete_request req = SNAPSHOTTER_DELETE_REQUEST_INIT;
    snapshotter_delete_stats stats = SNAPSHOTTER_DELETE_STATS_INIT;
    snapshotter_error *err = NULL;
    req.ref = cli->operands[0], req.cancel = cancel;
    req.flags = cli->remote ? SNAPSHOTTER_DELETE_REMOTE : 0;
    snapshotter_code code = snapshotter_delete(&stats, s, &req, &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    if (cli->json) {
        fputs("{\"command\":\"delete\",\"ref\":", stdout);
        json_string(req.ref);
        printf(",\"files\":%" PRIu64 ",\"content_freed\":%" PRIu64 ",\"bytes_freed\":%" PRIu64
               ",\"manifests_deleted\":%" PRIu64 "}\n",
               stats.files, stats.content_freed, stats.bytes_freed, stats.manifests_deleted);
    } else {
        char freed[16];
        human_bytes(stats.bytes_freed, freed);
        printf("deleted %s: %" PRIu64 " files; freed %" PRIu64 " content objects, %s%s\n", req.ref, stats.files,
               stats.content_freed, freed, stats.manifests_deleted > 0 ? "; deleted its manifest from the registry" : "");
    }
    return 0;
}

/* A DIR operand names a path: it contains a '/' or is "." or "..". Anything else is a REF. */
static int is_directory_operand(const char *operand)
{
    return strchr(operand, '/') != NULL || strcmp(operand, ".") == 0 || strcmp(operand, "..") == 0;
}

static const char *const diff_reason_names[] = { "content", "size", "mode",        "mtime",  "read-only",
                                                 "owner",   "type", "link-target", "xattrs", "device" };
#define DIFF_REASON_COUNT (sizeof diff_reason_names / sizeof diff_reason_names[0])

static const char *diff_kind_name(uint32_t kind)
{
    return kind == SNAPSHOTTER_DIFF_ADDED ? "added" : kind == SNAPSHOTTER_DIFF_REMOVED ? "removed" : "changed";
}

static void print_diff(const struct cli *cli, const snapshotter_diff_request *req, const snapshotter_diff_list *list)
{
    size_t count = snapshotter_diff_list_count(list);
    if (cli->json) {
        fputs("{\"command\":\"diff\",\"ref\":", stdout);
        json_string(req->ref);
        fputs(req->other_ref != NULL ? ",\"other_ref\":" : ",\"other_dir\":", stdout);
        json_string(req->other_ref != NULL ? req->other_ref : req->other_dir);
        fputs(",\"entries\":[", stdout);
    }
    for (size_t i = 0; i < count; i++) {
        const snapshotter_diff_entry *entry = snapshotter_diff_list_get(list, i);
        if (cli->json) {
            fputs(i > 0 ? ",{\"path\":" : "{\"path\":", stdout);
            json_string(entry->relative_path);
            printf(",\"kind\":\"%s\",\"reasons\":[", diff_kind_name(entry->kind));
        } else {
            printf("%c  %s", entry->kind == SNAPSHOTTER_DIFF_ADDED ? 'A' : entry->kind == SNAPSHOTTER_DIFF_REMOVED ? 'D' : 'M',
                   entry->relative_path);
        }
        for (size_t r = 0, shown = 0; r < DIFF_REASON_COUNT; r++) {
            if ((entry->reasons & (1u << r)) != 0) {
                if (cli->json) {
                    printf("%s\"%s\"", shown++ > 0 ? "," : "", diff_reason_names[r]);
                } else {
                    printf("%s%s", shown++ > 0 ? ", " : "  (", diff_reason_names[r]);
                }
            }
        }
        fputs(cli->json ? "]}" : entry->reasons != 0 ? ")\n" : "\n", stdout);
    }
    if (cli->json) {
        fputs("]}\n", stdout);
    }
}

static int run_diff(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_diff_request req = SNAPSHOTTER_DIFF_REQUEST_INIT;
    snapshotter_diff_list *list = NULL;
    snapshotter_error *err = NULL;
    struct progress_line line = { "diff", 0, 0 };
    req.ref = cli->operands[0];
    if (is_directory_operand(cli->operands[1])) {
        req.other_dir = cli->operands[1];
    } else {
        req.other_ref = cli->operands[1];
    }
    req.progress = isatty(STDERR_FILENO) ? show_progress : NULL, req.progress_payload = &line, req.cancel = cancel;
    snapshotter_code code = snapshotter_diff(&list, s, &req, &err);
    int status = finish_call(cli, &line, code, err);
    if (status != 0) {
        return status;
    }
    print_diff(cli, &req, list);
    status = snapshotter_diff_list_count(list) > 0 ? EXIT_DIFFERENT : 0;
    snapshotter_diff_list_free(list);
    return status;
}

static const char *reason_name(uint32_t reason)
{
    switch (reason) {
    case SNAPSHOTTER_GC_REASON_DISK_USAGE: return "disk_usage";
    case SNAPSHOTTER_GC_REASON_STORE_SIZE: return "store_size";
    case SNAPSHOTTER_GC_REASON_MAX_AGE: return "max_age";
    case SNAPSHOTTER_GC_REASON_KEEP_LAST: return "keep_last";
    default: return "unknown";
    }
}

static const char *problem_name(uint32_t kind)
{
    static const char *const names[] = { "unknown", "corrupt_content", "missing_content", "corrupt_snapshot_file",
                                         "missing_snapshot_file", "dangling_record", "unrestorable_snapshot",
                                         "stray_file", "corrupt_metadata" };
    return kind < sizeof names / sizeof names[0] ? names[kind] : names[0];
}

static void print_gc_report(const struct cli *cli, const snapshotter_gc_report *report)
{
    const snapshotter_gc_summary *r = snapshotter_gc_report_summary(report);
    size_t evicted = snapshotter_gc_report_evicted_count(report);
    if (cli->json) {
        printf("{\"command\":\"gc\",\"dry_run\":%s,\"disk_total_bytes\":%" PRIu64 ",\"disk_used_bytes\":%" PRIu64
               ",\"store_bytes\":%" PRIu64 ",\"batches\":%" PRIu64 ",\"evicted\":[",
               r->dry_run ? "true" : "false", r->disk_total_bytes, r->disk_used_bytes, r->store_bytes, r->batches);
        for (size_t i = 0; i < evicted; i++) {
            const snapshotter_gc_evicted *e = snapshotter_gc_report_evicted_get(report, i);
            fputs(i == 0 ? "{\"name\":" : ",{\"name\":", stdout);
            json_string(e->name);
            fputs(",\"version\":", stdout);
            json_string(e->snapshot_version);
            printf(",\"reason\":\"%s\",\"last_used_ns\":%" PRIu64 ",\"content_removed\":%" PRIu64
                   ",\"bytes_freed\":%" PRIu64 "}",
                   reason_name(e->reason), e->last_used_ns, e->content_removed, e->bytes_freed);
        }
        printf("],\"content_removed\":%" PRIu64 ",\"content_bytes_freed\":%" PRIu64 ",\"orphans\":{\"temp_files\":%" PRIu64
               ",\"content\":%" PRIu64 ",\"snapshot_files\":%" PRIu64 ",\"records\":%" PRIu64 ",\"bytes_freed\":%" PRIu64
               "}}\n",
               r->content_removed, r->content_bytes_freed, r->orphan_temp_files, r->orphan_content,
               r->orphan_snapshot_files, r->orphan_records, r->orphan_bytes_freed);
        return;
    }
    char freed[16], orphan_freed[16];
    human_bytes(r->content_bytes_freed, freed);
    human_bytes(r->orphan_bytes_freed, orphan_freed);
    printf("gc%s: %s %zu snapshots, %" PRIu64 " content objects (%s)\n", r->dry_run ? " --dry-run" : "",
           r->dry_run ? "would evict" : "evicted", evicted, r->content_removed, freed);
    for (size_t i = 0; i < evicted; i++) {
        const snapshotter_gc_evicted *e = snapshotter_gc_report_evicted_get(report, i);
        char bytes[16];
        human_bytes(e->bytes_freed, bytes);
        printf("  %s:%s (%s, %s)\n", e->name, e->snapshot_version, reason_name(e->reason), bytes);
    }
    printf("  orphans: %" PRIu64 " temporary files, %" PRIu64 " content files, %" PRIu64 " stored files, %" PRIu64
           " records (%s)\n",
           r->orphan_temp_files, r->orphan_content, r->orphan_snapshot_files, r->orphan_records, orphan_freed);
}

static int run_gc(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_gc_request req = SNAPSHOTTER_GC_REQUEST_INIT;
    snapshotter_gc_report *report = NULL;
    snapshotter_error *err = NULL;
    req.flags = cli->dry_run ? SNAPSHOTTER_GC_DRY_RUN : 0;
    req.cancel = cancel;
    snapshotter_code code = snapshotter_gc(&report, s, &req, &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    print_gc_report(cli, report);
    snapshotter_gc_report_free(report);
    return 0;
}

static void print_verify_report(const struct cli *cli, const snapshotter_verify_report *report)
{
    const snapshotter_verify_summary *r = snapshotter_verify_report_summary(report);
    size_t problems = snapshotter_verify_report_problem_count(report);
    if (cli->json) {
        printf("{\"command\":\"verify\",\"repair\":%s,\"snapshots_checked\":%" PRIu64 ",\"content_checked\":%" PRIu64
               ",\"snapshot_files_checked\":%" PRIu64 ",\"bytes_checked\":%" PRIu64 ",\"unreferenced_content\":%" PRIu64
               ",\"problems\":[",
               cli->repair ? "true" : "false", r->snapshots_checked, r->content_checked, r->snapshot_files_checked,
               r->bytes_checked, r->unreferenced_content);
        for (size_t i = 0; i < problems; i++) {
            const snapshotter_verify_problem *p = snapshotter_verify_report_problem_get(report, i);
            printf("%s{\"kind\":\"%s\",\"subject\":", i == 0 ? "" : ",", problem_name(p->kind));
            json_string(p->subject);
            fputs(",\"message\":", stdout);
            json_string(p->message);
            printf(",\"repaired\":%s}", p->repaired ? "true" : "false");
        }
        printf("],\"problems_unrepaired\":%" PRIu64 "}\n", r->problems_unrepaired);
        return;
    }
    char bytes[16];
    human_bytes(r->bytes_checked, bytes);
    printf("verify: %" PRIu64 " snapshots, %" PRIu64 " content files, %" PRIu64 " stored files, %s checked: %s\n",
           r->snapshots_checked, r->content_checked, r->snapshot_files_checked, bytes,
           problems == 0 ? "clean" : r->problems_unrepaired == 0 ? "repaired" : "PROBLEMS");
    for (size_t i = 0; i < problems; i++) {
        const snapshotter_verify_problem *p = snapshotter_verify_report_problem_get(report, i);
        printf("  %s %s: %s%s\n", problem_name(p->kind), p->subject, p->message, p->repaired ? " [repaired]" : "");
    }
}

static int run_verify(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_verify_request req = SNAPSHOTTER_VERIFY_REQUEST_INIT;
    snapshotter_verify_report *report = NULL;
    snapshotter_error *err = NULL;
    struct progress_line line = { "verify", 0, 0 };
    req.flags = cli->repair ? SNAPSHOTTER_VERIFY_REPAIR : 0;
    req.progress = isatty(STDERR_FILENO) ? show_progress : NULL;
    req.progress_payload = &line;
    req.cancel = cancel;
    snapshotter_code code = snapshotter_verify(&report, s, &req, &err);
    if (line.drawn) {
        fputs("\r\033[K", stderr);
    }
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    print_verify_report(cli, report);
    int status = snapshotter_verify_report_summary(report)->problems_unrepaired == 0 ? 0 : EXIT_PROBLEMS;
    snapshotter_verify_report_free(report);
    return status;
}

/* The archive goes to a duplicate of stdout, and stdout itself to stderr: the summary, JSON included, and any
 * error then stay out of the archive. Returns the descriptor to write the archive to, or -1 after an error. */
static int take_stdout_for_archive(const struct cli *cli)
{
    if (isatty(STDOUT_FILENO)) {
        usage_error(cli, "refusing to write an archive to a terminal: redirect stdout, or give -o FILE");
        return -1;
    }
    fflush(stdout);
    int archive = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (archive < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        os_error(cli, errno, "cannot redirect", "stdout");
        return -1;
    }
    return archive;
}

/* A temporary file beside path, to be renamed over it once complete; -1 with *status, the exit status of the
 * error reported, when it cannot be made. */
static int create_beside(const struct cli *cli, const char *path, char **temp, int *status)
{
    size_t length = strlen(path) + sizeof ".partial-XXXXXX";
    *temp = checked(malloc(length));
    snprintf(*temp, length, "%s.partial-XXXXXX", path);
    int fd = mkstemp(*temp);
    if (fd < 0) {
        int saved = errno;
        *status = os_error(cli, saved, "cannot create", *temp);
        free(*temp);
        *temp = NULL;
        return -1;
    }
    /* mkstemp makes the file 0600; the archive gets the mode any new file gets (0666 less the umask). No
     * library call is creating files at this point, so reading the umask by setting it is safe. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        int saved = errno;
        *status = os_error(cli, saved, "cannot chmod", *temp);
        close(fd);
        unlink(*temp);
        free(*temp);
        *temp = NULL;
        return -1;
    }
    return fd;
}

static int run_export(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_export_request req = SNAPSHOTTER_EXPORT_REQUEST_INIT;
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_error *err = NULL;
    struct progress_line line = { "export", 0, 0 };
    int to_stdout = cli->output != NULL && strcmp(cli->output, "-") == 0;
    char *temp = NULL;
    req.ref = cli->operands[0], req.output_dir = cli->to_dir;
    req.flags = cli->gzip ? SNAPSHOTTER_EXPORT_GZIP : 0;
    if (cli->output != NULL) {
        int failed = EXIT_USAGE;
        req.fd = to_stdout ? take_stdout_for_archive(cli) : create_beside(cli, cli->output, &temp, &failed);
        if (req.fd < 0) {
            return failed;
        }
    }
    req.progress = isatty(STDERR_FILENO) ? show_progress : NULL, req.progress_payload = &line, req.cancel = cancel;
    snapshotter_code code = snapshotter_export(&stats, s, &req, &err);
    if (line.drawn) {
        fputs("\r\033[K", stderr);
    }
    int status = code == SNAPSHOTTER_OK ? 0
                 : library_error_about(cli, cli->output != NULL ? (to_stdout ? "export to stdout" : cli->output) : cli->to_dir, code, err);
    if (temp != NULL) {
        if (status == 0 && (fsync(req.fd) != 0 || close(req.fd) != 0 || rename(temp, cli->output) != 0)) {
            status = os_error(cli, errno, "cannot complete", cli->output);
        } else if (status != 0) {
            close(req.fd);
        }
        if (status != 0) {
            unlink(temp);
        }
        free(temp);
    } else if (to_stdout) {
        close(req.fd);
    }
    if (status == 0) {
        struct summary what = summary_of(cli);
        what.place_key = cli->to_dir != NULL ? "output_dir" : "output";
        what.place = cli->to_dir != NULL ? cli->to_dir : to_stdout ? "-" : cli->output;
        what.preposition = "to";
        print_stats(cli, &what, &stats);
    }
    return status;
}

static int run_import(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_import_request req = SNAPSHOTTER_IMPORT_REQUEST_INIT;
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_inspection *imported = NULL;
    snapshotter_error *err = NULL;
    struct progress_line line = { "import", 0, 0 };
    const char *source = cli->operands[0];
    struct stat st;
    int opened = -1;
    if (strcmp(source, "-") == 0) {
        if (isatty(STDIN_FILENO)) {
            return usage_error(cli, "refusing to read an archive from a terminal: redirect stdin, or give FILE");
        }
        req.fd = STDIN_FILENO;
    } else if (stat(source, &st) == 0 && S_ISDIR(st.st_mode)) {
        req.input_dir = source;
    } else if ((opened = open(source, O_RDONLY | O_CLOEXEC)) < 0) {
        return os_error(cli, errno, "cannot open", source);
    } else {
        req.fd = opened;
    }
    req.name = cli->name, req.snapshot_version = cli->version;
    req.progress = isatty(STDERR_FILENO) ? show_progress : NULL, req.progress_payload = &line, req.cancel = cancel;
    snapshotter_code code = snapshotter_import(&stats, &imported, s, &req, &err);
    if (opened >= 0) {
        close(opened);
    }
    if (line.drawn) {
        fputs("\r\033[K", stderr);
    }
    int status = code == SNAPSHOTTER_OK ? 0 : library_error_about(cli, strcmp(source, "-") == 0 ? "stdin" : source, code, err);
    if (status == 0) {
        const snapshotter_snapshot_info *info = snapshotter_inspection_snapshot(imported);
        struct summary what = { NULL, info->name, info->snapshot_version, "input", source, "from" };
        print_stats(cli, &what, &stats);
    }
    snapshotter_inspection_free(imported);
    return status;
}

/* Opens the store and runs the command, with interrupts turned into cancellation. */
/* ------------------------------------------------- containerd's lifecycle */

/* The --label K=V options as labels: names point into the arguments, cut at their first '='. */
static snapshotter_label *labels_of(const struct cli *cli)
{
    snapshotter_label *labels = checked(calloc(cli->labels.count + 1, sizeof *labels));
    for (size_t i = 0; i < cli->labels.count; i++) {
        char *name = (char *)cli->labels.items[i];
        char *equals = strchr(name, '=');
        *equals = '\0';
        labels[i].version = SNAPSHOTTER_LABEL_VERSION, labels[i].name = name, labels[i].value = equals + 1;
    }
    return labels;
}

static const char *kind_name(uint32_t kind)
{
    return kind == SNAPSHOTTER_LIFECYCLE_VIEW ? "view" : kind == SNAPSHOTTER_LIFECYCLE_ACTIVE ? "active" : "committed";
}

static void print_mounts(const struct cli *cli, const snapshotter_mount_list *mounts)
{
    size_t count = snapshotter_mount_list_count(mounts);
    if (cli->json) {
        printf("{\"command\":\"%s\",\"key\":", cli->command);
        json_string(cli->operands[0]);
        fputs(",\"mounts\":[", stdout);
        for (size_t i = 0; i < count; i++) {
            const snapshotter_mount *m = snapshotter_mount_list_get(mounts, i);
            fputs(i > 0 ? ",{\"type\":" : "{\"type\":", stdout);
            json_string(m->type);
            fputs(",\"source\":", stdout);
            json_string(m->source);
            fputs(",\"options\":[", stdout);
            for (size_t j = 0; j < m->option_count; j++) {
                fputs(j > 0 ? "," : "", stdout);
                json_string(m->options[j]);
            }
            fputs("]}", stdout);
        }
        fputs("]}\n", stdout);
        return;
    }
    /* As `ctr snapshot mounts` prints them: commands to run. */
    for (size_t i = 0; i < count; i++) {
        const snapshotter_mount *m = snapshotter_mount_list_get(mounts, i);
        printf("mount -t %s %s %s -o ", m->type, m->source, cli->target != NULL ? cli->target : "TARGET");
        for (size_t j = 0; j < m->option_count; j++) {
            printf("%s%s", j > 0 ? "," : "", m->options[j]);
        }
        putchar('\n');
    }
}

static int run_prepare(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    (void)cancel;
    snapshotter_lifecycle_request req = SNAPSHOTTER_LIFECYCLE_REQUEST_INIT;
    snapshotter_mount_list *mounts = NULL;
    snapshotter_error *err = NULL;
    snapshotter_label *labels = labels_of(cli);
    req.key = cli->operands[0], req.parent = cli->operand_count > 1 ? cli->operands[1] : NULL;
    req.labels = labels, req.label_count = cli->labels.count;
    snapshotter_code code = strcmp(cli->command, "view") == 0 ? snapshotter_lifecycle_view(&mounts, s, &req, &err)
                                                              : snapshotter_lifecycle_prepare(&mounts, s, &req, &err);
    free(labels);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    print_mounts(cli, mounts);
    snapshotter_mount_list_free(mounts);
    return 0;
}

static int run_mounts(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    (void)cancel;
    snapshotter_mount_list *mounts = NULL;
    snapshotter_error *err = NULL;
    snapshotter_code code = snapshotter_lifecycle_mounts(&mounts, s, cli->operands[0], &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    print_mounts(cli, mounts);
    snapshotter_mount_list_free(mounts);
    return 0;
}

static void json_lifecycle_info(const snapshotter_lifecycle_info *info)
{
    fputs("{\"key\":", stdout);
    json_string(info->key);
    printf(",\"kind\":\"%s\",\"parent\":", kind_name(info->kind));
    info->parent != NULL ? json_string(info->parent) : (void)fputs("null", stdout);
    fputs(",\"labels\":{", stdout);
    for (size_t i = 0; i < info->label_count; i++) {
        fputs(i > 0 ? "," : "", stdout);
        json_string(info->labels[i].name);
        putchar(':');
        json_string(info->labels[i].value);
    }
    fputs("},", stdout);
    json_time("created", info->created_ns);
    putchar(',');
    json_time("updated", info->updated_ns);
    fputs(",\"snapshot\":", stdout);
    if (info->snapshot_name != NULL) {
        fputs("{\"name\":", stdout);
        json_string(info->snapshot_name);
        fputs(",\"version\":", stdout);
        json_string(info->snapshot_version);
        putchar('}');
    } else {
        fputs("null", stdout);
    }
    putchar('}');
}

static void print_lifecycle_info(const struct cli *cli, const snapshotter_lifecycle_info *info)
{
    if (cli->json) {
        printf("{\"command\":\"%s\",\"snapshot\":", cli->command);
        json_lifecycle_info(info);
        fputs("}\n", stdout);
        return;
    }
    char created[48], updated[48];
    format_time(info->created_ns, created);
    format_time(info->updated_ns, updated);
    printf("key:       %s\nkind:      %s\nparent:    %s\ncreated:   %s\nupdated:   %s\n", info->key,
           kind_name(info->kind), info->parent != NULL ? info->parent : "-", created, updated);
    if (info->snapshot_name != NULL) {
        printf("snapshot:  %s:%s\n", info->snapshot_name, info->snapshot_version);
    }
    for (size_t i = 0; i < info->label_count; i++) {
        printf("label:     %s=%s\n", info->labels[i].name, info->labels[i].value);
    }
}

static int run_info(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    (void)cancel;
    snapshotter_lifecycle_list *list = NULL;
    snapshotter_error *err = NULL;
    snapshotter_code code = snapshotter_lifecycle_stat(&list, s, cli->operands[0], &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    print_lifecycle_info(cli, snapshotter_lifecycle_list_get(list, 0));
    snapshotter_lifecycle_list_free(list);
    return 0;
}

/* Sets each --label K=V (K= removes K), leaving the other labels as they are. */
static int run_label(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    if (cli->labels.count == 0) {
        return run_info(cli, s, cancel);
    }
    snapshotter_label *labels = labels_of(cli);
    char **paths = checked(calloc(cli->labels.count, sizeof *paths));
    for (size_t i = 0; i < cli->labels.count; i++) {
        paths[i] = checked(malloc(strlen(labels[i].name) + sizeof "labels."));
        sprintf(paths[i], "labels.%s", labels[i].name);
    }
    snapshotter_lifecycle_update_request req = SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_INIT;
    snapshotter_lifecycle_list *list = NULL;
    snapshotter_error *err = NULL;
    req.key = cli->operands[0], req.labels = labels, req.label_count = cli->labels.count;
    req.field_paths = (const char *const *)paths, req.field_path_count = cli->labels.count;
    snapshotter_code code = snapshotter_lifecycle_update(&list, s, &req, &err);
    for (size_t i = 0; i < cli->labels.count; i++) {
        free(paths[i]);
    }
    free(paths);
    free(labels);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    print_lifecycle_info(cli, snapshotter_lifecycle_list_get(list, 0));
    snapshotter_lifecycle_list_free(list);
    return 0;
}

static int run_commit(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    snapshotter_stats stats = SNAPSHOTTER_STATS_INIT;
    snapshotter_error *err = NULL;
    struct progress_line line = { cli->command, 0, 0 };
    snapshotter_label *labels = labels_of(cli);
    snapshotter_lifecycle_commit_request req = SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_INIT;
    req.name = cli->operands[0], req.key = cli->operands[1];
    req.labels = labels, req.label_count = cli->labels.count;
    req.snapshot_name = cli->name, req.snapshot_version = cli->version;
    req.progress = isatty(STDERR_FILENO) ? show_progress : NULL, req.progress_payload = &line, req.cancel = cancel;
    snapshotter_code code = snapshotter_lifecycle_commit(&stats, s, &req, &err);
    free(labels);
    int status = finish_call(cli, &line, code, err);
    if (status != 0) {
        return status;
    }
    snapshotter_lifecycle_list *list = NULL;
    code = snapshotter_lifecycle_stat(&list, s, req.name, &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    const snapshotter_lifecycle_info *info = snapshotter_lifecycle_list_get(list, 0);
    struct summary what = { NULL, info->snapshot_name, info->snapshot_version, "lifecycle", req.name, "as" };
    print_stats(cli, &what, &stats);
    snapshotter_lifecycle_list_free(list);
    return 0;
}

static int run_rm(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    (void)cancel;
    snapshotter_error *err = NULL;
    snapshotter_code code = snapshotter_lifecycle_remove(s, cli->operands[0], &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    if (cli->json) {
        fputs("{\"command\":\"rm\",\"key\":", stdout);
        json_string(cli->operands[0]);
        fputs("}\n", stdout);
    } else {
        printf("removed %s\n", cli->operands[0]);
    }
    return 0;
}

static int run_usage(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    (void)cancel;
    snapshotter_lifecycle_list *list = NULL;
    snapshotter_error *err = NULL;
    snapshotter_code code = cli->operand_count > 0 ? snapshotter_lifecycle_stat(&list, s, cli->operands[0], &err)
                                                   : snapshotter_lifecycle_walk(&list, s, NULL, &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    size_t count = snapshotter_lifecycle_list_count(list);
    if (cli->json) {
        fputs("{\"command\":\"usage\",\"usage\":[", stdout);
    } else {
        printf("%-40s  %10s  %8s\n", "KEY", "SIZE", "INODES");
    }
    int status = 0;
    for (size_t i = 0; i < count && status == 0; i++) {
        const snapshotter_lifecycle_info *info = snapshotter_lifecycle_list_get(list, i);
        snapshotter_usage usage = SNAPSHOTTER_USAGE_INIT;
        code = snapshotter_lifecycle_usage(&usage, s, info->key, &err);
        if (code != SNAPSHOTTER_OK) {
            status = library_error(cli, code, err);
        } else if (cli->json) {
            fputs(i > 0 ? ",{\"key\":" : "{\"key\":", stdout);
            json_string(info->key);
            printf(",\"bytes\":%" PRId64 ",\"inodes\":%" PRId64 "}", usage.bytes, usage.inodes);
        } else {
            char size[16];
            human_bytes((uint64_t)usage.bytes, size);
            printf("%-40s  %10s  %8" PRId64 "\n", info->key, size, usage.inodes);
        }
    }
    if (cli->json && status == 0) {
        fputs("]}\n", stdout);
    }
    snapshotter_lifecycle_list_free(list);
    return status;
}

/* Prints `info` and, below it, its children (they follow it in the walk's key order), as `ctr snapshot tree`:
 * a root unindented, each level two spaces deeper with "\_". */
static void print_tree_node(const struct cli *cli, const snapshotter_lifecycle_list *list, size_t index, int level)
{
    const snapshotter_lifecycle_info *info = snapshotter_lifecycle_list_get(list, index);
    if (cli->json) {
        fputs("{\"key\":", stdout);
        json_string(info->key);
        printf(",\"kind\":\"%s\",\"children\":[", kind_name(info->kind));
    } else {
        printf("%*s%s %s\n", level * 2, "", level > 0 ? "\\_" : "", info->key);
    }
    int first = 1;
    for (size_t i = 0; i < snapshotter_lifecycle_list_count(list); i++) {
        const snapshotter_lifecycle_info *child = snapshotter_lifecycle_list_get(list, i);
        if (child->parent != NULL && strcmp(child->parent, info->key) == 0) {
            fputs(cli->json && !first ? "," : "", stdout);
            first = 0;
            print_tree_node(cli, list, i, level + 1);
        }
    }
    fputs(cli->json ? "]}" : "", stdout);
}

static int run_tree(const struct cli *cli, snapshotter *s, snapshotter_cancel *cancel)
{
    (void)cancel;
    snapshotter_lifecycle_list *list = NULL;
    snapshotter_error *err = NULL;
    snapshotter_code code = snapshotter_lifecycle_walk(&list, s, NULL, &err);
    if (code != SNAPSHOTTER_OK) {
        return library_error(cli, code, err);
    }
    fputs(cli->json ? "{\"command\":\"tree\",\"tree\":[" : "", stdout);
    int first = 1;
    for (size_t i = 0; i < snapshotter_lifecycle_list_count(list); i++) {
        if (snapshotter_lifecycle_list_get(list, i)->parent == NULL) {
            fputs(cli->json && !first ? "," : "", stdout);
            first = 0;
            print_tree_node(cli, list, i, 0);
        }
    }
    fputs(cli->json ? "]}\n" : "", stdout);
    snapshotter_lifecycle_list_free(list);
    return 0;
}

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
    snapshotter_registry_options registry = SNAPSHOTTER_REGISTRY_OPTIONS_INIT;
    snapshotter *s = NULL;
    opts.root_dir = cli->root;
    opts.concurrency = cli->concurrency;
    /* A command-line run is short: collections happen through `gc`, never behind a command's back. */
    opts.gc = &cli->gc;
    const struct dragonfly *d = &cli->dragonfly;
    if (cli->content_dir != NULL) {
        content.dir = cli->content_dir;
        opts.content = &content;
    } else if (d->used) {
        content.dfdaemon = d->dfdaemon, content.provider = d->provider, content.bucket = d->bucket;
        content.region = d->region, content.endpoint = d->endpoint;
        content.access_key_id = d->access_key_id, content.access_key_secret = d->access_key_secret;
        content.insecure_skip_verify = d->insecure_skip_verify, content.replica_count = d->replica_count;
        content.ttl_seconds = d->ttl_seconds, content.timeout_seconds = d->timeout_seconds;
        content.storage_dir = d->storage_dir;
        opts.content = &content;
    }
    if (cli->registry != NULL) {
        registry.url = cli->registry;
        registry.repository_namespace = cli->registry_namespace;
        registry.username = cli->username;
        registry.password = cli->password;
        registry.insecure_skip_verify = cli->insecure;
        registry.ca_file = cli->ca_file;
        opts.registry = &registry;
    }
    code = snapshotter_open(&s, &opts, &err);
    if (code != SNAPSHOTTER_OK) {
        status = library_error(cli, code, err);
    } else {
        status = cli->spec->run(cli, s, watch.cancel);
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
    snapshotter_gc_options_init(&cli.gc, SNAPSHOTTER_GC_OPTIONS_VERSION);
    cli.gc.flags = SNAPSHOTTER_GC_NO_BACKGROUND;
    int status = parse_args(&cli, argc, argv);
    if (status < 0) {
        /* Before the store is opened (and created): a bad file list must leave no trace. */
        status = cli.password_stdin ? read_stdin_line(&cli, &cli.password, "--password-stdin", "password") : 0;
        if (status == 0 && cli.dragonfly.secret_from_stdin) {
            status = read_stdin_line(&cli, &cli.dragonfly.access_key_secret, "--access-key-secret-stdin", "access key secret");
        }
        if (status == 0 && strcmp(cli.command, "snapshot") == 0) {
            status = collect_files(&cli);
        }
        if (status == 0) {
            status = install_log_hook(&cli);
        }
        if (status == 0) {
            status = run(&cli, &signals);
        }
    }
    list_free(&cli.files);
    free(cli.only.items);
    free(cli.labels.items);
    free(cli.password);
    free(cli.dragonfly.access_key_secret);
    return status;
}
