mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use common::{open, same_file, small_tree, snapshot_request, TempDir};
use snapshotter::{CancelToken, ErrorKind, RestoreRequest, Snapshotter};

/// The header's thread-safety statement, as the compiler sees it.
#[test]
fn handles_and_tokens_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Snapshotter>();
    send_sync::<CancelToken>();
    send_sync::<snapshotter::Error>();
}

/// Many threads share one handle: each snapshots and restores its own tree, and all of them race to
/// take one shared name:version, which exactly one wins.
#[test]
fn many_threads_share_one_handle() {
    const THREADS: usize = 16;
    let dir = Arc::new(TempDir::new("threads"));
    let store = Arc::new(open(&dir, 2));
    let won = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let (dir, store, won) = (Arc::clone(&dir), Arc::clone(&store), Arc::clone(&won));
            thread::spawn(move || {
                let (src, out) = (dir.join(&format!("src{i}")), dir.join(&format!("out{i}")));
                let files = small_tree(&src, 100 + i as u64);
                let name = format!("vm{i}");
                store.snapshot(snapshot_request(&name, "v1", &src, &files)).unwrap();
                store.restore(RestoreRequest::new(&name, "v1").output_dir(&out)).unwrap();
                for (path, _) in &files {
                    same_file(&src.join(path), &out.join(path));
                }
                match store.snapshot(snapshot_request("shared", "v1", &src, &files)) {
                    Ok(_) => {
                        won.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(err) => assert_eq!(err.kind(), ErrorKind::AlreadyExists, "racing for shared:v1: {err}"),
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(won.load(Ordering::SeqCst), 1, "threads that took shared:v1");
    Arc::try_unwrap(store).expect("every thread is done").close();
}

/// One token stops several calls at once, triggered from a thread that makes none.
#[test]
fn one_token_serves_several_calls() {
    let dir = TempDir::new("token");
    let store = open(&dir, 0);
    let files = small_tree(&dir.join("src"), 9);
    store.snapshot(snapshot_request("vm", "v1", &dir.join("src"), &files)).unwrap();
    let token = CancelToken::new().unwrap();
    thread::scope(|scope| {
        scope.spawn(|| token.cancel()).join().unwrap();
        let calls: Vec<_> = (0..4)
            .map(|i| {
                let (store, token, out) = (&store, &token, dir.join(&format!("out{i}")));
                scope.spawn(move || store.restore(RestoreRequest::new("vm", "v1").output_dir(out).cancel(token)))
            })
            .collect();
        for call in calls {
            assert_eq!(call.join().unwrap().unwrap_err().kind(), ErrorKind::Cancelled);
        }
    });
    assert!(token.is_cancelled());
}
