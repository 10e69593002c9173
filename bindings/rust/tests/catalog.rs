mod common;

use std::fs;
use std::time::{Duration, UNIX_EPOCH};

use common::{open, same_file, write, TempDir};
use snapshotter::{
    ContentOptions, DeleteRequest, ErrorKind, FileFlags, InspectRequest, ListRequest, Options, RegistryOptions,
    RestoreRequest, SnapshotPlace, SnapshotRequest, Snapshotter,
};

/// app:v1 and app:v2 share shared.txt (read-only); other:v1 holds one.bin; made in this order.
fn catalog(dir: &TempDir) -> Snapshotter {
    let src = dir.join("src");
    write(&src.join("shared.txt"), b"shared by both versions\n", 0o444);
    write(&src.join("one.bin"), "one".repeat(1000).as_bytes(), 0o640);
    write(&src.join("two.bin"), "two".repeat(2000).as_bytes(), 0o644);
    let mtime = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
    fs::File::options().write(true).open(src.join("one.bin")).unwrap().set_modified(mtime).unwrap();
    let store = open(dir, 0);
    let shared = ("shared.txt", FileFlags::READ_ONLY);
    for (name, version, files) in [
        ("app", "v1", [shared, ("one.bin", FileFlags::empty())].as_slice()),
        ("app", "v2", &[shared, ("two.bin", FileFlags::empty())]),
        ("other", "v1", &[("one.bin", FileFlags::empty())]),
    ] {
        let request =
            files.iter().fold(SnapshotRequest::new(name, version, &src), |r, (path, flags)| r.file(path, *flags));
        store.snapshot(request).unwrap();
    }
    store
}

#[test]
fn list_orders_by_name_then_creation() {
    let dir = TempDir::new("list");
    let store = catalog(&dir);
    let all = store.list(ListRequest::new()).unwrap();
    let refs: Vec<_> = all.iter().map(|info| format!("{}:{}", info.name, info.version)).collect();
    assert_eq!(refs, ["app:v1", "app:v2", "other:v1"]);
    let app = &all[1];
    assert!(
        app.files == 2 && app.bytes == 24 + 6000 && app.stored_bytes > 0 && app.created >= all[0].created,
        "{app:?}"
    );
    let other = store.list(ListRequest::new().name("other")).unwrap();
    assert!(other.len() == 1 && other[0].version == "v1", "{other:?}");
}

#[test]
fn inspect_by_reference_or_by_name_and_version() {
    let dir = TempDir::new("inspect");
    let store = catalog(&dir);
    let latest = store.inspect(InspectRequest::reference("app@latest")).unwrap();
    assert!(latest.snapshot.version == "v2" && latest.files.len() == 2, "{latest:?}");

    let v1 = store.inspect(InspectRequest::new("app", "v1")).unwrap();
    let (one, shared) = (&v1.files[0], &v1.files[1]);
    assert_eq!(one.relative_path, std::path::Path::new("one.bin"));
    assert!(one.size == 3000 && one.mode == 0o640 && one.digest.starts_with("xxh3:"), "{one:?}");
    assert_eq!(one.modified, UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789));
    assert_eq!(one.flags, FileFlags::CONTENT_LOCAL);
    assert_eq!(shared.flags, FileFlags::READ_ONLY | FileFlags::CONTENT_LOCAL);

    let err = store.inspect(InspectRequest::reference("app:v9")).unwrap_err();
    assert!(err.kind() == ErrorKind::NotFound && err.message().contains("app:v9"), "{err}");
    let err = store.inspect(InspectRequest::reference("app@not-a-time")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
}

#[test]
fn restore_by_reference() {
    let dir = TempDir::new("restoreref");
    let store = catalog(&dir);
    store.restore(RestoreRequest::reference("app@latest").output_dir(dir.join("out"))).unwrap();
    same_file(&dir.join("src/two.bin"), &dir.join("out/two.bin"));
}

#[test]
fn delete_frees_content_no_other_snapshot_uses() {
    let dir = TempDir::new("delete");
    let store = catalog(&dir);
    // two.bin is app:v2's alone; shared.txt is still app:v1's.
    let stats = store.delete(DeleteRequest::reference("app:v2")).unwrap();
    assert!(stats.files == 2 && stats.content_freed == 1 && stats.bytes_freed > 0, "{stats:?}");
    let err = store.delete(DeleteRequest::new("app", "v2")).unwrap_err();
    assert!(err.kind() == ErrorKind::NotFound && err.message().contains("app:v2"), "{err}");
    assert_eq!(store.list(ListRequest::new()).unwrap().len(), 2);
}

#[test]
fn remote_listing_and_deletion_through_an_oci_layout() {
    let dir = TempDir::new("remote");
    let options = |root: &str| {
        Options::new(dir.join(root))
            .registry(RegistryOptions::new(format!("oci:{}", dir.join("layout").display())))
            .content(ContentOptions::new().dir(dir.join("content")))
    };
    let first = Snapshotter::open(&options("first")).unwrap();
    let second = Snapshotter::open(&options("second")).unwrap();
    let src = dir.join("src");
    for version in ["v1", "v2"] {
        write(&src.join("a.txt"), version.as_bytes(), 0o644);
        first.snapshot(SnapshotRequest::new("app", version, &src).file("a.txt", FileFlags::empty())).unwrap();
    }
    second.restore(RestoreRequest::reference("app:v1")).unwrap();

    let listed = second.list(ListRequest::new().name("app").remote()).unwrap();
    let places: Vec<_> = listed.iter().map(|s| (s.version.as_str(), s.place)).collect();
    assert_eq!(places, [("v1", SnapshotPlace::LOCAL | SnapshotPlace::REMOTE), ("v2", SnapshotPlace::REMOTE)]);

    let stats = first.delete(DeleteRequest::reference("app:v2").remote()).unwrap();
    assert!(stats.manifests_deleted == 1 && stats.files == 1, "{stats:?}");
    assert_eq!(second.list(ListRequest::new().name("app").remote()).unwrap().len(), 1);
    let error = second.list(ListRequest::new().remote()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
}
