/* The header as an artifact: its macros agree with the library's functions, and the small functions
 * that take no handle behave as documented, NULL included. */
#include "check.h"

#define FILLER 0xA5

/* Zero-filled storage whose padding is zero too (static storage), for byte-wise comparisons. */
static const snapshotter_options options_macro = SNAPSHOTTER_OPTIONS_INIT;
static const snapshotter_snapshot_request snapshot_macro = SNAPSHOTTER_SNAPSHOT_REQUEST_INIT;
static const snapshotter_restore_request restore_macro = SNAPSHOTTER_RESTORE_REQUEST_INIT;
static const snapshotter_stats stats_macro = SNAPSHOTTER_STATS_INIT;
static const snapshotter_content_options content_macro = SNAPSHOTTER_CONTENT_OPTIONS_INIT;
static const snapshotter_gc_options gc_macro = SNAPSHOTTER_GC_OPTIONS_INIT;
static const snapshotter_gc_request gc_request_macro = SNAPSHOTTER_GC_REQUEST_INIT;
static const snapshotter_verify_request verify_request_macro = SNAPSHOTTER_VERIFY_REQUEST_INIT;
static const snapshotter_registry_options registry_macro = SNAPSHOTTER_REGISTRY_OPTIONS_INIT;

static int all_bytes_are(const void *p, size_t n, unsigned char value)
{
    for (size_t i = 0; i < n; i++) {
        if (((const unsigned char *)p)[i] != value) {
            return 0;
        }
    }
    return 1;
}

