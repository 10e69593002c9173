mod common;

use std::net::TcpListener;

use common::{same_file, small_tree, snapshot_request, TempDir};
use snapshotter::{ContentOptions, ErrorKind, Options, RegistryOptions, RestoreRequest, Snapshotter};

/// An oci: layout carries a snapshot's metadata from one store to another, its content through a
/// shared content dir.
#[test]
fn registry_options_carry_snapshots_between_stores() {
    let dir = TempDir::new("registry");
    let files = small_tree(&dir.join("src"), 5);
    let layout = format!("oci:{}", dir.join("layout").display());
    let options = |root: &str| {
        Options::new(dir.join(root))
            .content(ContentOptions::new().dir(dir.join("content")))
            .registry(RegistryOptions::new(&layout).namespace("team"))
    };
    Snapshotter::open(&options("a")).unwrap().snapshot(snapshot_request("vm", "v1", &dir.join("src"), &files)).unwrap();

    let stats = Snapshotter::open(&options("b"))
        .unwrap()
        .restore(RestoreRequest::new("vm", "v1").output_dir(dir.join("out")))
        .unwrap();

    assert_eq!(stats.files, 2);
    for (path, _) in &files {
        same_file(&dir.join("src").join(path), &dir.join("out").join(path));
    }
    assert!(dir.join("layout/index.json").exists());
}

#[test]
fn registry_failures_are_errors_of_their_kind() {
    let dir = TempDir::new("registry-errors");
    let unreachable = format!("http://{}", TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap());
    let store =
        Snapshotter::open(&Options::new(dir.join("root")).registry(RegistryOptions::new(&unreachable).max_attempts(1)))
            .unwrap();
    let err = store.restore(RestoreRequest::new("vm", "v1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
    assert!(err.message().contains(&unreachable), "{err}");

    let err = Snapshotter::open(&Options::new(dir.join("other")).registry(RegistryOptions::new("ftp://example")))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains("registry.url"), "{err}");

    let secret = RegistryOptions::new(&unreachable).credentials("user", "se\0cret-pw");
    assert!(!format!("{secret:?}").contains("cret-pw"), "Debug shows the password");
    let err = Snapshotter::open(&Options::new(dir.join("third")).registry(secret)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains("registry.password") && !err.message().contains("cret-pw"), "{err}");
}
