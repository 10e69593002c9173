/* The library as a plugin: dlopen, resolve, use, dlclose, and again. The .NET runtime inside cannot be
 * unloaded, so the library is linked with NODELETE: dlclose must leave it mapped and usable. */
#include "fixture.h"

#include <dlfcn.h>

struct api {
    const char *(*version)(void);
    snapshotter_code (*open)(snapshotter **, const snapshotter_options *, snapshotter_error **);
    snapshotter_code (*snapshot)(snapshotter_stats *, snapshotter *, const snapshotter_snapshot_request *,
                                 snapshotter_error **);
    snapshotter_code (*restore)(snapshotter_stats *, snapshotter *, const snapshotter_restore_request *,
                                snapshotter_error **);
    void (*close)(snapshotter *);
};

static void *resolve(void *lib, const char *name)
{
    void *symbol = dlsym(lib, name);
    CHECK(symbol != NULL, "dlsym %s: %s", name, dlerror());
    return symbol;
}

/* POSIX dlsym returns void *; converting it to a function pointer goes through memcpy to stay ISO C. */
#define RESOLVE(lib, field, name)                                \
    do {                                                         \
        void *symbol_ = resolve((lib), (name));                  \
        memcpy(&(field), &symbol_, sizeof(field));               \
    } while (0)

static struct api load(void *lib)
{
    struct api api;
    RESOLVE(lib, api.version, "snapshotter_version");
    RESOLVE(lib, api.open, "snapshotter_open");
    RESOLVE(lib, api.snapshot, "snapshotter_snapshot");
    RESOLVE(lib, api.restore, "snapshotter_restore");
    RESOLVE(lib, api.close, "snapshotter_close");
    return api;
}

/* One real snapshot and restore through the resolved functions (no CHECK_CODE here: it would link the
 * library into the test binary). */
static void use(const struct api *api, const char *dir, const char *version)
{
    snapshotter_options opts = SNAPSHOTTER_OPTIONS_INIT;
    snapshotter *s = NULL;
    snapshotter_file file = FX_FILE("a.txt", 0);
    opts.root_dir = KEEP_PATH("%s/root", dir);
    CHECK(strcmp(api->version(), SNAPSHOTTER_VERSION_STRING) == 0, "version %s", api->version());
    CHECK(api->open(&s, &opts, NULL) == SNAPSHOTTER_OK, "open");
    snapshotter_snapshot_request req = fx_snapshot_request("plugin", version, PATH("%s/src", dir), &file, 1);
    CHECK(api->snapshot(NULL, s, &req, NULL) == SNAPSHOTTER_OK, "snapshot");
    snapshotter_restore_request restore = fx_restore_request("plugin", version, PATH("%s/out-%s", dir, version), 0);
    CHECK(api->restore(NULL, s, &restore, NULL) == SNAPSHOTTER_OK, "restore");
    api->close(s);
    fx_check_restored(PATH("%s/src/a.txt", dir), PATH("%s/out-%s/a.txt", dir, version));
}

static void dlopen_use_dlclose_dlopen_again(void)
{
    const char *build = getenv("SNAPSHOTTER_TEST_BUILD_DIR");
    CHECK(build != NULL, "run through tests/c/run.sh (SNAPSHOTTER_TEST_BUILD_DIR is not set)");
    const char *dir = fx_tempdir("dlopen");
    fx_write_text(PATH("%s/src/a.txt", dir), "plugin data\n", 0644);
    struct fx_path path = fx_pathf("%s/lib/libsnapshotter.so.0", build);

    CHECK(dlopen(path.s, RTLD_NOW | RTLD_NOLOAD) == NULL, "the library is loaded before dlopen: link it --as-needed");
    void *lib = dlopen(path.s, RTLD_NOW | RTLD_LOCAL);
    CHECK(lib != NULL, "dlopen %s: %s", path.s, dlerror());
    struct api first = load(lib);
    use(&first, dir, "v1");
    CHECK(dlclose(lib) == 0, "dlclose: %s", dlerror());

    void *still = dlopen(path.s, RTLD_NOW | RTLD_NOLOAD);
    CHECK(still != NULL, "the library was unloaded by dlclose (NODELETE missing)");
    dlclose(still);
    /* Still mapped: the functions resolved before dlclose keep working. */
    use(&first, dir, "v2");

    lib = dlopen(path.s, RTLD_NOW | RTLD_LOCAL);
    CHECK(lib != NULL, "dlopen again: %s", dlerror());
    struct api second = load(lib);
    CHECK(second.open == first.open, "the second dlopen mapped another copy of the library");
    use(&second, dir, "v3");
    CHECK(dlclose(lib) == 0, "dlclose: %s", dlerror());

    /* Embedded mode needs no TLS: OpenSSL (which .NET loads at run time, costing every process
     * milliseconds) must not have been loaded by any of the above. */
    CHECK(dlopen("libssl.so.3", RTLD_NOW | RTLD_NOLOAD) == NULL, "embedded use loaded libssl");
    CHECK(dlopen("libcrypto.so.3", RTLD_NOW | RTLD_NOLOAD) == NULL, "embedded use loaded libcrypto");
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = { CHECK_TEST(dlopen_use_dlclose_dlopen_again) };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