static void init_functions_match_macros(void)
{
    snapshotter_options options;
    snapshotter_snapshot_request snapshot;
    snapshotter_restore_request restore;
    memset(&options, 0, sizeof options);
    memset(&snapshot, 0, sizeof snapshot);
    memset(&restore, 0, sizeof restore);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_options_init(&options, SNAPSHOTTER_OPTIONS_VERSION));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_snapshot_request_init(&snapshot, SNAPSHOTTER_SNAPSHOT_REQUEST_VERSION));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_restore_request_init(&restore, SNAPSHOTTER_RESTORE_REQUEST_VERSION));
    CHECK(memcmp(&options, &options_macro, sizeof options) == 0, "snapshotter_options_init differs from the macro");
    CHECK(memcmp(&snapshot, &snapshot_macro, sizeof snapshot) == 0,
          "snapshotter_snapshot_request_init differs from the macro");
    CHECK(memcmp(&restore, &restore_macro, sizeof restore) == 0,
          "snapshotter_restore_request_init differs from the macro");
    CHECK(options.version == SNAPSHOTTER_OPTIONS_VERSION && options.root_dir == NULL && options.concurrency == 0,
          "options_init fields");
    CHECK(stats_macro.version == SNAPSHOTTER_STATS_VERSION && stats_macro.files == 0 && stats_macro.elapsed_ns == 0,
          "SNAPSHOTTER_STATS_INIT fields");
    /* Static: their padding is zero, as the init functions leave it. */
    static const snapshotter_lifecycle_request lifecycle_macro = SNAPSHOTTER_LIFECYCLE_REQUEST_INIT;
    static const snapshotter_lifecycle_update_request update_macro = SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_INIT;
    static const snapshotter_lifecycle_walk_request walk_macro = SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_INIT;
    static const snapshotter_label label_macro = SNAPSHOTTER_LABEL_INIT;
    static const snapshotter_lifecycle_commit_request commit_macro = SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_INIT;
    snapshotter_lifecycle_commit_request commit;
    snapshotter_lifecycle_request lifecycle;
    snapshotter_lifecycle_update_request update;
    snapshotter_lifecycle_walk_request walk;
    snapshotter_label label;
    memset(&lifecycle, 0xff, sizeof lifecycle);
    memset(&update, 0xff, sizeof update);
    memset(&walk, 0xff, sizeof walk);
    memset(&label, 0xff, sizeof label);
    memset(&commit, 0xff, sizeof commit);
    CHECK_CODE(SNAPSHOTTER_OK,
               snapshotter_lifecycle_commit_request_init(&commit, SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_VERSION));
    CHECK(memcmp(&commit, &commit_macro, sizeof commit) == 0, "snapshotter_lifecycle_commit_request_init differs from the macro");
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_request_init(&lifecycle, SNAPSHOTTER_LIFECYCLE_REQUEST_VERSION));
    CHECK_CODE(SNAPSHOTTER_OK,
               snapshotter_lifecycle_update_request_init(&update, SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_VERSION));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_walk_request_init(&walk, SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_VERSION));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_label_init(&label, SNAPSHOTTER_LABEL_VERSION));
    CHECK(memcmp(&lifecycle, &lifecycle_macro, sizeof lifecycle) == 0, "snapshotter_lifecycle_request_init differs from the macro");
    CHECK(memcmp(&update, &update_macro, sizeof update) == 0, "snapshotter_lifecycle_update_request_init differs from the macro");
    CHECK(memcmp(&walk, &walk_macro, sizeof walk) == 0, "snapshotter_lifecycle_walk_request_init differs from the macro");
    CHECK(memcmp(&label, &label_macro, sizeof label) == 0, "snapshotter_label_init differs from the macro");
    CHECK(snapshotter_lifecycle_request_init(&lifecycle, 99) == SNAPSHOTTER_ERROR_UNSUPPORTED, "lifecycle version 99");
    snapshotter_content_options content;
    memset(&content, 0, sizeof content);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_content_options_init(&content, SNAPSHOTTER_CONTENT_OPTIONS_VERSION));
    CHECK(memcmp(&content, &content_macro, sizeof content) == 0, "snapshotter_content_options_init differs from the macro");
    CHECK(snapshotter_content_options_init(&content, 0) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "content version 0");
    CHECK(snapshotter_content_options_init(&content, 99) == SNAPSHOTTER_ERROR_UNSUPPORTED, "content version 99");
    snapshotter_registry_options registry;
    memset(&registry, 0, sizeof registry);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_registry_options_init(&registry, SNAPSHOTTER_REGISTRY_OPTIONS_VERSION));
    CHECK(memcmp(&registry, &registry_macro, sizeof registry) == 0, "snapshotter_registry_options_init differs from the macro");
    CHECK(registry.url == NULL && registry.insecure_skip_verify == 0 && registry.max_attempts == 0, "registry_options_init fields");
    memset(&registry, FILLER, sizeof registry);
    CHECK(snapshotter_registry_options_init(&registry, 0) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "registry version 0");
    CHECK(snapshotter_registry_options_init(&registry, 99) == SNAPSHOTTER_ERROR_UNSUPPORTED, "registry version 99");
    CHECK(snapshotter_registry_options_init(NULL, 1) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "registry NULL");
    CHECK(all_bytes_are(&registry, sizeof registry, FILLER), "a failed registry_options_init wrote to the struct");
    CHECK(options_macro.registry == NULL, "SNAPSHOTTER_OPTIONS_INIT leaves registry NULL");
    CHECK(options_macro.gc == NULL, "SNAPSHOTTER_OPTIONS_INIT leaves gc NULL");
}

