mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;

use common::{open, write, TempDir};
use snapshotter::{
    DiffEntry, DiffKind, DiffReasons, DiffRequest, ErrorKind, FileFlags, RestoreFlags, RestoreRequest, SnapshotRequest,
    Snapshotter,
};

/// app:v1 (a.bin, b.txt) and app:v2 (a.bin, c.txt), from `src`.
fn two_versions(dir: &TempDir) -> (Snapshotter, PathBuf) {
    let src = dir.join("src");
    write(&src.join("a.bin"), &[7u8; 5000], 0o644);
    write(&src.join("b.txt"), b"bee\n", 0o644);
    write(&src.join("c.txt"), b"sea\n", 0o600);
    let store = open(dir, 0);
    for (version, names) in [("v1", ["a.bin", "b.txt"]), ("v2", ["a.bin", "c.txt"])] {
        let request =
            names.iter().fold(SnapshotRequest::new("app", version, &src), |r, name| r.file(name, FileFlags::empty()));
        store.snapshot(request).unwrap();
    }
    (store, src)
}

#[test]
fn diff_of_snapshots_and_of_a_directory() {
    let dir = TempDir::new("diff");
    let (store, _) = two_versions(&dir);
    let entries = store.diff(DiffRequest::reference("app:v1").other_snapshot("app:v2")).unwrap();
    let summary: Vec<_> = entries.iter().map(|e| (e.relative_path.to_str().unwrap(), e.kind)).collect();
    assert_eq!(summary, [("b.txt", DiffKind::Removed), ("c.txt", DiffKind::Added)]);

    let out = dir.join("out");
    store.restore(RestoreRequest::reference("app:v1").output_dir(&out)).unwrap();
    assert!(store.diff(DiffRequest::new("app", "v1").other_dir(&out)).unwrap().is_empty());
    fs::set_permissions(out.join("b.txt"), fs::Permissions::from_mode(0o600)).unwrap();
    let entries = store.diff(DiffRequest::reference("app:v1").other_dir(&out)).unwrap();
    assert_eq!(entries.len(), 1);
    let DiffEntry { relative_path, kind, reasons, .. } = &entries[0];
    assert!(relative_path == &PathBuf::from("b.txt") && *kind == DiffKind::Changed && *reasons == DiffReasons::MODE);

    let error = store.diff(DiffRequest::reference("app:v1")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
}

#[test]
fn in_place_and_partial_restore() {
    let dir = TempDir::new("inplace");
    let (store, _) = two_versions(&dir);
    let out = dir.join("out");
    let stats = store.restore(RestoreRequest::reference("app:v1").output_dir(&out).only("*.txt")).unwrap();
    assert_eq!(stats.files, 1);
    assert!(!out.join("a.bin").exists());
    write(&out.join("extra"), b"extra", 0o644);
    let inode = fs::metadata(out.join("b.txt")).unwrap().ino();
    let stats = store
        .restore(
            RestoreRequest::reference("app:v1")
                .output_dir(&out)
                .flags(RestoreFlags::IN_PLACE | RestoreFlags::DELETE_EXTRA),
        )
        .unwrap();
    assert!(stats.files_reused == 1 && stats.files_removed == 1, "{stats:?}");
    assert_eq!(fs::metadata(out.join("b.txt")).unwrap().ino(), inode, "the identical b.txt was replaced");
    assert!(out.join("a.bin").exists() && !out.join("extra").exists());

    let error = store.restore(RestoreRequest::reference("app:v1").output_dir(&out).only("nope")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
}
