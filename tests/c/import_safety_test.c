/* Import through the ABI of archives crafted to write outside the snapshot (hostile_tar.py): a member
 * beneath a symlink member, '..', absolute paths, hard links to paths outside the archive, to nothing or to
 * later members. Each is refused by name (CORRUPT) and leaves no snapshot and no temporary file; what is
 * harmless by construction (links pointing anywhere) imports, and its restore writes nothing outside the
 * output dir and recreates the links as links. */
#include "fixture.h"

static void close_handle(void *s)
{
    snapshotter_close(s);
}

static void close_fd(void *fd)
{
    close((int)(intptr_t)fd);
}

static void close_file(void *f)
{
    fclose(f);
}

static void free_list(void *list)
{
    snapshotter_snapshot_list_free(list);
}

/* hostile_tar.py lies beside this file, which run.sh compiles by its absolute path. */
static const char *script_path(void)
{
    const char *slash = strrchr(__FILE__, '/');
    return KEEP_PATH("%.*s/hostile_tar.py", slash == NULL ? 1 : (int)(slash - __FILE__), slash == NULL ? "." : __FILE__);
}

static void check_links_restored(const char *out, const char *outside)
{
    char target[PATH_MAX];
    ssize_t n = readlink(PATH("%s/absolute", out), target, sizeof target - 1);
    CHECK(n > 0, "'absolute' is not a symlink: %s", strerror(errno));
    target[n] = '\0';
    CHECK(strcmp(target, PATH("%s/planted", outside)) == 0, "'absolute' points at '%s'", target);
    n = readlink(PATH("%s/root", out), target, sizeof target - 1);
    CHECK(n == 1 && target[0] == '/', "'root' is not the symlink to /");
    struct stat file = fx_stat(PATH("%s/dir/file", out)), same = fx_stat(PATH("%s/dir/same", out));
    CHECK(file.st_ino == same.st_ino && file.st_nlink == 2, "the hard link 'dir/same' is not the inode of 'dir/file'");
}

static void every_crafted_archive_is_refused_or_harmless(void)
{
    const char *dir = fx_tempdir("import-safety");
    const char *outside = KEEP_PATH("%s/outside", dir), *archives = KEEP_PATH("%s/archives", dir);
    fx_mkdirs(outside);
    fx_mkdirs(archives);
    CHECK(fx_system("python3 '%s' '%s' '%s' > '%s/cases'", script_path(), archives, outside, dir) == 0, "hostile_tar.py");
    FILE *cases = fopen(PATH("%s/cases", dir), "r");
    CHECK(cases != NULL, "cases: %s", strerror(errno));
    check_defer(close_file, cases);

    char line[1024];
    int refused = 0, harmless = 0;
    while (fgets(line, sizeof line, cases) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        const char *name = strtok(line, " "), *code = strtok(NULL, " "), *needle = strtok(NULL, "");
        CHECK(name != NULL && code != NULL, "malformed case line");
        const char *root = KEEP_PATH("%s/root-%s", dir, name);
        snapshotter *s = fx_open(root, 0);
        check_defer(close_handle, s);
        int fd = open(PATH("%s/%s.tar", archives, name), O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0, "open %s.tar: %s", name, strerror(errno));
        check_defer(close_fd, (void *)(intptr_t)fd);
        snapshotter_import_request req = SNAPSHOTTER_IMPORT_REQUEST_INIT;
        req.fd = fd, req.name = name, req.snapshot_version = "v1";

        if (strcmp(code, "OK") == 0) {
            CHECK_CODE(SNAPSHOTTER_OK, snapshotter_import(NULL, NULL, s, &req, CHECK_ERR));
            const char *out = KEEP_PATH("%s/out-%s", dir, name);
            fx_restore(s, name, "v1", out, 0);
            check_links_restored(out, outside);
            harmless++;
            continue;
        }

        CHECK(needle != NULL, "case %s has no message to expect", name);
        CHECK_FAILS(SNAPSHOTTER_ERROR_CORRUPT, needle, snapshotter_import(NULL, NULL, s, &req, CHECK_ERR));
        snapshotter_snapshot_list *list = NULL;
        CHECK_CODE(SNAPSHOTTER_OK, snapshotter_list(&list, s, NULL, CHECK_ERR));
        check_defer(free_list, list);
        CHECK(snapshotter_snapshot_list_count(list) == 0, "%s: a refused import stored a snapshot", name);
        CHECK(fx_count_temp_files(root) == 0, "%s: a refused import left temporary files", name);
        refused++;
    }

    CHECK(fx_count_entries(outside) == 0, "something was written outside the snapshot");
    CHECK(refused >= 13 && harmless >= 1, "only %d refused and %d harmless archives", refused, harmless);
    printf("--- summary ---\ncrafted archives: %d refused by name, %d harmless restored inside the output dir\n", refused, harmless);
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(every_crafted_archive_is_refused_or_harmless),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
