/*
 * libsnapshotter: file snapshot and restore engine.
 *
 * A snapshot is a named, versioned set of files. Its content goes into a
 * content-addressable store under a root directory (digests are XXH3-64 over
 * the SPF1 sparse encoding); restore brings the files back, read-only files
 * as hardlinks into the store, writable files as private copies, with modes,
 * times and holes restored and every byte of every copy verified.
 *
 * Conventions
 * - Every symbol starts with snapshotter_ / SNAPSHOTTER_. Every function is
 *   declared SNAPSHOTTER_API: exported with default visibility, so a program
 *   compiled with -fvisibility=hidden still links against the library.
 * - Fallible functions return a snapshotter_code. Outputs come first in the
 *   argument list and are written only on success. The last argument,
 *   `snapshotter_error **err`, may be NULL; when it is not NULL and the call
 *   fails, *err receives an error object the caller frees with
 *   snapshotter_error_free(). Errors are per call, never thread-local.
 * - Strings are NUL-terminated UTF-8, except file system paths below a
 *   directory (base_dir, relative_path, output_dir, input_dir, other_dir,
 *   restore's `only`, and the relative paths in results): those are bytes,
 *   any but NUL, as the kernel takes them, UTF-8 or not, passed through and
 *   returned unchanged. A NULL or malformed argument is
 *   SNAPSHOTTER_ERROR_INVALID_ARGUMENT, never a crash. Handles (the pointers
 *   the library gives out) are looked up before use: one that was freed, is
 *   of another type or never came from the library is refused the same way,
 *   and where a function returns no code it answers 0 or NULL, or does
 *   nothing. Pointers to the caller's own memory (structs, strings) cannot be
 *   checked and must be valid.
 * - Everything the library allocates is released with its own *_free()
 *   function, which accepts NULL. Never pass library memory to free().
 * - Every struct starts with `unsigned int version`. Initialise option and
 *   request structs with the *_INIT macro or the *_init() function; fields
 *   are only ever appended, so a program built against this header keeps
 *   working with later versions of the library. A NULL options pointer means
 *   all defaults, and 0 in a field means that field's default (descriptors
 *   excepted: 0 is stdin, so -1 means none). Structs the library fills in
 *   carry the version it wrote: read a field appended later only when that
 *   version has it.
 * - Results are opaque objects read through *_count() / *_get() accessors
 *   (never raw arrays, so their elements can grow) and freed with their
 *   *_free(). docs/abi.md states what is stable and how it changes.
 *
 * Thread safety
 * - A snapshotter handle may be used from any number of threads at once.
 *   Calls on one handle run concurrently; each call processes up to
 *   `concurrency` files in parallel. snapshotter_close() must not race with
 *   the start of another call on the same handle, but may be called while
 *   calls are in flight on other threads: it cancels them, waits until they
 *   have returned SNAPSHOTTER_ERROR_CLOSED, and then frees the handle.
 * - Callbacks run on library threads, never concurrently for one call, and
 *   must not call snapshotter_close() on the handle that invoked them.
 * - Several handles, in one process or in several processes, may open the
 *   same root directory at once and snapshot, restore, collect and verify
 *   concurrently. Metadata lives in SQLite (WAL mode, waits for locks instead
 *   of failing), content is written to temporary files and renamed into
 *   place, so concurrent snapshots and restores never see each other's
 *   partial state. Two concurrent snapshots of one name and version: exactly
 *   one succeeds, the other fails with ALREADY_EXISTS. Each open handle holds
 *   a lock file under root_dir/metadata/owners; what a handle leaves behind
 *   when its process dies (a half-made snapshot, its leases, temporary
 *   files) is cleaned up by the next snapshotter_open() or collection of that
 *   root_dir, and a half-made snapshot never blocks its name.
 *
 * Leases and garbage collection
 * - A running snapshot leases every digest it is about to reference (before
 *   it looks whether the store already holds it), a running restore leases
 *   its snapshot from the moment it finds it. Leases are records of the
 *   metadata database tied to the handle's lock file: every process sharing
 *   the root_dir honours them, and they stop counting when their process
 *   dies. No collection, in any process, evicts a leased snapshot or deletes
 *   leased content, so no snapshot or restore fails because a collection ran
 *   at the same time. A restore that starts after its snapshot was evicted
 *   fails with NOT_FOUND, as if the snapshot had never existed.
 * - Collections of one root_dir (the background collector of every handle,
 *   snapshotter_gc() calls, snapshotter_verify()) exclude each other across
 *   processes through root_dir/metadata/collector.lock. See snapshotter_gc().
 * - Crash safety: content is written to a temporary file, made durable and
 *   renamed; a snapshot becomes visible in one durable transaction after its
 *   content is durable; a collection deletes metadata before files. Killed
 *   at any instant (or on power loss), a store never holds a visible
 *   snapshot whose content is missing.
 * - The root directory and the base directories of read-only files should be
 *   on one filesystem: read-only files are captured by hardlink. Across
 *   filesystems the library falls back to a private copy in the store.
 */
#ifndef SNAPSHOTTER_H
#define SNAPSHOTTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the library's exported functions (default visibility). A build may
 * define it before including this header to override it. */
#ifndef SNAPSHOTTER_API
#if defined(__GNUC__) || defined(__clang__)
#define SNAPSHOTTER_API __attribute__((visibility("default")))
#else
#define SNAPSHOTTER_API
#endif
#endif

#define SNAPSHOTTER_VERSION_MAJOR 0
#define SNAPSHOTTER_VERSION_MINOR 1
#define SNAPSHOTTER_VERSION_PATCH 0
#define SNAPSHOTTER_VERSION_STRING "0.1.0"
/* MAJOR * 1000000 + MINOR * 1000 + PATCH, as snapshotter_version_number(). */
#define SNAPSHOTTER_VERSION_NUMBER 1000

/*
 * Result codes. Values are pinned and never reused; new codes are appended.
 */
typedef enum snapshotter_code {
    SNAPSHOTTER_OK = 0,
    /* An argument, option or request field is missing or malformed; the
     * message names it. Nothing was written. */
    SNAPSHOTTER_ERROR_INVALID_ARGUMENT = 1,
    /* A snapshot, file or content object does not exist. */
    SNAPSHOTTER_ERROR_NOT_FOUND = 2,
    /* The snapshot name:version exists already, or a restore target exists
     * and differs while SNAPSHOTTER_RESTORE_OVERWRITE was not given. */
    SNAPSHOTTER_ERROR_ALREADY_EXISTS = 3,
    /* The call was cancelled through its snapshotter_cancel or its progress
     * callback. Nothing partial is visible. */
    SNAPSHOTTER_ERROR_CANCELLED = 4,
    /* An operating-system call failed; the message names the path. */
    SNAPSHOTTER_ERROR_IO = 5,
    /* Stored or received data does not match its digest or is malformed. */
    SNAPSHOTTER_ERROR_CORRUPT = 6,
    /* The operating system refused access (EACCES, EPERM, EROFS). */
    SNAPSHOTTER_ERROR_PERMISSION_DENIED = 7,
    /* The filesystem is full (ENOSPC, EDQUOT). */
    SNAPSHOTTER_ERROR_NO_SPACE = 8,
    /* The request needs something this library or filesystem does not
     * support, e.g. a struct version newer than the library. */
    SNAPSHOTTER_ERROR_UNSUPPORTED = 9,
    /* The handle was closed while the call was in flight. */
    SNAPSHOTTER_ERROR_CLOSED = 10,
    /* A remote service (a registry or its token service, dfdaemon) refused
     * the credentials, asked for credentials none were configured for, or
     * could not prove its own identity (an untrusted TLS certificate). */
    SNAPSHOTTER_ERROR_UNAUTHENTICATED = 11,
    /* A remote service could not be reached or failed: a registry kept
     * failing (connection errors, HTTP 429 and 5xx) until the retries ran
     * out; dfdaemon could not be reached or reported a failure. */
    SNAPSHOTTER_ERROR_UNAVAILABLE = 12,
    /* A remote service did not answer in time (a registry: on every
     * attempt). */
    SNAPSHOTTER_ERROR_TIMEOUT = 13,
    /* The object is not in the state the call needs (containerd's failed
     * precondition): removing a lifecycle snapshot that has children,
     * committing a view or a committed one, deleting a snapshot a lifecycle
     * snapshot records. Nothing was changed. */
    SNAPSHOTTER_ERROR_FAILED_PRECONDITION = 14,
    /* A bug in the library; the message says what happened. */
    SNAPSHOTTER_ERROR_INTERNAL = 100
} snapshotter_code;

/* The code's name without prefix ("NOT_FOUND"); a static string, "UNKNOWN"
 * for values this library does not define. */
SNAPSHOTTER_API const char *snapshotter_code_name(snapshotter_code code);

/* Library version as a static string ("0.1.0") and as a number
 * (SNAPSHOTTER_VERSION_NUMBER of the library actually loaded). */
SNAPSHOTTER_API const char *snapshotter_version(void);
SNAPSHOTTER_API uint32_t snapshotter_version_number(void);

/* ------------------------------------------------------------------ errors */

typedef struct snapshotter_error snapshotter_error;

