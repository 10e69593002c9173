mod common;

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::ops::ControlFlow;
use std::time::Duration;

use common::{write, TempDir};
use snapshotter::{
    CancelToken, ErrorKind, FileFlags, GcOptions, GcReason, GcRequest, Options, ProblemKind, RestoreRequest,
    SnapshotRequest, Snapshotter, VerifyRequest,
};

/// A default (all-zero) GcOptions is the library's defaults, not a refusal: the default minimum retention
/// keeps a snapshot made a moment ago, which `no_min_retention` lets go.
#[test]
fn zero_gc_options_are_the_defaults() {
    let dir = TempDir::new("gczero");
    // Disk eviction off in the second case: on a nearly full disk it would evict v2 as well.
    for (name, gc, evicted) in [
        ("defaults", GcOptions::default().keep_last(1), 0),
        ("none", GcOptions::default().keep_last(1).no_min_retention().no_disk_eviction(), 1),
    ] {
        let store = Snapshotter::open(&Options::new(dir.join(name)).gc(gc)).unwrap();
        let src = dir.join(&format!("{name}-src"));
        for version in ["v1", "v2"] {
            write(&src.join("state.bin"), version.repeat(5000).as_bytes(), 0o644);
            store.snapshot(SnapshotRequest::new("app", version, &src).file("state.bin", FileFlags::empty())).unwrap();
        }
        let plan = store.gc(GcRequest::new().dry_run()).unwrap();
        assert_eq!(plan.evicted.len(), evicted, "{name}: {plan:?}");
    }
}

#[test]
fn dry_run_then_collect_then_verify() {
    let dir = TempDir::new("gc");
    let gc = GcOptions::default().background(false).no_disk_eviction().keep_last(1).no_min_retention();
    let store = Snapshotter::open(&Options::new(dir.join("root")).gc(gc)).unwrap();
    let src = dir.join("src");
    for version in ["v1", "v2"] {
        write(&src.join("state.bin"), version.repeat(5000).as_bytes(), 0o644);
        store.snapshot(SnapshotRequest::new("app", version, &src).file("state.bin", FileFlags::empty())).unwrap();
    }

    let plan = store.gc(GcRequest::new().dry_run()).unwrap();
    assert!(plan.dry_run && plan.evicted.len() == 1, "{plan:?}");
    let evicted = &plan.evicted[0];
    assert!(evicted.name == "app" && evicted.version == "v1" && evicted.reason == GcReason::KeepLast, "{plan:?}");
    assert!(evicted.content_removed == 1 && evicted.bytes_freed > 0, "{plan:?}");

    let done = store.gc(GcRequest::new()).unwrap();
    assert!(!done.dry_run && done.evicted.len() == 1 && done.content_removed == 1, "{done:?}");
    assert_eq!(done.content_bytes_freed, plan.content_bytes_freed);
    let err = store.restore(RestoreRequest::new("app", "v1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    let report = store.verify(VerifyRequest::new()).unwrap();
    assert!(report.problems.is_empty() && report.snapshots_checked == 1 && report.content_checked == 1, "{report:?}");
}

#[test]
fn fractional_seconds_are_refused() {
    let dir = TempDir::new("gcfrac");
    let gc = GcOptions::default().max_age(Duration::from_millis(1500));
    let err = Snapshotter::open(&Options::new(dir.join("root")).gc(gc)).unwrap_err();
    assert!(err.kind() == ErrorKind::InvalidArgument && err.message().contains("gc.max_age"), "{err}");
}

#[test]
fn verify_reports_then_repairs_a_modified_stored_file() {
    let dir = TempDir::new("verify");
    let store = Snapshotter::open(&Options::new(dir.join("root"))).unwrap();
    let src = dir.join("src");
    write(&src.join("model.bin"), "model".repeat(10_000).as_bytes(), 0o644);
    store.snapshot(SnapshotRequest::new("model", "v1", &src).file("model.bin", FileFlags::READ_ONLY)).unwrap();
    // The stored inode is the source's own: writing to the "read-only" source changes the store.
    let mut file = fs::File::options().write(true).open(src.join("model.bin")).unwrap();
    file.seek(SeekFrom::Start(3)).unwrap();
    file.write_all(b"X").unwrap();
    drop(file);

    let found = store.verify(VerifyRequest::new()).unwrap();
    assert!(found.problems.len() == 1 && found.problems_unrepaired == 1, "{found:?}");
    let problem = &found.problems[0];
    assert!(problem.kind == ProblemKind::CorruptSnapshotFile && !problem.repaired, "{found:?}");
    assert!(!problem.subject.is_empty() && !problem.message.is_empty(), "{found:?}");

    let mut reports = 0;
    let repaired = store
        .verify(VerifyRequest::new().repair().progress(|_| {
            reports += 1;
            ControlFlow::Continue(())
        }))
        .unwrap();
    assert!(repaired.problems_unrepaired == 0 && repaired.problems.iter().all(|p| p.repaired), "{repaired:?}");
    assert!(reports > 0);
    let clean = store.verify(VerifyRequest::new()).unwrap();
    assert!(clean.problems.is_empty(), "{clean:?}");
}

#[test]
fn a_triggered_token_cancels_gc_and_verify() {
    let dir = TempDir::new("gccancel");
    let store = Snapshotter::open(&Options::new(dir.join("root"))).unwrap();
    let token = CancelToken::new().unwrap();
    token.cancel();
    let err = store.gc(GcRequest::new().cancel(&token)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    let err = store.verify(VerifyRequest::new().cancel(&token)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
}
