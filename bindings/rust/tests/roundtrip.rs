mod common;

use std::fs;

use common::{open, same_file, small_tree, snapshot_request, write, TempDir};
use snapshotter::{ContentOptions, ErrorKind, Options, RestoreFlags, RestoreRequest, Snapshotter};

#[test]
fn snapshot_and_restore_round_trip() {
    let dir = TempDir::new("roundtrip");
    let store = open(&dir, 2);
    let (src, out) = (dir.join("src"), dir.join("out"));
    let files = small_tree(&src, 1);

    let stats = store.snapshot(snapshot_request("vm", "v1", &src, &files)).unwrap();
    let size = fs::metadata(src.join("disk.img")).unwrap().len();
    assert!(stats.files == 2 && stats.bytes >= size && stats.files_linked == 1, "snapshot stats {stats:?}");
    assert!(!stats.elapsed.is_zero());

    let stats = store.restore(RestoreRequest::new("vm", "v1").output_dir(&out)).unwrap();
    assert!(stats.files == 2 && stats.files_reused == 0, "restore stats {stats:?}");
    for (path, _) in &files {
        same_file(&src.join(path), &out.join(path));
    }

    let stats = store.restore(RestoreRequest::new("vm", "v1").output_dir(&out)).unwrap();
    assert!(stats.files_reused == 2 && stats.bytes_written == 0, "restoring over an identical tree: {stats:?}");
}

#[test]
fn overwrite_replaces_differing_files() {
    let dir = TempDir::new("overwrite");
    let store = open(&dir, 0);
    let (src, out) = (dir.join("src"), dir.join("out"));
    let files = small_tree(&src, 2);
    store.snapshot(snapshot_request("vm", "v1", &src, &files)).unwrap();
    write(&out.join("disk.img"), b"something else", 0o644);

    let err = store.restore(RestoreRequest::new("vm", "v1").output_dir(&out)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert!(!out.join("state/vm.json").exists(), "a refused restore wrote files");

    store.restore(RestoreRequest::new("vm", "v1").output_dir(&out).flags(RestoreFlags::OVERWRITE)).unwrap();
    same_file(&src.join("disk.img"), &out.join("disk.img"));
}

#[test]
fn restore_without_output_dir_checks_the_store() {
    let dir = TempDir::new("nooutput");
    let store = open(&dir, 0);
    let files = small_tree(&dir.join("src"), 3);
    store.snapshot(snapshot_request("vm", "v1", &dir.join("src"), &files)).unwrap();
    let stats = store.restore(RestoreRequest::new("vm", "v1")).unwrap();
    assert!(stats.files == 2 && stats.bytes_written == 0, "{stats:?}");
}

#[test]
fn content_dir_receives_the_content() {
    let dir = TempDir::new("content");
    fs::create_dir(dir.join("content")).unwrap();
    let files = small_tree(&dir.join("src"), 4);
    let options = Options::new(dir.join("root")).content(ContentOptions::new().dir(dir.join("content")));
    let store = Snapshotter::open(&options).unwrap();
    store.snapshot(snapshot_request("vm", "v1", &dir.join("src"), &files)).unwrap();
    assert_eq!(fs::read_dir(dir.join("content/xxh3")).unwrap().count(), 2);
}

#[test]
fn version_matches_the_header() {
    assert_eq!(snapshotter::version(), snapshotter::HEADER_VERSION);
    assert_eq!(snapshotter::version_number(), snapshotter::HEADER_VERSION_NUMBER);
}
