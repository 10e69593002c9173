/* containerd's snapshot lifecycle through the C ABI, with real mounts (as root): the design notes'
 * scenario (P0 -> a -> P1; P0 -> b -> P2 has parent P0), stat, walk, update, usage, remove, and the
 * codes of what is refused. */
#define _GNU_SOURCE
#include "check.h"
#include "fixture.h"

#include <string.h>
#include <sys/mount.h>

static void close_handle(void *s)
{
    snapshotter_close(s);
}

static void unmount(void *target)
{
    umount2(target, MNT_DETACH);
}

/* Makes every mount of `mounts` at `target` with mount(2), as containerd's mount.All does. */
static void mount_all(const snapshotter_mount_list *mounts, const char *target)
{
    fx_mkdirs(target);
    for (size_t i = 0; i < snapshotter_mount_list_count(mounts); i++) {
        const snapshotter_mount *m = snapshotter_mount_list_get(mounts, i);
        char data[4096] = "";
        int bind = strcmp(m->type, "bind") == 0, read_only = 0;
        for (size_t j = 0; j < m->option_count; j++) {
            if (strcmp(m->options[j], "ro") == 0) {
                read_only = 1;
            } else if (strcmp(m->options[j], "rw") == 0 || strcmp(m->options[j], "rbind") == 0) {
                continue;
            } else {
                if (data[0] != '\0') {
                    strcat(data, ",");
                }
                strcat(data, m->options[j]);
            }
        }
        if (bind) {
            CHECK(mount(m->source, target, NULL, MS_BIND | MS_REC, NULL) == 0, "bind mount of %s: %s", m->source,
                  strerror(errno));
            if (read_only) {
                CHECK(mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0, "read-only remount: %s",
                      strerror(errno));
            }
        } else {
            CHECK(mount(m->source, target, m->type, read_only ? MS_RDONLY : 0, data) == 0, "%s mount (%s): %s",
                  m->type, data, strerror(errno));
        }
    }
}

static snapshotter_mount_list *prepare(snapshotter *s, const char *key, const char *parent, int view)
{
    snapshotter_lifecycle_request req = SNAPSHOTTER_LIFECYCLE_REQUEST_INIT;
    req.key = key;
    req.parent = parent;
    snapshotter_mount_list *mounts = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, view ? snapshotter_lifecycle_view(&mounts, s, &req, CHECK_ERR)
                                    : snapshotter_lifecycle_prepare(&mounts, s, &req, CHECK_ERR));
    return mounts;
}

static void commit(snapshotter *s, const char *name, const char *key)
{
    snapshotter_lifecycle_commit_request req = SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_INIT;
    req.name = name;
    req.key = key;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_commit(NULL, s, &req, CHECK_ERR));
}

/* Prepares `key` over `parent`, mounts it, lets `change` write in it, unmounts, commits as `name`. */
static void prepare_change_commit(snapshotter *s, const char *dir, const char *key, const char *parent,
                                  const char *name, void (*change)(const char *root))
{
    snapshotter_mount_list *mounts = prepare(s, key, parent, 0);
    const char *target = KEEP_PATH("%s/mnt-%s", dir, key);
    mount_all(mounts, target);
    change(target);
    CHECK(umount(target) == 0, "umount %s: %s", target, strerror(errno));
    snapshotter_mount_list_free(mounts);
    commit(s, name, key);
}

static void make_p0(const char *root)
{
    fx_write_text(PATH("%s/keep.txt", root), "keep\n", 0644);
    fx_write_text(PATH("%s/change.txt", root), "old\n", 0644);
}

static void change_a(const char *root)
{
    fx_write_text(PATH("%s/change.txt", root), "new\n", 0644);
    fx_write_text(PATH("%s/a.txt", root), "a\n", 0644);
}

static void change_b(const char *root)
{
    CHECK(unlink(PATH("%s/keep.txt", root)) == 0, "unlink in the overlay");
}

