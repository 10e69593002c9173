//! containerd's lifecycle through the safe API, with real mounts (as root, through mount(8)): the design
//! notes' scenario, labels, walks, usage and the errors of what is refused.
mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use common::TempDir;
use snapshotter::{CommitRequest, ErrorKind, LifecycleKind, Mount, Options, Snapshotter, WalkFilter};

/// Mounts `mounts` at `target` while `body` runs, then unmounts.
fn with_mounted(mounts: &[Mount], target: &Path, body: impl FnOnce(&Path)) {
    fs::create_dir_all(target).unwrap();
    for mount in mounts {
        let options = mount.options.join(",");
        let mut command = Command::new("mount");
        if mount.fs_type != "bind" {
            command.args(["-t", &mount.fs_type]);
        }
        let status = command.args(["-o", &options, &mount.source]).arg(target).status().unwrap();
        assert!(status.success(), "mount {mount:?}");
    }
    body(target);
    assert!(Command::new("umount").arg(target).status().unwrap().success(), "umount {target:?}");
}

fn no_labels() -> BTreeMap<String, String> {
    BTreeMap::new()
}

#[test]
fn branches_from_one_parent_keep_that_parent() {
    let dir = TempDir::new("lifecycle");
    let store = Snapshotter::open(&Options::new(dir.join("root"))).unwrap();

    let base = store.lifecycle_prepare("base", None, &no_labels()).unwrap();
    assert_eq!(base.len(), 1);
    assert_eq!(base[0].fs_type, "bind");
    fs::write(Path::new(&base[0].source).join("keep.txt"), "keep").unwrap();
    fs::write(Path::new(&base[0].source).join("change.txt"), "old").unwrap();
    let stats = store.lifecycle_commit(CommitRequest::new("P0", "base").label("stage", "base")).unwrap();
    assert_eq!(stats.files, 2);

    let a = store.lifecycle_prepare("a", Some("P0"), &no_labels()).unwrap();
    assert_eq!(a[0].fs_type, "overlay");
    with_mounted(&a, &dir.join("mnt-a"), |root| fs::write(root.join("change.txt"), "new").unwrap());
    store.lifecycle_commit(CommitRequest::new("P1", "a")).unwrap();
    let b = store.lifecycle_prepare("b", Some("P0"), &no_labels()).unwrap();
    with_mounted(&b, &dir.join("mnt-b"), |root| fs::remove_file(root.join("keep.txt")).unwrap());
    store.lifecycle_commit(CommitRequest::new("P2", "b").snapshot_name("rootfs", Some("v2".into()))).unwrap();

    let p2 = store.lifecycle_stat("P2").unwrap();
    assert_eq!(p2.kind, LifecycleKind::Committed);
    assert_eq!(p2.parent.as_deref(), Some("P0"));
    assert_eq!(p2.snapshot, Some(("rootfs".to_string(), "v2".to_string())));
    assert_eq!(store.lifecycle_stat("P1").unwrap().parent.as_deref(), Some("P0"));
    assert_eq!(store.lifecycle_stat("P0").unwrap().labels.get("stage").map(String::as_str), Some("base"));
    let children: Vec<_> =
        store.lifecycle_walk(&WalkFilter::new().parent("P0")).unwrap().into_iter().map(|i| i.key).collect();
    assert_eq!(children, ["P1", "P2"]);

    let view = store.lifecycle_view("v", Some("P2"), &no_labels()).unwrap();
    with_mounted(&view, &dir.join("mnt-v"), |root| {
        assert_eq!(fs::read_to_string(root.join("change.txt")).unwrap(), "old");
        assert!(!root.join("keep.txt").exists());
        assert!(fs::write(root.join("x"), "x").is_err(), "a view is read-only");
    });

    let err = store.lifecycle_remove("P0").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FailedPrecondition, "{err}");
    for key in ["v", "P1", "P2", "P0"] {
        store.lifecycle_remove(key).unwrap();
    }
    assert!(store.lifecycle_walk(&WalkFilter::new()).unwrap().is_empty());
}

#[test]
fn labels_usage_and_refusals() {
    let dir = TempDir::new("lifecycle");
    let store = Snapshotter::open(&Options::new(dir.join("root"))).unwrap();
    let labels = BTreeMap::from([("l1".to_string(), "v1".to_string()), ("l2".to_string(), "v2".to_string())]);
    let mounts = store.lifecycle_prepare("k8s.io/1/extract sha256:ab", None, &labels).unwrap();
    fs::write(Path::new(&mounts[0].source).join("data"), vec![7u8; 1 << 20]).unwrap();

    let usage = store.lifecycle_usage("k8s.io/1/extract sha256:ab").unwrap();
    assert_eq!(usage.inodes, 2);
    assert!(usage.bytes >= 1 << 20, "{usage:?}");
    assert_eq!(store.lifecycle_mounts("k8s.io/1/extract sha256:ab").unwrap(), mounts);

    let changed = BTreeMap::from([("l1".to_string(), "changed".to_string())]);
    let updated = store.lifecycle_update("k8s.io/1/extract sha256:ab", &changed, &["labels.l1", "labels.l2"]).unwrap();
    assert_eq!(updated.labels, changed);
    let err = store.lifecycle_update("k8s.io/1/extract sha256:ab", &changed, &["parent"]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert_eq!(
        store.lifecycle_walk(&WalkFilter::new().kind(LifecycleKind::Active).label("l1", None)).unwrap().len(),
        1
    );

    let err = store.lifecycle_prepare("k8s.io/1/extract sha256:ab", None, &no_labels()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    let err = store.lifecycle_prepare("child", Some("k8s.io/1/extract sha256:ab"), &no_labels()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FailedPrecondition, "{err}");
    let err = store.lifecycle_commit(CommitRequest::new("x", "nobody")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let big = BTreeMap::from([("big".to_string(), "x".repeat(5000))]);
    let err = store.lifecycle_prepare("big", None, &big).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    let err = store.lifecycle_stat("a\0b").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
}