/* The gc options follow the rule of every struct: all zero is all defaults. */
static void gc_and_verify_inits_match_macros(void)
{
    snapshotter_gc_options gc;
    snapshotter_gc_request gc_request;
    snapshotter_verify_request verify_request;
    memset(&gc, 0, sizeof gc);
    memset(&gc_request, FILLER, sizeof gc_request);
    memset(&verify_request, FILLER, sizeof verify_request);
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc_options_init(&gc, SNAPSHOTTER_GC_OPTIONS_VERSION));
    CHECK(memcmp(&gc, &gc_macro, sizeof gc) == 0, "snapshotter_gc_options_init differs from the macro");
    CHECK(gc.version == SNAPSHOTTER_GC_OPTIONS_VERSION && all_bytes_are((const char *)&gc + sizeof gc.version,
                                                                         sizeof gc - sizeof gc.version, 0),
          "snapshotter_gc_options_init sets every field but the version to 0 (the defaults)");
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_gc_request_init(&gc_request, SNAPSHOTTER_GC_REQUEST_VERSION));
    CHECK(gc_request.version == gc_request_macro.version && gc_request.flags == 0 && gc_request.cancel == NULL,
          "snapshotter_gc_request_init differs from the macro");
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_verify_request_init(&verify_request, SNAPSHOTTER_VERIFY_REQUEST_VERSION));
    CHECK(verify_request.version == verify_request_macro.version && verify_request.flags == 0 &&
              verify_request.progress == NULL && verify_request.progress_payload == NULL && verify_request.cancel == NULL,
          "snapshotter_verify_request_init differs from the macro");
    CHECK(snapshotter_gc_options_init(&gc, 0) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc version 0");
    CHECK(snapshotter_gc_options_init(&gc, 99) == SNAPSHOTTER_ERROR_UNSUPPORTED, "gc version 99");
    CHECK(snapshotter_gc_request_init(NULL, 1) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "gc request NULL");
    CHECK(snapshotter_verify_request_init(&verify_request, 99) == SNAPSHOTTER_ERROR_UNSUPPORTED, "verify version 99");
}

/* INIT_MATCHES(type, MACRO, init_fn, VERSION): init_fn fills the struct exactly as MACRO does (padding
 * included: the macro's copy has static storage), and refuses version 0, a version from the future and
 * NULL without touching the struct. */