static const char *parent_of(snapshotter *s, const char *key)
{
    snapshotter_lifecycle_list *list = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_stat(&list, s, key, CHECK_ERR));
    const snapshotter_lifecycle_info *info = snapshotter_lifecycle_list_get(list, 0);
    CHECK(info != NULL && info->kind == SNAPSHOTTER_LIFECYCLE_COMMITTED, "%s is committed", key);
    static char parent[64];
    snprintf(parent, sizeof parent, "%s", info->parent ? info->parent : "(none)");
    snapshotter_lifecycle_list_free(list);
    return parent;
}

static void design_notes_scenario(void)
{
    const char *dir = fx_tempdir("lifecycle");
    snapshotter *s = fx_open(PATH("%s/root", dir), 0);
    check_defer(close_handle, s);

    prepare_change_commit(s, dir, "base", NULL, "P0", make_p0);
    prepare_change_commit(s, dir, "a", "P0", "P1", change_a);
    prepare_change_commit(s, dir, "b", "P0", "P2", change_b);

    CHECK(strcmp(parent_of(s, "P1"), "P0") == 0, "P1's parent is %s", parent_of(s, "P1"));
    CHECK(strcmp(parent_of(s, "P2"), "P0") == 0, "P2's parent is %s, not P0", parent_of(s, "P2"));
    CHECK(strcmp(parent_of(s, "P0"), "(none)") == 0, "P0 has no parent");

    snapshotter_lifecycle_walk_request walk = SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_INIT;
    walk.parent = "P0";
    snapshotter_lifecycle_list *children = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_walk(&children, s, &walk, CHECK_ERR));
    CHECK(snapshotter_lifecycle_list_count(children) == 2 &&
              strcmp(snapshotter_lifecycle_list_get(children, 0)->key, "P1") == 0 &&
              strcmp(snapshotter_lifecycle_list_get(children, 1)->key, "P2") == 0,
          "P0's children are P1 and P2");
    snapshotter_lifecycle_list_free(children);

    /* A view of P2 (two layers: an overlay without upper) shows P0 as b changed it. */
    snapshotter_mount_list *view = prepare(s, "view-of-P2", "P2", 1);
    const char *target = KEEP_PATH("%s/mnt-view", dir);
    mount_all(view, target);
    check_defer(unmount, (void *)target);
    char text[64] = "";
    CHECK(fx_read(PATH("%s/change.txt", target), text, sizeof text) == 4 && strncmp(text, "old\n", 4) == 0,
          "P2 keeps P0's change.txt");
    CHECK(!fx_exists(PATH("%s/keep.txt", target)) && !fx_exists(PATH("%s/a.txt", target)),
          "P2 lacks what b deleted and what a added");
    CHECK(open(PATH("%s/new.txt", target), O_WRONLY | O_CREAT, 0644) < 0 && errno == EROFS, "a view is read-only");
    CHECK(umount(target) == 0, "umount the view");
    snapshotter_mount_list_free(view);

    /* The committed P1 restores as a snapshot of the store. */
    snapshotter_lifecycle_list *p1 = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_stat(&p1, s, "P1", CHECK_ERR));
    const snapshotter_lifecycle_info *info = snapshotter_lifecycle_list_get(p1, 0);
    CHECK(info->snapshot_name != NULL && info->snapshot_version != NULL, "P1 names its snapshot");
    const char *out = PATH("%s/restored", dir);
    fx_restore(s, info->snapshot_name, info->snapshot_version, out, 0);
    CHECK(fx_read(PATH("%s/change.txt", out), text, sizeof text) == 4 && strncmp(text, "new\n", 4) == 0,
          "P1 restores a's change");
    CHECK(fx_exists(PATH("%s/keep.txt", out)) && fx_exists(PATH("%s/a.txt", out)), "P1 restores P0's and a's files");
    snapshotter_lifecycle_list_free(p1);

    /* P0 has children: removing it is refused; removing them first lets it go. */
    CHECK_FAILS(SNAPSHOTTER_ERROR_FAILED_PRECONDITION, "child", snapshotter_lifecycle_remove(s, "P0", CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_remove(s, "view-of-P2", CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_remove(s, "P1", CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_remove(s, "P2", CHECK_ERR));
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_remove(s, "P0", CHECK_ERR));
    snapshotter_lifecycle_list *all = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_walk(&all, s, NULL, CHECK_ERR));
    CHECK(snapshotter_lifecycle_list_count(all) == 0, "everything is removed");
    snapshotter_lifecycle_list_free(all);
}

