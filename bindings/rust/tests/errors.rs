mod common;

use common::{open, small_tree, snapshot_request, TempDir};
use snapshotter::{Error, ErrorKind, FileFlags, Options, RestoreRequest, SnapshotRequest, Snapshotter};

fn expect(what: &str, result: Result<impl std::fmt::Debug, Error>, kind: ErrorKind, needle: &str) {
    let err = result.expect_err(what);
    assert_eq!(err.kind(), kind, "{what}: {err}");
    assert!(err.message().contains(needle), "{what}: {err:?} does not name {needle:?}");
    assert_eq!(err.to_string(), format!("{}: {}", snapshotter::code_name(err.code()), err.message()));
}

#[test]
fn errors_carry_the_librarys_kind_and_message() {
    let dir = TempDir::new("errors");
    let store = open(&dir, 0);
    let src = dir.join("src");
    let files = small_tree(&src, 5);
    store.snapshot(snapshot_request("vm", "v1", &src, &files)).unwrap();

    expect(
        "the same name:version twice",
        store.snapshot(snapshot_request("vm", "v1", &src, &files)),
        ErrorKind::AlreadyExists,
        "vm:v1",
    );
    expect(
        "an unknown version",
        store.restore(RestoreRequest::new("vm", "v2").output_dir(dir.path())),
        ErrorKind::NotFound,
        "vm:v2",
    );
    expect(
        "a name outside the OCI grammar",
        store.snapshot(snapshot_request("Not Valid", "v1", &src, &files)),
        ErrorKind::InvalidArgument,
        "Not Valid",
    );
    expect(
        "a missing file",
        store.snapshot(SnapshotRequest::new("vm", "v3", &src).file("missing.bin", FileFlags::empty())),
        ErrorKind::NotFound,
        "missing.bin",
    );
    expect(
        "a path leaving the base dir",
        store.snapshot(SnapshotRequest::new("vm", "v4", &src).file("../escape", FileFlags::empty())),
        ErrorKind::InvalidArgument,
        "../escape",
    );
    expect("an empty root dir", Snapshotter::open(&Options::new("")), ErrorKind::InvalidArgument, "root_dir");
}

/// Inputs the C ABI cannot express are refused before the library is called, in the same terms.
#[test]
fn inputs_the_abi_cannot_carry_are_invalid_arguments() {
    let dir = TempDir::new("nul");
    let store = open(&dir, 0);
    expect(
        "a NUL byte in the name",
        store.snapshot(SnapshotRequest::new("vm\0x", "v1", dir.path())),
        ErrorKind::InvalidArgument,
        "name",
    );
    expect(
        "a NUL byte in a path",
        store.snapshot(SnapshotRequest::new("vm", "v1", dir.path()).file("a\0b", FileFlags::empty())),
        ErrorKind::InvalidArgument,
        "files[].relative_path",
    );
    expect(
        "a NUL byte in the output dir",
        store.restore(RestoreRequest::new("vm", "v1").output_dir("/tmp/\0")),
        ErrorKind::InvalidArgument,
        "output_dir",
    );
}

#[test]
fn codes_have_the_librarys_names() {
    assert_eq!(snapshotter::code_name(0), "OK");
    assert_eq!(snapshotter::code_name(2), "NOT_FOUND");
    assert_eq!(snapshotter::code_name(10), "CLOSED");
    assert_eq!(snapshotter::code_name(12345), "UNKNOWN");
}