#define INIT_MATCHES(type, macro, init_fn, current)                                                     \
    do {                                                                                                \
        static const type expected_ = macro;                                                            \
        type got_;                                                                                      \
        memset(&got_, 0, sizeof got_);                                                                  \
        CHECK_CODE(SNAPSHOTTER_OK, init_fn(&got_, (current)));                                          \
        CHECK(memcmp(&got_, &expected_, sizeof got_) == 0, #init_fn " differs from " #macro);          \
        CHECK(got_.version == (current), #macro ".version");                                            \
        memset(&got_, FILLER, sizeof got_);                                                             \
        CHECK(init_fn(&got_, 0) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, #init_fn " version 0");          \
        CHECK(init_fn(&got_, (current) + 1) == SNAPSHOTTER_ERROR_UNSUPPORTED, #init_fn " next version");\
        CHECK(init_fn(NULL, (current)) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, #init_fn " NULL");        \
        CHECK(all_bytes_are(&got_, sizeof got_, FILLER), "a failed " #init_fn " wrote to the struct"); \
    } while (0)

static void request_init_functions_match_macros(void)
{
    INIT_MATCHES(snapshotter_list_request, SNAPSHOTTER_LIST_REQUEST_INIT, snapshotter_list_request_init,
                 SNAPSHOTTER_LIST_REQUEST_VERSION);
    INIT_MATCHES(snapshotter_inspect_request, SNAPSHOTTER_INSPECT_REQUEST_INIT, snapshotter_inspect_request_init,
                 SNAPSHOTTER_INSPECT_REQUEST_VERSION);
    INIT_MATCHES(snapshotter_delete_request, SNAPSHOTTER_DELETE_REQUEST_INIT, snapshotter_delete_request_init,
                 SNAPSHOTTER_DELETE_REQUEST_VERSION);
    INIT_MATCHES(snapshotter_diff_request, SNAPSHOTTER_DIFF_REQUEST_INIT, snapshotter_diff_request_init,
                 SNAPSHOTTER_DIFF_REQUEST_VERSION);
    INIT_MATCHES(snapshotter_export_request, SNAPSHOTTER_EXPORT_REQUEST_INIT, snapshotter_export_request_init,
                 SNAPSHOTTER_EXPORT_REQUEST_VERSION);
    INIT_MATCHES(snapshotter_import_request, SNAPSHOTTER_IMPORT_REQUEST_INIT, snapshotter_import_request_init,
                 SNAPSHOTTER_IMPORT_REQUEST_VERSION);
    INIT_MATCHES(snapshotter_file, SNAPSHOTTER_FILE_INIT, snapshotter_file_init, SNAPSHOTTER_FILE_VERSION);
    static const snapshotter_export_request export_macro = SNAPSHOTTER_EXPORT_REQUEST_INIT;
    static const snapshotter_import_request import_macro = SNAPSHOTTER_IMPORT_REQUEST_INIT;
    CHECK(export_macro.fd == -1 && import_macro.fd == -1, "the *_INIT macros give no descriptor (-1), not stdin");
    static const snapshotter_delete_stats delete_stats = SNAPSHOTTER_DELETE_STATS_INIT;
    CHECK(delete_stats.version == SNAPSHOTTER_DELETE_STATS_VERSION && delete_stats.files == 0 &&
              delete_stats.bytes_freed == 0,
          "SNAPSHOTTER_DELETE_STATS_INIT fields");
    CHECK(restore_macro.ref == NULL && restore_macro.only == NULL && restore_macro.only_count == 0,
          "SNAPSHOTTER_RESTORE_REQUEST_INIT leaves ref and only empty");
    CHECK(stats_macro.files_removed == 0, "SNAPSHOTTER_STATS_INIT files_removed");
    CHECK(snapshot_macro.flags == 0, "SNAPSHOTTER_SNAPSHOT_REQUEST_INIT flags");
}

/* Init functions are fallible calls too: bad versions and NULL are refused and the struct is untouched. */
static void init_functions_refuse_bad_versions(void)
{
    snapshotter_options options;
    snapshotter_snapshot_request snapshot;
    snapshotter_restore_request restore;
    memset(&options, FILLER, sizeof options);
    memset(&snapshot, FILLER, sizeof snapshot);
    memset(&restore, FILLER, sizeof restore);
    CHECK(snapshotter_options_init(&options, 0) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "options version 0");
    CHECK(snapshotter_options_init(&options, 99) == SNAPSHOTTER_ERROR_UNSUPPORTED, "options version 99");
    CHECK(snapshotter_options_init(NULL, SNAPSHOTTER_OPTIONS_VERSION) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT,
          "options NULL");
    CHECK(snapshotter_snapshot_request_init(&snapshot, 0) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshot version 0");
    CHECK(snapshotter_snapshot_request_init(&snapshot, 99) == SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshot version 99");
    CHECK(snapshotter_snapshot_request_init(NULL, 1) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "snapshot NULL");
    CHECK(snapshotter_restore_request_init(&restore, 0) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "restore version 0");
    CHECK(snapshotter_restore_request_init(&restore, 99) == SNAPSHOTTER_ERROR_UNSUPPORTED, "restore version 99");
    CHECK(snapshotter_restore_request_init(NULL, 1) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "restore NULL");
    CHECK(all_bytes_are(&options, sizeof options, FILLER), "a failed options_init wrote to the struct");
    CHECK(all_bytes_are(&snapshot, sizeof snapshot, FILLER), "a failed snapshot_request_init wrote to the struct");
    CHECK(all_bytes_are(&restore, sizeof restore, FILLER), "a failed restore_request_init wrote to the struct");
}

/* Version 1 of these requests had another field order: the library refuses it rather than misread it. */
static void init_functions_refuse_reordered_versions(void)
{
    snapshotter_snapshot_request snapshot;
    snapshotter_restore_request restore;
    snapshotter_import_request import;
    CHECK(SNAPSHOTTER_SNAPSHOT_REQUEST_VERSION == 2 && SNAPSHOTTER_RESTORE_REQUEST_VERSION == 2 &&
              SNAPSHOTTER_IMPORT_REQUEST_VERSION == 2,
          "the reordered requests are at version 2");
    CHECK(snapshotter_snapshot_request_init(&snapshot, 1) == SNAPSHOTTER_ERROR_UNSUPPORTED, "snapshot version 1");
    CHECK(snapshotter_restore_request_init(&restore, 1) == SNAPSHOTTER_ERROR_UNSUPPORTED, "restore version 1");
    CHECK(snapshotter_import_request_init(&import, 1) == SNAPSHOTTER_ERROR_UNSUPPORTED, "import version 1");
}

static void version_macros_match_library(void)
{
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", SNAPSHOTTER_VERSION_MAJOR, SNAPSHOTTER_VERSION_MINOR,
             SNAPSHOTTER_VERSION_PATCH);
    CHECK(strcmp(expected, SNAPSHOTTER_VERSION_STRING) == 0, "VERSION_STRING %s vs MAJOR.MINOR.PATCH %s",
          SNAPSHOTTER_VERSION_STRING, expected);
    CHECK(SNAPSHOTTER_VERSION_NUMBER ==
              SNAPSHOTTER_VERSION_MAJOR * 1000000 + SNAPSHOTTER_VERSION_MINOR * 1000 + SNAPSHOTTER_VERSION_PATCH,
          "VERSION_NUMBER %d", SNAPSHOTTER_VERSION_NUMBER);
    CHECK(snapshotter_version_number() == SNAPSHOTTER_VERSION_NUMBER, "library %u, header %d",
          snapshotter_version_number(), SNAPSHOTTER_VERSION_NUMBER);
    CHECK(snapshotter_version() != NULL && strcmp(snapshotter_version(), SNAPSHOTTER_VERSION_STRING) == 0,
          "library \"%s\", header \"%s\"", snapshotter_version(), SNAPSHOTTER_VERSION_STRING);
    CHECK(snapshotter_version() == snapshotter_version(), "snapshotter_version() is not one static string");
}

static void every_code_has_its_name(void)
{
    static const struct {
        snapshotter_code code;
        const char *name;
    } codes[] = {
        { SNAPSHOTTER_OK, "OK" },
        { SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "INVALID_ARGUMENT" },
        { SNAPSHOTTER_ERROR_NOT_FOUND, "NOT_FOUND" },
        { SNAPSHOTTER_ERROR_ALREADY_EXISTS, "ALREADY_EXISTS" },
        { SNAPSHOTTER_ERROR_CANCELLED, "CANCELLED" },
        { SNAPSHOTTER_ERROR_IO, "IO" },
        { SNAPSHOTTER_ERROR_CORRUPT, "CORRUPT" },
        { SNAPSHOTTER_ERROR_PERMISSION_DENIED, "PERMISSION_DENIED" },
        { SNAPSHOTTER_ERROR_NO_SPACE, "NO_SPACE" },
        { SNAPSHOTTER_ERROR_UNSUPPORTED, "UNSUPPORTED" },
        { SNAPSHOTTER_ERROR_CLOSED, "CLOSED" },
        { SNAPSHOTTER_ERROR_UNAUTHENTICATED, "UNAUTHENTICATED" },
        { SNAPSHOTTER_ERROR_UNAVAILABLE, "UNAVAILABLE" },
        { SNAPSHOTTER_ERROR_TIMEOUT, "TIMEOUT" },
        { SNAPSHOTTER_ERROR_FAILED_PRECONDITION, "FAILED_PRECONDITION" },
        { SNAPSHOTTER_ERROR_INTERNAL, "INTERNAL" },
    };
    static const int unknown[] = { -1, 15, 16, 50, 99, 101, 1000, 0x7fffffff };
    for (size_t i = 0; i < CHECK_COUNT(codes); i++) {
        const char *name = snapshotter_code_name(codes[i].code);
        CHECK(name != NULL && strcmp(name, codes[i].name) == 0, "code %d is named \"%s\", expected \"%s\"",
              (int)codes[i].code, name ? name : "(null)", codes[i].name);
    }
    for (size_t i = 0; i < CHECK_COUNT(unknown); i++) {
        const char *name = snapshotter_code_name((snapshotter_code)unknown[i]);
        CHECK(name != NULL && strcmp(name, "UNKNOWN") == 0, "code %d is named \"%s\"", unknown[i],
              name ? name : "(null)");
    }
}

static void null_is_accepted_where_documented(void)
{
    CHECK(snapshotter_error_code(NULL) == SNAPSHOTTER_OK, "error_code(NULL)");
    CHECK(snapshotter_error_message(NULL) != NULL && snapshotter_error_message(NULL)[0] == '\0',
          "error_message(NULL) must be \"\"");
    snapshotter_error_free(NULL);
    snapshotter_cancel_trigger(NULL);
    CHECK(snapshotter_cancel_is_triggered(NULL) == 0, "cancel_is_triggered(NULL)");
    snapshotter_cancel_free(NULL);
    snapshotter_close(NULL);
    CHECK(snapshotter_snapshot_list_count(NULL) == 0 && snapshotter_snapshot_list_get(NULL, 0) == NULL,
          "snapshot list accessors on NULL");
    snapshotter_snapshot_list_free(NULL);
    CHECK(snapshotter_inspection_snapshot(NULL) == NULL && snapshotter_inspection_file_count(NULL) == 0 &&
              snapshotter_inspection_file_get(NULL, 0) == NULL,
          "inspection accessors on NULL");
    snapshotter_inspection_free(NULL);
    CHECK(snapshotter_diff_list_count(NULL) == 0 && snapshotter_diff_list_get(NULL, 0) == NULL,
          "diff list accessors on NULL");
    snapshotter_diff_list_free(NULL);
    CHECK(snapshotter_gc_report_summary(NULL) == NULL && snapshotter_gc_report_evicted_count(NULL) == 0 &&
              snapshotter_gc_report_evicted_get(NULL, 0) == NULL,
          "gc report accessors on NULL");
    snapshotter_gc_report_free(NULL);
    CHECK(snapshotter_verify_report_summary(NULL) == NULL && snapshotter_verify_report_problem_count(NULL) == 0 &&
              snapshotter_verify_report_problem_get(NULL, 0) == NULL,
          "verify report accessors on NULL");
    snapshotter_verify_report_free(NULL);
}

static void cancel_token_lifecycle(void)
{
    snapshotter_cancel *cancel = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_cancel_new(&cancel, CHECK_ERR));
    CHECK(cancel != NULL, "cancel_new returned OK without a token");
    CHECK(snapshotter_cancel_is_triggered(cancel) == 0, "a new token is not triggered");
    snapshotter_cancel_trigger(cancel);
    CHECK(snapshotter_cancel_is_triggered(cancel) == 1, "triggered token");
    snapshotter_cancel_trigger(cancel);
    CHECK(snapshotter_cancel_is_triggered(cancel) == 1, "trigger is idempotent");
    snapshotter_cancel_free(cancel);
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "out", snapshotter_cancel_new(NULL, CHECK_ERR));
    CHECK(snapshotter_cancel_new(NULL, NULL) == SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "cancel_new(NULL, NULL)");
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(init_functions_match_macros),
        CHECK_TEST(request_init_functions_match_macros),
        CHECK_TEST(gc_and_verify_inits_match_macros),
        CHECK_TEST(init_functions_refuse_bad_versions),
        CHECK_TEST(init_functions_refuse_reordered_versions),
        CHECK_TEST(version_macros_match_library),
        CHECK_TEST(every_code_has_its_name),
        CHECK_TEST(null_is_accepted_where_documented),
        CHECK_TEST(cancel_token_lifecycle),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