static void labels_usage_and_refusals(void)
{
    const char *dir = fx_tempdir("lifecycle");
    snapshotter *s = fx_open(PATH("%s/root", dir), 0);
    check_defer(close_handle, s);

    snapshotter_label labels[2] = { { SNAPSHOTTER_LABEL_VERSION, "l1", "v1" }, { SNAPSHOTTER_LABEL_VERSION, "l2", "v2" } };
    snapshotter_lifecycle_request req = SNAPSHOTTER_LIFECYCLE_REQUEST_INIT;
    req.key = "k8s.io/3/extract-1 sha256:abc";
    req.labels = labels;
    req.label_count = 2;
    snapshotter_mount_list *mounts = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_prepare(&mounts, s, &req, CHECK_ERR));
    const snapshotter_mount *m = snapshotter_mount_list_get(mounts, 0);
    fx_write_random(PATH("%s/data.bin", m->source), 1 << 20, 1);
    snapshotter_usage usage = SNAPSHOTTER_USAGE_INIT;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_usage(&usage, s, req.key, CHECK_ERR));
    CHECK(usage.inodes == 2 && usage.bytes >= (1 << 20), "usage %lld bytes, %lld inodes", (long long)usage.bytes,
          (long long)usage.inodes);
    CHECK_FAILS(SNAPSHOTTER_ERROR_ALREADY_EXISTS, "already exists", snapshotter_lifecycle_prepare(&mounts, s, &req, CHECK_ERR));

    snapshotter_label updated = { SNAPSHOTTER_LABEL_VERSION, "l1", "changed" };
    const char *paths[] = { "labels.l1", "labels.l2" };
    snapshotter_lifecycle_update_request update = SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_INIT;
    update.key = req.key;
    update.labels = &updated;
    update.label_count = 1;
    update.field_paths = paths;
    update.field_path_count = 2;
    snapshotter_lifecycle_list *list = NULL;
    CHECK_CODE(SNAPSHOTTER_OK, snapshotter_lifecycle_update(&list, s, &update, CHECK_ERR));
    const snapshotter_lifecycle_info *info = snapshotter_lifecycle_list_get(list, 0);
    CHECK(info->label_count == 1 && strcmp(info->labels[0].name, "l1") == 0 &&
              strcmp(info->labels[0].value, "changed") == 0,
          "labels after the update");
    snapshotter_lifecycle_list_free(list);
    const char *immutable[] = { "parent" };
    update.field_paths = immutable;
    update.field_path_count = 1;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "parent", snapshotter_lifecycle_update(&list, s, &update, CHECK_ERR));

    req.key = "child";
    req.parent = "k8s.io/3/extract-1 sha256:abc";
    req.label_count = 0;
    CHECK_FAILS(SNAPSHOTTER_ERROR_FAILED_PRECONDITION, "not committed", snapshotter_lifecycle_prepare(&mounts, s, &req, CHECK_ERR));
    req.parent = "no such parent";
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "parent", snapshotter_lifecycle_prepare(&mounts, s, &req, CHECK_ERR));
    req.key = "";
    req.parent = NULL;
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "key", snapshotter_lifecycle_prepare(&mounts, s, &req, CHECK_ERR));
    snapshotter_lifecycle_commit_request commit_req = SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_INIT;
    commit_req.name = "x";
    commit_req.key = "unknown";
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "unknown", snapshotter_lifecycle_commit(NULL, s, &commit_req, CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_NOT_FOUND, "unknown", snapshotter_lifecycle_remove(s, "unknown", CHECK_ERR));
    CHECK_FAILS(SNAPSHOTTER_ERROR_INVALID_ARGUMENT, "key", snapshotter_lifecycle_mounts(&mounts, s, NULL, CHECK_ERR));
    snapshotter_mount_list_free(mounts);
}

int main(int argc, char **argv)
{
    static const struct check_test tests[] = {
        CHECK_TEST(design_notes_scenario),
        CHECK_TEST(labels_usage_and_refusals),
    };
    return check_main(argc, argv, tests, CHECK_COUNT(tests));
}