/* The error's code. NULL gives SNAPSHOTTER_OK, anything but a live error
 * object SNAPSHOTTER_ERROR_INVALID_ARGUMENT. */
SNAPSHOTTER_API snapshotter_code snapshotter_error_code(const snapshotter_error *err);
/* The error's message, owned by err and valid until snapshotter_error_free().
 * It names the offending path, field or digest. NULL gives "", anything but
 * a live error object a static message saying so. */
SNAPSHOTTER_API const char *snapshotter_error_message(const snapshotter_error *err);
SNAPSHOTTER_API void snapshotter_error_free(snapshotter_error *err);

/* ------------------------------------------------------------ cancellation */

/*
 * A cancellation token. Trigger it from any thread to make every call that
 * was given it return SNAPSHOTTER_ERROR_CANCELLED as soon as possible. One
 * token may serve several calls; free it only after they have returned.
 */
typedef struct snapshotter_cancel snapshotter_cancel;

SNAPSHOTTER_API snapshotter_code snapshotter_cancel_new(snapshotter_cancel **out, snapshotter_error **err);
/* Thread-safe and idempotent. NULL is ignored. Not async-signal-safe: from a
 * signal handler, hand the request to a thread (e.g. sigwait or a pipe). */
SNAPSHOTTER_API void snapshotter_cancel_trigger(snapshotter_cancel *cancel);
/* 1 once triggered, else 0 (also for NULL). */
SNAPSHOTTER_API int snapshotter_cancel_is_triggered(const snapshotter_cancel *cancel);
SNAPSHOTTER_API void snapshotter_cancel_free(snapshotter_cancel *cancel);

/* ----------------------------------------------------------------- logging */

/*
 * What no call can return: failures of background work (the collector of a
 * handle), clean-ups a call that succeeded could not finish, and what such a
 * call left out (a socket in a tree, a device skipped). Messages go to
 * one hook per process; without one (the initial state) they are dropped.
 * A hook set for a level receives the messages of that level and of the more
 * important ones (lower values). Values are pinned.
 */
typedef enum snapshotter_log_level {
    /* Logging off. */
    SNAPSHOTTER_LOG_NONE = 0,
    /* Something failed that no call returns: a background collection (it is
     * retried at the next interval). */
    SNAPSHOTTER_LOG_ERROR = 1,
    /* A call succeeded but left something out (a socket while a tree is read,
     * a device SNAPSHOTTER_RESTORE_SKIP_DEVICES skips) or left something (a
     * lease, a reservation) for the next open or collection to clean up. */
    SNAPSHOTTER_LOG_WARNING = 2,
    /* What background work did: a collection that removed something. */
    SNAPSHOTTER_LOG_INFO = 3,
    /* Detail: collections that found nothing to do or another at work. */
    SNAPSHOTTER_LOG_DEBUG = 4
} snapshotter_log_level;

/* message: NUL-terminated UTF-8 without a trailing newline, valid only
 * during the call. */
typedef void (*snapshotter_log_cb)(snapshotter_log_level level, const char *message, void *payload);

/*
 * Sets the process's log hook: cb receives the messages of `level` and the
 * more important levels, with `payload`. cb NULL or SNAPSHOTTER_LOG_NONE turns
 * logging off. A level outside 0..4 is INVALID_ARGUMENT.
 * - cb runs on library threads (a background collector, a call's own
 *   threads), possibly on several at once: it must be thread-safe, return
 *   promptly, and may call the library, but not snapshotter_log_set()
 *   (INVALID_ARGUMENT from inside the hook).
 * - When snapshotter_log_set() returns, no call of the previous hook is
 *   running and none will start: its payload may be released.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_log_set(snapshotter_log_level level, snapshotter_log_cb cb,
                                                     void *payload, snapshotter_error **err);

/* ---------------------------------------------------------------- progress */

#define SNAPSHOTTER_PROGRESS_VERSION 1
typedef struct snapshotter_progress {
    /* The version of this struct the library filled in. */
    unsigned int version;
    uint64_t files_done;
    uint64_t files_total;
    /* Logical bytes. A restore that fetches content from the content
     * provider counts each object to fetch as well (its file's logical size),
     * as it arrives: bytes_total is then the files' size plus the fetched
     * objects' size. */
    uint64_t bytes_done;
    uint64_t bytes_total;
} snapshotter_progress;

/*
 * Called as work advances (at most every few tens of milliseconds, and once
 * more when the call's work is complete). The struct is valid only during the
 * call. Return 0 to go on, anything else to cancel the operation.
 */
typedef int (*snapshotter_progress_cb)(const snapshotter_progress *progress, void *payload);

/* ---------------------------------------------------------------- handle */

typedef struct snapshotter snapshotter;

/*
 * Where content lives beyond this machine. Snapshots publish the content they
 * need there before they become visible; restores fetch what the local store
 * lacks, verifying every object before it enters the store. Concurrent
 * restores of one handle that need the same object share one download.
 *
 * Either a directory (`dir`) or Dragonfly (every other field) may be set, not
 * both: INVALID_ARGUMENT otherwise. Dragonfly is used when any of its fields
 * is set; objects are then persistent tasks of dfdaemon over object storage,
 * named <provider>://<bucket>/xxh3/<hex> as by Dragonfly's Go snapshotter.
 * Strings are copied by snapshotter_open(); nothing is contacted until the
 * first snapshot or restore needs it. The access key secret never appears in
 * error messages.
 */
