//! Calls stopped half-way through 256 MiB, progress, and panics in the progress closure. The closure
//! holds the call at its first report of unfinished work until the stop was issued, so that the stop
//! lands mid-call whatever the machine's speed.
mod common;

use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;

use common::{big_request, open, wait_for, TempDir, BIG_FILES, BIG_FILE_BYTES};
use snapshotter::{CancelToken, ErrorKind, Progress, RestoreRequest, Snapshotter};

/// The snapshot big:v1 is not there, and its name is free again.
fn nothing_left(store: &Snapshotter) {
    let err = store.restore(RestoreRequest::new("big", "v1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    store.snapshot(big_request("v1")).expect("the name of a stopped snapshot stays taken");
}

#[test]
fn a_token_cancels_a_snapshot_from_another_thread() {
    let dir = TempDir::new("cancel");
    let store = open(&dir, 1);
    let token = CancelToken::new().unwrap();
    let started = AtomicBool::new(false);

    let result = thread::scope(|scope| {
        let call = scope.spawn(|| {
            store.snapshot(big_request("v1").cancel(&token).progress(|p| {
                if p.bytes_done < p.bytes_total && !started.swap(true, Ordering::SeqCst) {
                    wait_for(|| token.is_cancelled());
                }
                ControlFlow::Continue(())
            }))
        });
        assert!(wait_for(|| started.load(Ordering::SeqCst)), "no progress report of unfinished work");
        token.cancel();
        call.join().unwrap()
    });
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(err.message().contains("big:v1"), "{err}");
    nothing_left(&store);
}

#[test]
fn breaking_from_the_progress_closure_cancels_a_snapshot() {
    let dir = TempDir::new("break");
    let store = open(&dir, 1);
    let mut unfinished_reports = 0;
    let result = store.snapshot(big_request("v1").progress(|p| {
        if p.bytes_done < p.bytes_total {
            unfinished_reports += 1;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }));
    assert_eq!(unfinished_reports, 1, "the closure was asked mid-way once, then never again");
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Cancelled);
    nothing_left(&store);
}

#[test]
fn a_panic_in_the_progress_closure_cancels_the_call_and_reaches_the_caller() {
    let dir = TempDir::new("panic");
    let store = open(&dir, 1);
    let calls = AtomicUsize::new(0);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let _ = store.snapshot(big_request("v1").progress(|_| {
            calls.fetch_add(1, Ordering::SeqCst);
            panic!("from the closure");
        }));
    }))
    .expect_err("the closure's panic did not reach the caller");
    assert_eq!(caught.downcast_ref::<&str>(), Some(&"from the closure"));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the closure was called again after panicking");
    nothing_left(&store);
}

#[test]
fn progress_is_ordered_serial_and_complete() {
    let dir = TempDir::new("progress");
    let store = open(&dir, 1);
    let reports = Mutex::new(Vec::<Progress>::new());
    let in_closure = AtomicBool::new(false);
    let record = |p: &Progress| {
        assert!(!in_closure.swap(true, Ordering::SeqCst), "two progress callbacks of one call ran at once");
        reports.lock().unwrap().push(*p);
        in_closure.store(false, Ordering::SeqCst);
        ControlFlow::Continue(())
    };
    store.snapshot(big_request("v1").progress(record)).unwrap();
    let snapshot_reports = std::mem::take(&mut *reports.lock().unwrap());
    assert!(
        snapshot_reports.len() >= 2,
        "snapshot: {} reports, want one mid-way and a final one",
        snapshot_reports.len()
    );
    check_reports("snapshot", &snapshot_reports);

    store.restore(RestoreRequest::new("big", "v1").output_dir(dir.join("out")).progress(record)).unwrap();
    check_reports("restore", &reports.lock().unwrap());
}

fn check_reports(what: &str, reports: &[Progress]) {
    let (files, bytes) = (BIG_FILES as u64, (BIG_FILES * BIG_FILE_BYTES) as u64);
    assert!(!reports.is_empty(), "{what}: no progress report");
    for pair in reports.windows(2) {
        assert!(
            pair[1].files_done >= pair[0].files_done && pair[1].bytes_done >= pair[0].bytes_done,
            "{what}: progress went back from {:?} to {:?}",
            pair[0],
            pair[1]
        );
    }
    assert!(reports.iter().all(|p| p.files_total == files && p.bytes_total == bytes), "{what}: totals changed");
    let last = reports.last().unwrap();
    assert!(last.files_done == files && last.bytes_done == bytes, "{what}: the last report is {last:?}");
}
