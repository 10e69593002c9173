//! Dragonfly settings reach the library: refused by name when wrong, and a dfdaemon nobody listens for
//! is UNAVAILABLE at the first call, not at open. (Content through a real dfdaemon peer is tested in the
//! library's own suites against a gRPC stand-in.)
mod common;

use common::{small_tree, snapshot_request, TempDir};
use snapshotter::{ContentOptions, ErrorKind, Options, Snapshotter};

#[test]
fn dragonfly_options_reach_the_library() {
    let dir = TempDir::new("dragonfly");
    let bad = Options::new(dir.join("bad")).content(ContentOptions::new().object_storage("ftp", "bucket"));
    let error = Snapshotter::open(&bad).unwrap_err();
    assert!(
        error.kind() == ErrorKind::InvalidArgument && error.message().contains("content.provider 'ftp'"),
        "{error}"
    );

    let socket = format!("unix://{}", dir.join("nobody.sock").display());
    let content =
        ContentOptions::new().dfdaemon(socket.as_str()).object_storage("s3", "bucket/prefix").ttl_seconds(3600);
    let store = Snapshotter::open(&Options::new(dir.join("root")).content(content)).unwrap();
    let files = small_tree(&dir.join("src"), 5);
    let error = store.snapshot(snapshot_request("vm", "v1", &dir.join("src"), &files)).unwrap_err();
    assert!(
        error.kind() == ErrorKind::Unavailable && error.message().contains(&format!("cannot reach {socket}")),
        "{error}"
    );
}

#[test]
fn debug_output_never_shows_the_secret() {
    let content = ContentOptions::new().object_storage("s3", "bucket").access_key("AKID", "s3cr3t");
    let options = Options::new("/root").content(content.clone());
    for text in [format!("{content:?}"), format!("{options:?}"), format!("{options:#?}")] {
        assert!(!text.contains("s3cr3t") && text.contains("AKID") && text.contains("<set>"), "{text}");
    }
}