#define SNAPSHOTTER_CONTENT_OPTIONS_VERSION 1
typedef struct snapshotter_content_options {
    unsigned int version;
    /* A directory, local or NFS (absolute path), holding xxh3/<hex> objects
     * named as in object storage. */
    const char *dir;
    /* dfdaemon's gRPC address: "unix:///path" or "http://host:port"; NULL
     * means "unix:///var/run/dragonfly/dfdaemon.sock". */
    const char *dfdaemon;
    /* The object storage provider: "s3", "gs", "abs", "oss", "obs" or "cos".
     * Required with Dragonfly. */
    const char *provider;
    /* The bucket, optionally followed by a key prefix ("bucket/prefix").
     * Required with Dragonfly. */
    const char *bucket;
    /* Optional; always sent to dfdaemon, "" when NULL. */
    const char *region;
    /* The object storage endpoint URL (http:// or https://, no credentials in
     * it). Optional; always sent to dfdaemon, "" when NULL. */
    const char *endpoint;
    /* Optional object storage credentials; a secret needs an id. */
    const char *access_key_id;
    const char *access_key_secret;
    /* Non-zero: dfdaemon skips TLS verification towards the endpoint. */
    int insecure_skip_verify;
    /* Replicas of each object the P2P network keeps; 0 means 2. */
    uint32_t replica_count;
    /* How long the P2P network keeps an uploaded object, 60 to 604800
     * seconds; 0 leaves it to dfdaemon (1 day). */
    uint32_t ttl_seconds;
    /* Longest time one object's upload or download through dfdaemon may
     * take; 0 means 1800 (30 minutes). Past it: SNAPSHOTTER_ERROR_TIMEOUT. */
    uint32_t timeout_seconds;
    /* Where dfdaemon sees root_dir, when it runs with root_dir mounted at
     * another path (a DaemonSet): paths sent to it become storage_dir + the
     * path below root_dir. NULL: the same paths. dfdaemon hardlinks into
     * root_dir, so it must share root_dir's filesystem. */
    const char *storage_dir;
} snapshotter_content_options;
#define SNAPSHOTTER_CONTENT_OPTIONS_INIT \
    { SNAPSHOTTER_CONTENT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_content_options_init(snapshotter_content_options *opts,
                                                                  unsigned int version);

/* snapshotter_gc_options.flags */
/* Start no background collector: collections happen only through
 * snapshotter_gc() (e.g. for short-lived programs, or a single collector
 * process per root_dir). */
#define SNAPSHOTTER_GC_NO_BACKGROUND 0x1u
/* No eviction for disk usage: the watermarks are not used. */
#define SNAPSHOTTER_GC_NO_DISK_EVICTION 0x2u
/* No minimum retention: a snapshot used a moment ago may be evicted. */
#define SNAPSHOTTER_GC_NO_MIN_RETENTION 0x4u
/* No grace period for orphans: they are removed however young. */
#define SNAPSHOTTER_GC_NO_ORPHAN_GRACE 0x8u

/*
 * How the store is collected. As in every struct, 0 means the field's default
 * (those of Dragonfly's Go snapshotter, given below); where a policy can be
 * turned off, 0 is off by default or a flag turns it off. NULL means all
 * defaults.
 *
 * A collection evicts whole snapshots, least recently used (created or
 * restored) first, never one that is leased or was used less than
 * min_retention_seconds ago: those older than the newest keep_last versions
 * of their name, those unused for longer than max_age_seconds, and, when it
 * started with the filesystem at least high_watermark_percent full (used =
 * total - free, as statfs counts), more until it is below
 * low_watermark_percent; likewise while the content stored exceeds
 * max_store_bytes. Evictions go in batches of batch_size, at most
 * max_batches per collection. A snapshot's metadata is deleted before its
 * files; content is deleted only when no remaining snapshot references it.
 * A collection also removes orphans: temporary files and staging
 * directories of dead handles, foreign ones (without an owner token, like
 * the Go snapshotter's) and content or storage/snapshot files no snapshot
 * references, once older than orphan_grace_seconds; and the records of dead
 * handles. It never deletes the last copy of content a snapshot references.
 */
#define SNAPSHOTTER_GC_OPTIONS_VERSION 1
typedef struct snapshotter_gc_options {
    unsigned int version;
    /* SNAPSHOTTER_GC_* flags. */
    uint32_t flags;
    /* The background collector's period; 0 means 300. */
    uint64_t interval_seconds;
    /* Disk usage that starts eviction, 1 to 100; 0 means 90. The level it
     * evicts down to, at most the high watermark; 0 means 70, or the high
     * watermark when that is lower. SNAPSHOTTER_GC_NO_DISK_EVICTION turns
     * eviction for disk usage off. */
    uint32_t high_watermark_percent;
    uint32_t low_watermark_percent;
    /* Snapshots evicted per batch, 0 means 10, and batches per collection,
     * 0 means 100. */
    uint32_t batch_size;
    uint32_t max_batches;
    /* Keep only the newest N versions (by creation) of each name; 0 (the
     * default) keeps all. */
    uint32_t keep_last;
    /* Snapshots used more recently than this are never evicted; 0 means 300
     * (SNAPSHOTTER_GC_NO_MIN_RETENTION: none). */
    uint64_t min_retention_seconds;
    /* Evict snapshots unused for longer than this; 0 (the default): off. */
    uint64_t max_age_seconds;
    /* Evict while the content stored exceeds this; 0 (the default): off. */
    uint64_t max_store_bytes;
    /* Unreferenced content and foreign temporary files younger than this are
     * kept; 0 means 3600 (SNAPSHOTTER_GC_NO_ORPHAN_GRACE: none). */
    uint64_t orphan_grace_seconds;
} snapshotter_gc_options;
#define SNAPSHOTTER_GC_OPTIONS_INIT { SNAPSHOTTER_GC_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
SNAPSHOTTER_API snapshotter_code snapshotter_gc_options_init(snapshotter_gc_options *opts, unsigned int version);

/*
 * Where snapshot metadata is published: an OCI registry, or an OCI image
 * layout directory. With it, a snapshot becomes visible locally only once its
 * metadata is pushed (after its content is durable and published), and a
 * restore of a snapshot this store has never seen pulls it from there. A
 * snapshot name:version is the artifact tagged <version> in the repository
 * <repository_namespace>/<name>. Strings are copied by snapshotter_open().
 */
#define SNAPSHOTTER_REGISTRY_OPTIONS_VERSION 1
typedef struct snapshotter_registry_options {
    unsigned int version;
    /* "http://host[:port]" (plain HTTP), "https://host[:port]" (TLS), or
     * "oci:/absolute/dir" (an OCI image layout, created on the first
     * snapshot). Required. Credentials do not go in the URL. */
    const char *url;
    /* Optional prefix of every repository, e.g. "team/snapshots". */
    const char *repository_namespace;
    /* Optional. Used for HTTP Basic or the Bearer token service, whichever
     * the registry asks for; never shown in errors. */
    const char *username;
    const char *password;
    /* Non-zero: TLS without certificate verification. */
    int insecure_skip_verify;
    /* Optional absolute path of a PEM bundle: the certificate authorities
     * to trust instead of the system's. */
    const char *ca_file;
    /* Bound on one request, connecting included; 0 means 30000. */
    uint32_t request_timeout_ms;
    /* Attempts per request on connection errors, timeouts, HTTP 408, 429
     * and 5xx (1: no retry, at most 100); 0 means 5. Waits between attempts
     * grow exponentially with jitter, or follow the registry's Retry-After. */
    uint32_t max_attempts;
    /* No new attempt starts, and no wait reaches, beyond this much time
     * after the first attempt; 0 means 120000. */
    uint32_t retry_time_limit_ms;
} snapshotter_registry_options;
#define SNAPSHOTTER_REGISTRY_OPTIONS_INIT \
    { SNAPSHOTTER_REGISTRY_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, NULL, 0, 0, 0 }
SNAPSHOTTER_API snapshotter_code snapshotter_registry_options_init(snapshotter_registry_options *opts,
                                                                   unsigned int version);

#define SNAPSHOTTER_OPTIONS_VERSION 1
typedef struct snapshotter_options {
    unsigned int version;
    /* Root of the store (created if missing). Required. */
    const char *root_dir;
    /* Files processed at once by one snapshot or restore call; 0 means 5. */
    unsigned int concurrency;
    /* Optional; NULL keeps content in the local store only. Copied by
     * snapshotter_open(). */
    const snapshotter_content_options *content;
    /* Optional; NULL: the defaults of snapshotter_gc_options, with the
     * background collector running. Copied by snapshotter_open(). */
    const snapshotter_gc_options *gc;
    /* Optional; NULL keeps snapshot metadata local. Copied by
     * snapshotter_open(). */
    const snapshotter_registry_options *registry;
} snapshotter_options;
#define SNAPSHOTTER_OPTIONS_INIT { SNAPSHOTTER_OPTIONS_VERSION, NULL, 0, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_options_init(snapshotter_options *opts, unsigned int version);

/*
 * Opens (creating if needed) the store at opts->root_dir, recovers what dead
 * handles left behind and, unless opts->gc says otherwise, starts the
 * handle's background collector (its first run is one interval after open).
 * On success *out is a handle the caller releases with snapshotter_close().
 */
SNAPSHOTTER_API snapshotter_code snapshotter_open(snapshotter **out, const snapshotter_options *opts,
                                                  snapshotter_error **err);

/*
 * Cancels the handle's calls in flight, waits for them to return, stops its
 * background work and frees it. NULL is ignored. The handle must not be used
 * afterwards.
 */
SNAPSHOTTER_API void snapshotter_close(snapshotter *s);

/* ---------------------------------------------------------------- results */

#define SNAPSHOTTER_STATS_VERSION 1
/* Filled by snapshot and restore calls. Set `version` (SNAPSHOTTER_STATS_INIT);
 * the library writes only the fields that version has. */
typedef struct snapshotter_stats {
    unsigned int version;
    /* Files in the snapshot and their logical size in bytes. */
    uint64_t files;
    uint64_t bytes;
    /* Bytes read from the source files (snapshot) or the store (restore). */
    uint64_t bytes_read;
    /* Bytes written into the store (snapshot) or the output dir (restore). */
    uint64_t bytes_written;
    /* Files whose content was already stored (snapshot) or already in the
     * output dir (restore; in place, some of them may have had only their
     * mode, owner or mtime set). */
    uint64_t files_reused;
    /* Files captured or restored as hardlinks rather than copies. */
    uint64_t files_linked;
    /* Wall-clock time of the call. */
    uint64_t elapsed_ns;
    /* Extra files an in-place restore removed (SNAPSHOTTER_RESTORE_DELETE_EXTRA). */
    uint64_t files_removed;
} snapshotter_stats;
#define SNAPSHOTTER_STATS_INIT { SNAPSHOTTER_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0 }

/* -------------------------------------------------------------- snapshot */

/* snapshotter_file.flags */
#define SNAPSHOTTER_FILE_READ_ONLY 0x1u

/*
 * One file of a snapshot request. Initialise each element with
 * SNAPSHOTTER_FILE_INIT or snapshotter_file_init(). Every element of one
 * array has the same version: the library steps through the array by the
 * size of that version of the struct, so fields appended later make arrays
 * of a newer version wider without breaking arrays of an older one.
 */
#define SNAPSHOTTER_FILE_VERSION 1
typedef struct snapshotter_file {
    unsigned int version;
    /* Path relative to the base dir: no "..", not absolute; "." is the base
     * dir itself. A symlink on the way is followed and must resolve inside
     * the base dir. A regular file is captured with its content; a
     * directory with everything beneath it, walked without following
     * symlinks: directories, symlinks (their targets as stored), hardlinks,
     * FIFOs and devices are recorded as what they are, with extended
     * attributes; sockets are skipped and logged; an entry that vanishes or
     * cannot be read fails the call naming it. Where paths overlap, the
     * deepest one decides the flags of what it covers. */
    const char *relative_path;
    /* SNAPSHOTTER_FILE_READ_ONLY. */
    uint32_t flags;
} snapshotter_file;
#define SNAPSHOTTER_FILE_INIT { SNAPSHOTTER_FILE_VERSION, NULL, 0 }
SNAPSHOTTER_API snapshotter_code snapshotter_file_init(snapshotter_file *file, unsigned int version);

/* snapshotter_snapshot_request.flags: read every file, taking no remembered
 * digest on trust (what is read is still remembered for later calls). */
#define SNAPSHOTTER_SNAPSHOT_REHASH 0x1u
/* ...and record a snapshot of no entries (file_count 0, or only directories
 * walked to nothing, such as "." over an empty base_dir), which is
 * INVALID_ARGUMENT without this flag. */
#define SNAPSHOTTER_SNAPSHOT_ALLOW_EMPTY 0x2u

/* Version 2 moved `flags` before `progress`, as in every request. */
#define SNAPSHOTTER_SNAPSHOT_REQUEST_VERSION 2
typedef struct snapshotter_snapshot_request {
    unsigned int version;
    /* A valid OCI repository path component ([a-z0-9]+ joined by '.', '_',
     * '__' or '-'s) and a valid OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}). */
    const char *name;
    const char *snapshot_version;
    /* Directory the relative paths are resolved against. */
    const char *base_dir;
    const snapshotter_file *files;
    size_t file_count;
    /* SNAPSHOTTER_SNAPSHOT_* flags. */
    uint32_t flags;
    /* Optional. */
    snapshotter_progress_cb progress;
    void *progress_payload;
    snapshotter_cancel *cancel;
} snapshotter_snapshot_request;
#define SNAPSHOTTER_SNAPSHOT_REQUEST_INIT \
    { SNAPSHOTTER_SNAPSHOT_REQUEST_VERSION, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_snapshot_request_init(snapshotter_snapshot_request *req,
                                                                   unsigned int version);

/*
 * Captures req->files into the store as name:snapshot_version. The snapshot
 * becomes visible atomically once all of its content is durable; a failed or
 * cancelled call leaves no snapshot behind. out_stats may be NULL.
 * With a registry, the snapshot is also published there before it becomes
 * visible locally, and name:snapshot_version must be free there too: a tag
 * holding other files is ALREADY_EXISTS (checked before any content is read,
 * and again right before pushing); one holding this very snapshot is fine.
 *
 * Unchanged files are not read again: the library remembers, in the store's
 * metadata, the digest it read from each file by the file's identity (device,
 * inode, size, mode, mtime and ctime to the nanosecond), and takes it while
 * that identity is unchanged and the content is still stored; stats report
 * such files as reused with no bytes read. Only files on ext2/3/4, XFS, Btrfs
 * and F2FS are remembered (the filesystems known to move the ctime on every
 * change), and only when their ctime was over 2 seconds older than the read
 * and did not move during it, so a write in the same clock tick as the read is
 * never missed; and only within the boot they were remembered in.
 * SNAPSHOTTER_SNAPSHOT_REHASH reads every file regardless.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_snapshot(snapshotter_stats *out_stats, snapshotter *s,
                                                      const snapshotter_snapshot_request *req,
                                                      snapshotter_error **err);

/* ------------------------------------------------------------ references */

/*
 * Calls that act on one existing snapshot name it either with `ref` or with
 * `name` and `snapshot_version`, never both (INVALID_ARGUMENT). A reference
 * is one of:
 *   "name:version"                 exactly that version;
 *   "name@latest"                  the version created most recently;
 *   "name@2025-01-02T03:04:05Z"    the latest created at or before that
 *                                  RFC 3339 time (up to 9 fraction digits,
 *                                  "Z" or an offset such as "+08:00").
 * "@" picks among the snapshots in the local store, by the time each was
 * created (for imported snapshots, the time recorded where they were made).
 * A name with no version, or none created by that time, is NOT_FOUND; two
 * versions created at the very same nanosecond where one is wanted are
 * INVALID_ARGUMENT naming both.
 */

/* --------------------------------------------------------------- restore */

/* snapshotter_restore_request.flags */
/* Replace existing files in the output dir that differ from the snapshot.
 * Without it such a file makes the restore fail with ALREADY_EXISTS before
 * anything is written. Files that already match are always left alone. */
#define SNAPSHOTTER_RESTORE_OVERWRITE 0x1u
/* Restore into an existing tree touching only what differs: files whose
 * content differs are replaced, each atomically (implies OVERWRITE); files
 * whose content matches but whose mode, owner or mtime differ get only those
 * set (unless another hardlink shares the inode: then it is replaced);
 * identical files are not touched at all. Deciding that content matches reads
 * and hashes each existing file whose size matches, except a hardlink of the
 * stored inode and a file whose digest is remembered for its unchanged
 * identity (as a snapshot takes them; see snapshotter_snapshot): such a
 * restore writes only the differences, reads the files it keeps once, and
 * remembers them, so the next one over the same tree reads only what
 * changed since. */
#define SNAPSHOTTER_RESTORE_IN_PLACE 0x2u
/* With IN_PLACE: afterwards, remove what output_dir holds beyond the
 * snapshot (within `only` when given): files, symlinks (as links, never
 * followed), other non-directories, and directories left empty. Nothing
 * outside output_dir is touched, even if the tree changes meanwhile; the
 * store's root directory is never removed. */
#define SNAPSHOTTER_RESTORE_DELETE_EXTRA 0x4u
/* Leave out the snapshot's character and block devices instead of failing.
 * Only root (CAP_MKNOD) creates device nodes: without this flag, a restore
 * of a snapshot holding one by any other user fails with PERMISSION_DENIED
 * naming it, before anything is written. Each device skipped is logged as
 * a warning naming it. */
#define SNAPSHOTTER_RESTORE_SKIP_DEVICES 0x8u
/* Read and hash every existing file whose content is compared, taking no
 * remembered digest on trust (what is read is still remembered for later
 * calls), as SNAPSHOTTER_SNAPSHOT_REHASH does for a snapshot. */
#define SNAPSHOTTER_RESTORE_REHASH 0x10u

/* Version 2 moved `ref` first and `only` before `flags`, as in every request. */
#define SNAPSHOTTER_RESTORE_REQUEST_VERSION 2
typedef struct snapshotter_restore_request {
    unsigned int version;
    /* The snapshot: `ref`, or `name` and `snapshot_version` (see
     * "References"). */
    const char *ref;
    const char *name;
    const char *snapshot_version;
    /* Where to put the files (created if missing). NULL: only make sure all
     * of the snapshot's content is in the local store. */
    const char *output_dir;
    /* Optional: restore only the files these paths or globs select. Patterns
     * match whole relative paths: '*' any run of characters within one path
     * component, '?' one character, '[a-z]' and '[!a-z]' classes, '**' as a
     * whole component any number of components, '\' quotes the next
     * character. A pattern also selects everything below a directory it
     * matches: "models" selects "models/a/b.bin", and so does "models/?". A
     * pattern that selects nothing is NOT_FOUND naming it. */
    const char *const *only;
    size_t only_count;
    /* SNAPSHOTTER_RESTORE_* flags. */
    uint32_t flags;
    /* Optional. */
    snapshotter_progress_cb progress;
    void *progress_payload;
    snapshotter_cancel *cancel;
} snapshotter_restore_request;
#define SNAPSHOTTER_RESTORE_REQUEST_INIT \
    { SNAPSHOTTER_RESTORE_REQUEST_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_restore_request_init(snapshotter_restore_request *req,
                                                                  unsigned int version);

/* Present in an output dir while a restore into it has not finished. */
#define SNAPSHOTTER_RESTORE_INCOMPLETE_MARKER ".snapshotter-incomplete-restore"

/*
 * Restores name:snapshot_version into req->output_dir. Each file appears
 * only when complete (written to a temporary name, then renamed); a failed
 * or cancelled call leaves no partial file behind. out_stats may be NULL.
 *
 * A snapshot unknown to this store is pulled from the registry when one is
 * configured: validated as untrusted input, its content fetched through the
 * content options, then recorded locally like any other snapshot. Content
 * missing locally with no content options is NOT_FOUND naming its digest.
 *
 * Before it writes anything into the output dir, a restore durably creates
 * the file SNAPSHOTTER_RESTORE_INCOMPLETE_MARKER there (listing the
 * snapshots being restored), and removes it once it has finished. So a
 * restore that was killed, lost power, or failed after it had placed some
 * files leaves the marker: the tree is not whole. The next restore into that
 * dir removes the temporary files dead restores left and, when it finishes
 * with no other restore into the dir still at work, the marker.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_restore(snapshotter_stats *out_stats, snapshotter *s,
                                                     const snapshotter_restore_request *req,
                                                     snapshotter_error **err);


/* ------------------------------------------------- list, inspect, delete */

/*
 * Results of these calls are objects the library allocates: read them with
 * their accessors, release them with their *_free() (which accepts NULL).
 * Every string and struct they hand out is owned by the object and valid
 * until it is freed. Element structs only ever grow at the end, which is why
 * they are reached through *_get() and never as a raw array; each carries
 * the version the library wrote.
 */

/* snapshotter_snapshot_info.flags: where the snapshot is. */
#define SNAPSHOTTER_SNAPSHOT_LOCAL 0x1u  /* in the local store */
#define SNAPSHOTTER_SNAPSHOT_REMOTE 0x2u /* tagged in the registry (SNAPSHOTTER_LIST_REMOTE only) */

/* A snapshot. Times are nanoseconds since the Unix epoch. A version known
 * only from the registry has only its name, version and flags: its other
 * fields are 0. */
#define SNAPSHOTTER_SNAPSHOT_INFO_VERSION 1
typedef struct snapshotter_snapshot_info {
    unsigned int version;
    const char *name;
    const char *snapshot_version;
    int64_t created_ns;
    /* Last snapshot or restore of it (least-recently-used eviction). */
    int64_t last_used_ns;
    /* Its files and their logical size. */
    uint64_t files;
    uint64_t bytes;
    /* Stored size (SPF1) of its distinct content; content shared with other
     * snapshots counts for each of them. */
    uint64_t stored_bytes;
    uint32_t flags;
} snapshotter_snapshot_info;

typedef struct snapshotter_snapshot_list snapshotter_snapshot_list;

/* snapshotter_list_request.flags */
/* Also list the versions of `name` (required) that the registry tags: its
 * repository's whole tag list, page after page. Local snapshots tagged there
 * too get SNAPSHOTTER_SNAPSHOT_REMOTE; versions only the registry has follow
 * the local ones, ordered by version. Without a registry configured,
 * INVALID_ARGUMENT. */
#define SNAPSHOTTER_LIST_REMOTE 0x1u

#define SNAPSHOTTER_LIST_REQUEST_VERSION 1
typedef struct snapshotter_list_request {
    unsigned int version;
    /* Only snapshots of this name; NULL: all. */
    const char *name;
    uint32_t flags;
    /* Optional: stops a remote listing. */
    snapshotter_cancel *cancel;
} snapshotter_list_request;
#define SNAPSHOTTER_LIST_REQUEST_INIT { SNAPSHOTTER_LIST_REQUEST_VERSION, NULL, 0, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_list_request_init(snapshotter_list_request *req, unsigned int version);

/*
 * Lists local snapshots, ordered by name, then creation time, then version.
 * req may be NULL (all snapshots). On success *out is a list the caller
 * frees with snapshotter_snapshot_list_free().
 */
SNAPSHOTTER_API snapshotter_code snapshotter_list(snapshotter_snapshot_list **out, snapshotter *s,
                                                  const snapshotter_list_request *req, snapshotter_error **err);
/* The number of snapshots; 0 for NULL. */
SNAPSHOTTER_API size_t snapshotter_snapshot_list_count(const snapshotter_snapshot_list *list);
/* The index-th snapshot, owned by list; NULL when index is out of range. */
SNAPSHOTTER_API const snapshotter_snapshot_info *
snapshotter_snapshot_list_get(const snapshotter_snapshot_list *list, size_t index);
SNAPSHOTTER_API void snapshotter_snapshot_list_free(snapshotter_snapshot_list *list);

/* snapshotter_file_info.flags: SNAPSHOTTER_FILE_READ_ONLY, and this one
 * (never valid in a snapshot request): */
/* The file's content object is in the local store. Without it, a restore
 * fetches it from the content provider (or, for a read-only file, links the
 * stored inode if that is still there). */
#define SNAPSHOTTER_FILE_CONTENT_LOCAL 0x2u

/* One file of a snapshot, as recorded. */
#define SNAPSHOTTER_FILE_INFO_VERSION 1
typedef struct snapshotter_file_info {
    unsigned int version;
    const char *relative_path;
    /* "xxh3:<hex>" */
    const char *digest;
    uint64_t size;
    /* Modification time, nanoseconds since the Unix epoch. */
    int64_t mtime_ns;
    /* Permission bits (0644 is 420). */
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t flags;
} snapshotter_file_info;

typedef struct snapshotter_inspection snapshotter_inspection;

#define SNAPSHOTTER_INSPECT_REQUEST_VERSION 1
typedef struct snapshotter_inspect_request {
    unsigned int version;
    /* The snapshot: `ref`, or `name` and `snapshot_version`. */
    const char *ref;
    const char *name;
    const char *snapshot_version;
} snapshotter_inspect_request;
#define SNAPSHOTTER_INSPECT_REQUEST_INIT { SNAPSHOTTER_INSPECT_REQUEST_VERSION, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_inspect_request_init(snapshotter_inspect_request *req,
                                                                  unsigned int version);

/*
 * Describes one snapshot and its files (ordered by path), including whether
 * each file's content is in the local store. On success *out is an object the
 * caller frees with snapshotter_inspection_free().
 */
SNAPSHOTTER_API snapshotter_code snapshotter_inspect(snapshotter_inspection **out, snapshotter *s,
                                                     const snapshotter_inspect_request *req,
                                                     snapshotter_error **err);
/* The snapshot, owned by the inspection; NULL for NULL. */
SNAPSHOTTER_API const snapshotter_snapshot_info *
snapshotter_inspection_snapshot(const snapshotter_inspection *inspection);
/* The number of files; 0 for NULL. */
SNAPSHOTTER_API size_t snapshotter_inspection_file_count(const snapshotter_inspection *inspection);
/* The index-th file, owned by the inspection; NULL when index is out of range. */
SNAPSHOTTER_API const snapshotter_file_info *
snapshotter_inspection_file_get(const snapshotter_inspection *inspection, size_t index);
SNAPSHOTTER_API void snapshotter_inspection_free(snapshotter_inspection *inspection);

/* snapshotter_delete_request.flags */
/* First delete the manifest the registry tags name:version with. Registries
 * delete manifests by digest only, so every other tag of that very manifest
 * in the repository goes too. A failure there leaves the local snapshot as
 * it was; a snapshot found in only one of the two places is deleted there. */
#define SNAPSHOTTER_DELETE_REMOTE 0x1u

#define SNAPSHOTTER_DELETE_REQUEST_VERSION 1
typedef struct snapshotter_delete_request {
    unsigned int version;
    /* The snapshot: `ref`, or `name` and `snapshot_version`. */
    const char *ref;
    const char *name;
    const char *snapshot_version;
    uint32_t flags;
    /* Optional: stops a registry request. */
    snapshotter_cancel *cancel;
} snapshotter_delete_request;
#define SNAPSHOTTER_DELETE_REQUEST_INIT { SNAPSHOTTER_DELETE_REQUEST_VERSION, NULL, NULL, NULL, 0, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_delete_request_init(snapshotter_delete_request *req,
                                                                 unsigned int version);

#define SNAPSHOTTER_DELETE_STATS_VERSION 1
/* Filled by snapshotter_delete(). Set `version` (SNAPSHOTTER_DELETE_STATS_INIT). */
typedef struct snapshotter_delete_stats {
    unsigned int version;
    /* Files the deleted snapshot had. */
    uint64_t files;
    /* Content objects no other snapshot referenced, now removed from the
     * local store, and their stored size in bytes. */
    uint64_t content_freed;
    uint64_t bytes_freed;
    /* Manifests deleted from the registry (SNAPSHOTTER_DELETE_REMOTE): 0 or 1. */
    uint64_t manifests_deleted;
} snapshotter_delete_stats;
#define SNAPSHOTTER_DELETE_STATS_INIT { SNAPSHOTTER_DELETE_STATS_VERSION, 0, 0, 0, 0 }

/*
 * Deletes a local snapshot. Its metadata goes first, in one transaction (from
 * then on it is NOT_FOUND); then every content object that no remaining
 * snapshot references is removed, including the stored inode of read-only
 * files. A snapshot being made at the same time that reuses such content
 * stores it again rather than fail. Restores of the deleted snapshot still in
 * flight may fail with NOT_FOUND. out_stats may be NULL.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_delete(snapshotter_delete_stats *out_stats, snapshotter *s,
                                                    const snapshotter_delete_request *req, snapshotter_error **err);


/* ------------------------------------------------------------------ diff */

/* snapshotter_diff_entry.kind: how a path differs from the first side (the
 * snapshot named by ref / name + snapshot_version) to the second. */
#define SNAPSHOTTER_DIFF_ADDED 1u   /* only on the second side */
#define SNAPSHOTTER_DIFF_REMOVED 2u /* only on the first side */
#define SNAPSHOTTER_DIFF_CHANGED 3u /* on both, different for `reasons` */

/* snapshotter_diff_entry.reasons (CHANGED only; 0 otherwise). */
/* The digest differs: other bytes, or the same bytes with other holes (the
 * digest covers the hole layout). */
#define SNAPSHOTTER_DIFF_CONTENT 0x1u
#define SNAPSHOTTER_DIFF_SIZE 0x2u
/* Permission bits, setuid, setgid and sticky included. */
#define SNAPSHOTTER_DIFF_MODE 0x4u
/* Modification time, to the nanosecond. */
#define SNAPSHOTTER_DIFF_MTIME 0x8u
/* Read-only on one side, writable on the other (two snapshots only). */
#define SNAPSHOTTER_DIFF_READ_ONLY 0x10u
/* uid or gid; against a directory only when running as root (only root
 * restores owners). */
#define SNAPSHOTTER_DIFF_OWNER 0x20u
/* The entry is of another type there (a regular file, directory, symlink,
 * hardlink, FIFO or device on one side, something else on the other). */
#define SNAPSHOTTER_DIFF_TYPE 0x40u
/* A symlink points elsewhere, or a hardlink shares another path's inode. */
#define SNAPSHOTTER_DIFF_LINK_TARGET 0x80u
/* Extended attributes: one present on one side only, or another value. */
#define SNAPSHOTTER_DIFF_XATTRS 0x100u
/* A device node's major or minor number. */
#define SNAPSHOTTER_DIFF_DEVICE 0x200u

#define SNAPSHOTTER_DIFF_ENTRY_VERSION 1
typedef struct snapshotter_diff_entry {
    unsigned int version;
    const char *relative_path;
    uint32_t kind;
    uint32_t reasons;
} snapshotter_diff_entry;

typedef struct snapshotter_diff_list snapshotter_diff_list;

#define SNAPSHOTTER_DIFF_REQUEST_VERSION 1
typedef struct snapshotter_diff_request {
    unsigned int version;
    /* The first side: `ref`, or `name` and `snapshot_version`. */
    const char *ref;
    const char *name;
    const char *snapshot_version;
    /* The second side, exactly one of: another snapshot (a reference)... */
    const char *other_ref;
    /* ...or a directory, walked without following symlinks (an entry of
     * another type than the snapshot's is a TYPE change; what the directory
     * holds beyond the snapshot is ADDED, but for the directories on the way
     * to the snapshot's entries). */
    const char *other_dir;
    /* Optional; progress counts the files read to compare content. */
    snapshotter_progress_cb progress;
    void *progress_payload;
    snapshotter_cancel *cancel;
} snapshotter_diff_request;
#define SNAPSHOTTER_DIFF_REQUEST_INIT \
    { SNAPSHOTTER_DIFF_REQUEST_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_diff_request_init(snapshotter_diff_request *req, unsigned int version);

/*
 * Compares a snapshot with another snapshot (their records: nothing is read)
 * or with a directory (a regular file of the recorded size is read and its
 * digest compared, unless it is the stored inode itself). On success *out is
 * the list of differing paths, ordered by path, which the caller frees with
 * snapshotter_diff_list_free(). No difference is an empty list.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_diff(snapshotter_diff_list **out, snapshotter *s,
                                                  const snapshotter_diff_request *req, snapshotter_error **err);
/* The number of entries; 0 for NULL. */
SNAPSHOTTER_API size_t snapshotter_diff_list_count(const snapshotter_diff_list *list);
/* The index-th entry, owned by list; NULL when index is out of range. */
SNAPSHOTTER_API const snapshotter_diff_entry *snapshotter_diff_list_get(const snapshotter_diff_list *list,
                                                                        size_t index);
SNAPSHOTTER_API void snapshotter_diff_list_free(snapshotter_diff_list *list);

/* -------------------------------------------------- garbage collection */

/* snapshotter_gc_request.flags: report what a collection would do, changing
 * nothing. */
#define SNAPSHOTTER_GC_DRY_RUN 0x1u

#define SNAPSHOTTER_GC_REQUEST_VERSION 1
typedef struct snapshotter_gc_request {
    unsigned int version;
    uint32_t flags;
    /* Optional. */
    snapshotter_cancel *cancel;
} snapshotter_gc_request;
#define SNAPSHOTTER_GC_REQUEST_INIT { SNAPSHOTTER_GC_REQUEST_VERSION, 0, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_gc_request_init(snapshotter_gc_request *req, unsigned int version);

/* Why a snapshot was evicted (snapshotter_gc_evicted.reason). Pinned values. */
typedef enum snapshotter_gc_reason {
    SNAPSHOTTER_GC_REASON_DISK_USAGE = 1,
    SNAPSHOTTER_GC_REASON_STORE_SIZE = 2,
    SNAPSHOTTER_GC_REASON_MAX_AGE = 3,
    SNAPSHOTTER_GC_REASON_KEEP_LAST = 4
} snapshotter_gc_reason;

/* What a collection did (or, dry, would do): its totals and the snapshots it
 * evicted, least recently used first. */
typedef struct snapshotter_gc_report snapshotter_gc_report;

#define SNAPSHOTTER_GC_SUMMARY_VERSION 1
typedef struct snapshotter_gc_summary {
    unsigned int version;
    /* 1 when this was a dry run. */
    uint32_t dry_run;
    /* The store's filesystem and the content stored when it started. */
    uint64_t disk_total_bytes;
    uint64_t disk_used_bytes;
    uint64_t store_bytes;
    uint64_t batches;
    /* Totals over the evicted snapshots (SPF1 bytes of the content
     * objects). */
    uint64_t content_removed;
    uint64_t content_bytes_freed;
    /* Orphans: temporary files and staging dirs; unreferenced content files
     * and storage/snapshot files; records of dead handles and content records
     * without files; and the bytes of the files removed. */
    uint64_t orphan_temp_files;
    uint64_t orphan_content;
    uint64_t orphan_snapshot_files;
    uint64_t orphan_records;
    uint64_t orphan_bytes_freed;
} snapshotter_gc_summary;

/* One evicted snapshot. */
#define SNAPSHOTTER_GC_EVICTED_VERSION 1
typedef struct snapshotter_gc_evicted {
    unsigned int version;
    const char *name;
    const char *snapshot_version;
    /* A snapshotter_gc_reason. */
    uint32_t reason;
    /* When it was last created or restored, in ns since the Unix epoch. */
    uint64_t last_used_ns;
    /* Content objects whose last reference it was, and their bytes. */
    uint64_t content_removed;
    uint64_t bytes_freed;
} snapshotter_gc_evicted;

/*
 * Runs one collection now with the handle's snapshotter_gc_options (waiting
 * while another collection of the root_dir is in progress), or with
 * SNAPSHOTTER_GC_DRY_RUN plans it: the report then lists exactly what a
 * collection would evict and remove if nothing changed meanwhile. req may be
 * NULL (a real collection). On success *out is a report the caller frees with
 * snapshotter_gc_report_free().
 */
SNAPSHOTTER_API snapshotter_code snapshotter_gc(snapshotter_gc_report **out, snapshotter *s,
                                                const snapshotter_gc_request *req, snapshotter_error **err);
/* The totals, owned by the report; NULL for NULL. */
SNAPSHOTTER_API const snapshotter_gc_summary *snapshotter_gc_report_summary(const snapshotter_gc_report *report);
/* The number of evicted snapshots; 0 for NULL. */
SNAPSHOTTER_API size_t snapshotter_gc_report_evicted_count(const snapshotter_gc_report *report);
/* The index-th evicted snapshot, owned by the report; NULL when index is out
 * of range. */
SNAPSHOTTER_API const snapshotter_gc_evicted *
snapshotter_gc_report_evicted_get(const snapshotter_gc_report *report, size_t index);
SNAPSHOTTER_API void snapshotter_gc_report_free(snapshotter_gc_report *report);

/* ---------------------------------------------------------- verification */

/* snapshotter_verify_request.flags: repair what is repairable. */
#define SNAPSHOTTER_VERIFY_REPAIR 0x1u

#define SNAPSHOTTER_VERIFY_REQUEST_VERSION 1
typedef struct snapshotter_verify_request {
    unsigned int version;
    uint32_t flags;
    /* Optional. Files and bytes are those of the store files re-hashed. */
    snapshotter_progress_cb progress;
    void *progress_payload;
    snapshotter_cancel *cancel;
} snapshotter_verify_request;
#define SNAPSHOTTER_VERIFY_REQUEST_INIT { SNAPSHOTTER_VERIFY_REQUEST_VERSION, 0, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_verify_request_init(snapshotter_verify_request *req,
                                                                 unsigned int version);

/* What is wrong (snapshotter_verify_problem.kind). Pinned values. */
typedef enum snapshotter_problem_kind {
    /* A content file does not hash to its name. Repair removes it and
     * recovers the content (as for MISSING_CONTENT). */
    SNAPSHOTTER_PROBLEM_CORRUPT_CONTENT = 1,
    /* Referenced content is not in the store. Repair fetches it from the
     * content provider, or re-encodes it from its storage/snapshot file. */
    SNAPSHOTTER_PROBLEM_MISSING_CONTENT = 2,
    /* A storage/snapshot file was modified. Repair removes it. */
    SNAPSHOTTER_PROBLEM_CORRUPT_SNAPSHOT_FILE = 3,
    /* A read-only entry's storage/snapshot file is missing. Repair recreates
     * it from the content. */
    SNAPSHOTTER_PROBLEM_MISSING_SNAPSHOT_FILE = 4,
    /* Pending snapshots and leases of handles no longer open. Repair drops
     * them. */
    SNAPSHOTTER_PROBLEM_DANGLING_RECORD = 5,
    /* A snapshot whose content is gone for good. Not repairable. */
    SNAPSHOTTER_PROBLEM_UNRESTORABLE_SNAPSHOT = 6,
    /* A file in the store that the store did not write. Reported only. */
    SNAPSHOTTER_PROBLEM_STRAY_FILE = 7,
    /* The metadata database is damaged. Not repairable. */
    SNAPSHOTTER_PROBLEM_CORRUPT_METADATA = 8
} snapshotter_problem_kind;

/* What a verification found: its totals and the problems, in the order
 * found. */
typedef struct snapshotter_verify_report snapshotter_verify_report;

#define SNAPSHOTTER_VERIFY_SUMMARY_VERSION 1
typedef struct snapshotter_verify_summary {
    unsigned int version;
    uint64_t snapshots_checked;
    /* Content and storage/snapshot files re-hashed, and their bytes. */
    uint64_t content_checked;
    uint64_t snapshot_files_checked;
    uint64_t bytes_checked;
    /* Content no snapshot references: not a problem, the collector's to
     * remove once past its grace period. */
    uint64_t unreferenced_content;
    /* Problems still there after the call; 0 means the store is clean. */
    uint64_t problems_unrepaired;
} snapshotter_verify_summary;

/* One problem. */
#define SNAPSHOTTER_VERIFY_PROBLEM_VERSION 1
typedef struct snapshotter_verify_problem {
    unsigned int version;
    /* A snapshotter_problem_kind. */
    uint32_t kind;
    /* 1 when this call repaired it. */
    uint32_t repaired;
    /* A digest ("xxh3:..."), a snapshot ("name:version") or a path. */
    const char *subject;
    const char *message;
} snapshotter_verify_problem;

/*
 * Checks the whole store: the metadata database's integrity, every content
 * file and storage/snapshot file re-hashed against its name, every digest a
 * snapshot references present or recoverable, every snapshot restorable.
 * With SNAPSHOTTER_VERIFY_REPAIR it repairs what each problem kind says is
 * repairable. Problems are the report's, not errors: the call returns OK
 * when it could check. Snapshots and restores may run meanwhile; collections
 * wait for it. req may be NULL (check only). On success *out is a report the
 * caller frees with snapshotter_verify_report_free().
 */
SNAPSHOTTER_API snapshotter_code snapshotter_verify(snapshotter_verify_report **out, snapshotter *s,
                                                    const snapshotter_verify_request *req, snapshotter_error **err);
/* The totals, owned by the report; NULL for NULL. */
SNAPSHOTTER_API const snapshotter_verify_summary *
snapshotter_verify_report_summary(const snapshotter_verify_report *report);
/* The number of problems; 0 for NULL. */
SNAPSHOTTER_API size_t snapshotter_verify_report_problem_count(const snapshotter_verify_report *report);
/* The index-th problem, owned by the report; NULL when index is out of
 * range. */
SNAPSHOTTER_API const snapshotter_verify_problem *
snapshotter_verify_report_problem_get(const snapshotter_verify_report *report, size_t index);
SNAPSHOTTER_API void snapshotter_verify_report_free(snapshotter_verify_report *report);

/* --------------------------------------------------------- export, import */

/*
 * An export carries one snapshot out of the store, as a tar stream or as a
 * directory, and an import records it in a store again (this one or another).
 *
 * Layout. A tar stream starts with "snapshot.json", an envelope holding a
 * format version and the snapshot's metadata: name, version, creation time,
 * and its config as its OCI artifact carries it (each entry's path, type,
 * digest, read-only flag, mode, owner, size, mtime to the nanosecond, link
 * target, device numbers and extended attributes). Then comes each entry
 * under "files/" as the member GNU tar writes for it with --format=posix
 * (directories, symlinks, hard links, devices and FIFOs as what they are,
 * extended attributes as pax records); a file with holes is stored in GNU
 * sparse format 1.0, so `tar --xattrs --xattrs-include='*' -xpf` recreates
 * the tree, holes included. An export directory has the same layout: files/
 * is written first, and snapshot.json last and atomically, as the marker that
 * the export is complete.
 *
 * Streams cross this API as file descriptors that the caller owns: a
 * descriptor is a file, a pipe, a socket, stdin or stdout alike, in every
 * language, and the caller stays in charge of where the bytes go (e.g. a
 * temporary file renamed on success). The library reads or writes it
 * sequentially from its current position and never closes it. While the
 * other end of a blocking descriptor stalls the call cannot be cancelled;
 * a non-blocking descriptor is polled, and cancellation is noticed.
 * Directories are given as paths.
 */

/* snapshotter_export_request.flags */
/* Compress the tar stream with gzip (imports recognise it by its magic). */
#define SNAPSHOTTER_EXPORT_GZIP 0x1u

#define SNAPSHOTTER_EXPORT_REQUEST_VERSION 1
typedef struct snapshotter_export_request {
    unsigned int version;
    /* The snapshot: `ref`, or `name` and `snapshot_version`. */
    const char *ref;
    const char *name;
    const char *snapshot_version;
    /* Where to, exactly one of: a descriptor open for writing (the tar
     * stream; -1, the default, means none)... */
    int fd;
    /* ...or a directory, which must be missing or empty. */
    const char *output_dir;
    uint32_t flags;
    /* Optional. */
    snapshotter_progress_cb progress;
    void *progress_payload;
    snapshotter_cancel *cancel;
} snapshotter_export_request;
#define SNAPSHOTTER_EXPORT_REQUEST_INIT \
    { SNAPSHOTTER_EXPORT_REQUEST_VERSION, NULL, NULL, NULL, -1, NULL, 0, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_export_request_init(snapshotter_export_request *req,
                                                                 unsigned int version);

/*
 * Exports a snapshot. Every byte is verified against its digest as it is read
 * from the store (missing content is fetched from the content provider, as for
 * a restore). A failed or cancelled tar export has written part of a stream,
 * without its end-of-archive marker: discard it (an import refuses it). A
 * failed directory export has no snapshot.json. out_stats may be NULL; its
 * bytes_written is the size of the stream (compressed) or of the files.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_export(snapshotter_stats *out_stats, snapshotter *s,
                                                    const snapshotter_export_request *req, snapshotter_error **err);

/* Version 2 moved `name` and `snapshot_version` first, as in every request. */
#define SNAPSHOTTER_IMPORT_REQUEST_VERSION 2
typedef struct snapshotter_import_request {
    unsigned int version;
    /* Record the snapshot under this name and version instead of the
     * envelope's (both or neither). Required for a tar stream without
     * snapshot.json, e.g. one tar made from a directory: its entries are
     * imported as what they are, regular files as writable files, with the
     * modes, owners, mtimes and extended attributes of their headers. */
    const char *name;
    const char *snapshot_version;
    /* Where from, exactly one of: a descriptor open for reading (a tar
     * stream, gzip-compressed or not; -1, the default, means none)... */
    int fd;
    /* ...or an export directory. */
    const char *input_dir;
    /* Optional. The totals are known, and reported, only when snapshot.json
     * comes first (as in exports); otherwise they are 0. */
    snapshotter_progress_cb progress;
    void *progress_payload;
    snapshotter_cancel *cancel;
} snapshotter_import_request;
#define SNAPSHOTTER_IMPORT_REQUEST_INIT \
    { SNAPSHOTTER_IMPORT_REQUEST_VERSION, NULL, NULL, -1, NULL, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_import_request_init(snapshotter_import_request *req,
                                                                 unsigned int version);

/*
 * Imports a snapshot. The input is untrusted: every header and number is
 * checked, paths must stay inside the snapshot (no "..", nothing absolute, no
 * duplicates, nothing beneath a symlink or anything else but a directory; a
 * hard link only to an earlier regular file), and every file's content is
 * hashed into the store's temporary files; with snapshot.json, every entry
 * must match it (type, digest and size, link target, device numbers) and
 * every entry it lists must be there. An input without snapshot.json must
 * hold at least one entry (INVALID_ARGUMENT otherwise): an empty snapshot is
 * imported only from an export that says it is empty. A truncated, incomplete or damaged input is
 * CORRUPT, and nothing of it becomes visible: only a complete, verified import is committed, in one
 * transaction. A snapshot of that name and version that exists already is
 * ALREADY_EXISTS, unless it is identical (then the call succeeds). Imported
 * snapshots keep their original creation time. out_stats and out_snapshot
 * may be NULL; *out_snapshot describes the snapshot recorded, to be freed with
 * snapshotter_inspection_free().
 */
SNAPSHOTTER_API snapshotter_code snapshotter_import(snapshotter_stats *out_stats,
                                                    snapshotter_inspection **out_snapshot, snapshotter *s,
                                                    const snapshotter_import_request *req, snapshotter_error **err);

/* ------------------------------------------------ lifecycle (containerd) */

/*
 * containerd's snapshot lifecycle (its snapshots.Snapshotter) on this store:
 * an active snapshot is prepared from a committed parent (or from nothing),
 * mounted by the caller, changed, and committed under a name; a view is a
 * read-only active that cannot be committed. Keys and names are any
 * non-empty UTF-8 string (containerd's look like "k8s.io/3/extract-..." or
 * "sha256:..."): they are stored, never used as paths. Errors: NOT_FOUND
 * (an unknown key or parent), ALREADY_EXISTS (a key or name in use),
 * FAILED_PRECONDITION (a parent that is not committed, removing a snapshot
 * with children, mounts of a committed snapshot), INVALID_ARGUMENT (an empty
 * key, labels over 4 KiB, an immutable field path); a refused call changes
 * nothing. The directories live under root_dir/lifecycle (see
 * docs/containerd.md). Every call is safe from any number of threads,
 * handles and processes at once.
 */

/* snapshotter_lifecycle_info.kind, with containerd's values. */
#define SNAPSHOTTER_LIFECYCLE_VIEW 1u
#define SNAPSHOTTER_LIFECYCLE_ACTIVE 2u
#define SNAPSHOTTER_LIFECYCLE_COMMITTED 3u

/* One label. A label set to "" is not kept (as containerd does); a
 * snapshot's labels (names and values) take at most 4096 bytes. */
#define SNAPSHOTTER_LABEL_VERSION 1
typedef struct snapshotter_label {
    unsigned int version;
    const char *name;
    const char *value;
} snapshotter_label;
#define SNAPSHOTTER_LABEL_INIT { SNAPSHOTTER_LABEL_VERSION, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_label_init(snapshotter_label *label, unsigned int version);

/* One mount to make, as containerd's mount.Mount: mount(2) `source` with
 * filesystem `type` ("bind" or "overlay") and `options` (e.g. "ro",
 * "rbind", "lowerdir=..."). */
#define SNAPSHOTTER_MOUNT_VERSION 1
typedef struct snapshotter_mount {
    unsigned int version;
    const char *type;
    const char *source;
    const char *const *options;
    size_t option_count;
} snapshotter_mount;

typedef struct snapshotter_mount_list snapshotter_mount_list;
/* The number of mounts (to make in order); 0 for NULL. */
SNAPSHOTTER_API size_t snapshotter_mount_list_count(const snapshotter_mount_list *list);
/* The index-th mount, owned by list; NULL when index is out of range. */
SNAPSHOTTER_API const snapshotter_mount *snapshotter_mount_list_get(const snapshotter_mount_list *list, size_t index);
SNAPSHOTTER_API void snapshotter_mount_list_free(snapshotter_mount_list *list);

/* What stat, update and walk report of a lifecycle snapshot (containerd's
 * snapshots.Info). Times are nanoseconds since the Unix epoch. */
#define SNAPSHOTTER_LIFECYCLE_INFO_VERSION 1
typedef struct snapshotter_lifecycle_info {
    unsigned int version;
    uint32_t kind;
    const char *key;
    /* NULL: no parent. */
    const char *parent;
    /* Ordered by name. */
    const snapshotter_label *labels;
    size_t label_count;
    int64_t created_ns;
    int64_t updated_ns;
    /* A committed snapshot's files as a snapshot of the store (restored,
     * exported, published like any other); NULL for actives and views. */
    const char *snapshot_name;
    const char *snapshot_version;
} snapshotter_lifecycle_info;

typedef struct snapshotter_lifecycle_list snapshotter_lifecycle_list;
/* The number of snapshots; 0 for NULL. */
SNAPSHOTTER_API size_t snapshotter_lifecycle_list_count(const snapshotter_lifecycle_list *list);
/* The index-th snapshot, owned by list; NULL when index is out of range. */
SNAPSHOTTER_API const snapshotter_lifecycle_info *snapshotter_lifecycle_list_get(const snapshotter_lifecycle_list *list,
                                                                                  size_t index);
SNAPSHOTTER_API void snapshotter_lifecycle_list_free(snapshotter_lifecycle_list *list);

#define SNAPSHOTTER_LIFECYCLE_REQUEST_VERSION 1
typedef struct snapshotter_lifecycle_request {
    unsigned int version;
    /* Required: the new snapshot's key. */
    const char *key;
    /* The committed parent's name; NULL or "": none. */
    const char *parent;
    /* Optional: label_count labels (distinct names). */
    const snapshotter_label *labels;
    size_t label_count;
} snapshotter_lifecycle_request;
#define SNAPSHOTTER_LIFECYCLE_REQUEST_INIT { SNAPSHOTTER_LIFECYCLE_REQUEST_VERSION, NULL, NULL, NULL, 0 }
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_request_init(snapshotter_lifecycle_request *req,
                                                                    unsigned int version);

/*
 * Prepares an active snapshot: on success *out holds the mounts that give
 * its writable tree (a read-write bind mount of its own directory without a
 * parent, an overlay of the parent's layers with its own upper and work
 * directories otherwise), freed with snapshotter_mount_list_free(). Costs
 * the same whatever the parent holds: nothing is copied.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_prepare(snapshotter_mount_list **out, snapshotter *s,
                                                               const snapshotter_lifecycle_request *req,
                                                               snapshotter_error **err);
/* Makes a view: read-only mounts of the parent (a bind mount of its one
 * layer, or an overlay of its layers without an upper directory). */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_view(snapshotter_mount_list **out, snapshotter *s,
                                                            const snapshotter_lifecycle_request *req,
                                                            snapshotter_error **err);
/* The mounts of an active or a view, as prepare or view returned them. */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_mounts(snapshotter_mount_list **out, snapshotter *s,
                                                              const char *key, snapshotter_error **err);
/* One snapshot's information: *out is a list of one entry. */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_stat(snapshotter_lifecycle_list **out, snapshotter *s,
                                                            const char *key, snapshotter_error **err);

#define SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_VERSION 1
typedef struct snapshotter_lifecycle_update_request {
    unsigned int version;
    const char *key;
    const snapshotter_label *labels;
    size_t label_count;
    /* containerd's field paths: none sets the labels to `labels`; "labels"
     * does the same; "labels.NAME" sets NAME to its value in `labels`, or
     * removes it when absent there. Any other path is INVALID_ARGUMENT. */
    const char *const *field_paths;
    size_t field_path_count;
} snapshotter_lifecycle_update_request;
#define SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_INIT \
    { SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_VERSION, NULL, NULL, 0, NULL, 0 }
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_update_request_init(snapshotter_lifecycle_update_request *req,
                                                                           unsigned int version);
/* Changes a snapshot's labels; *out is a list of one entry: the snapshot as
 * updated. */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_update(snapshotter_lifecycle_list **out, snapshotter *s,
                                                              const snapshotter_lifecycle_update_request *req,
                                                              snapshotter_error **err);

#define SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_VERSION 1
typedef struct snapshotter_lifecycle_walk_request {
    unsigned int version;
    /* Only this kind (SNAPSHOTTER_LIFECYCLE_*); 0: any. */
    uint32_t kind;
    /* Only the children of this key; NULL: any. */
    const char *parent;
    /* Only snapshots with this label, set to label_value (NULL: to any
     * value); NULL: any. */
    const char *label_name;
    const char *label_value;
} snapshotter_lifecycle_walk_request;
#define SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_INIT { SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_VERSION, 0, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_walk_request_init(snapshotter_lifecycle_walk_request *req,
                                                                         unsigned int version);
/* The snapshots the request keeps (req NULL: all), ordered by key. */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_walk(snapshotter_lifecycle_list **out, snapshotter *s,
                                                            const snapshotter_lifecycle_walk_request *req,
                                                            snapshotter_error **err);

#define SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_VERSION 1
typedef struct snapshotter_lifecycle_commit_request {
    unsigned int version;
    /* Required: the committed snapshot's name (a key like any other). */
    const char *name;
    /* Required: the active to commit (unmounted by the caller). */
    const char *key;
    /* Optional: the committed snapshot's labels. */
    const snapshotter_label *labels;
    size_t label_count;
    /* Optional: the snapshot of the store its files are recorded as
     * (snapshot_name:snapshot_version, rules as for snapshots); NULL:
     * "lifecycle" and the snapshot's numeric id. */
    const char *snapshot_name;
    const char *snapshot_version;
    /* Optional; progress counts the changed files stored. */
    snapshotter_progress_cb progress;
    void *progress_payload;
    snapshotter_cancel *cancel;
} snapshotter_lifecycle_commit_request;
#define SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_INIT \
    { SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_VERSION, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL }
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_commit_request_init(snapshotter_lifecycle_commit_request *req,
                                                                           unsigned int version);
/*
 * Commits an active as a committed snapshot named `name`, whose parent is
 * the active's parent; the active is gone, and its directory is the layer
 * its children mount. Only what the active changed is read: its new and
 * changed regular files are stored (content already stored is not stored
 * again), overlayfs whiteouts and opaque directories remove the parent's
 * files, and the result (the parent's files as the active changed them) is
 * recorded as a snapshot of the store, a delta over the parent's, which
 * restores, exports and publishes like any other (with a registry
 * configured, it is published as it is committed). Directories, symlinks
 * and other special files stay in the layer, for mounts, but are not
 * recorded in that snapshot, which holds regular files. A view or a
 * committed snapshot is FAILED_PRECONDITION, a name in use ALREADY_EXISTS;
 * a refused or failed commit changes nothing. out_stats may be NULL: its
 * files are the changed files stored.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_commit(snapshotter_stats *out_stats, snapshotter *s,
                                                              const snapshotter_lifecycle_commit_request *req,
                                                              snapshotter_error **err);

/*
 * Removes a snapshot and its directory (the caller unmounts it first);
 * FAILED_PRECONDITION while other snapshots have it as their parent. A
 * committed one goes with the snapshot of the store its files were recorded
 * as, and with the content nothing else references; an active's changes are
 * freed with its directory.
 */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_remove(snapshotter *s, const char *key, snapshotter_error **err);

/* Filled by snapshotter_lifecycle_usage(). Set `version`
 * (SNAPSHOTTER_USAGE_INIT); fields appended later are written only when the
 * version set asks for them. */
#define SNAPSHOTTER_USAGE_VERSION 1
typedef struct snapshotter_usage {
    unsigned int version;
    /* Allocated bytes of the snapshot's own directory, each inode once. */
    int64_t bytes;
    int64_t inodes;
} snapshotter_usage;
#define SNAPSHOTTER_USAGE_INIT { SNAPSHOTTER_USAGE_VERSION, 0, 0 }
/* The disk a snapshot's own directory takes (containerd's Usage): an
 * active's changes, a committed snapshot's layer, nothing for a view. */
SNAPSHOTTER_API snapshotter_code snapshotter_lifecycle_usage(snapshotter_usage *out, snapshotter *s, const char *key,
                                                             snapshotter_error **err);

#ifdef __cplusplus
}
#endif

#endif /* SNAPSHOTTER_H */
