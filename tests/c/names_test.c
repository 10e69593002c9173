/* File names are bytes at the ABI: a name that is not UTF-8 is snapshotted, restored and returned by inspect exactly
 * as the kernel has it. */
#include "fixture.h"

static void free_inspection(void *inspection)
{
    snapshotter_inspection_free(inspection);
}

static void latin1_names_round_trip_byte_for_byte(void)
{
    const char *dir = fx_tempdir("names");
    const char *src = KEEP_PATH("%s/src", dir), *out = KEEP_PATH("%s/out", dir);
    /* "café.txt" in Latin-1 (0xE9), beneath a directory whose name ends in 0xFF. */
    const char *name = "d\xff/caf\xe9.txt";
    fx_write_text(PATH("%s/%s", src, name), "latin-1\n", 0640);
    snapshotter *s = fx_open(KEEP_PATH("%s/root", dir), 2);
    const snapshotter_file files[] = { FX_FILE(name, 0) };

    fx_snapshot(s, "names", "v1", src, files, 1);
    fx_restore(s, "names", "v1", out, 0);

    fx_check_restored(PATH("%s/%s", src, name), PATH("%s/%s", out, name));
    snapshotter_inspect_request req = SNAPSHOTTER_INSPECT_REQUEST_INIT;
    snapshotter_inspection *inspection = NULL;
    req.ref = "names:v1";
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_inspect(&inspection, s, &req, CHECK_ERR));
    check_defer(free_inspection, inspection);
    CHECK(snapshotter_inspection_file_count(inspection) == 1, "%zu files", snapshotter_inspection_file_count(inspection));
    const char *got = snapshotter_inspection_file_get(inspection, 0)->relative_path;
    CHECK(strcmp(got, name) == 0, "inspect gives '%s', not the bytes snapshotted", got);
    snapshotter_close(s);
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(latin1_names_round_trip_byte_for_byte),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
