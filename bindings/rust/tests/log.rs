//! The log hook from Rust: a background collection that fails is reported through it, replacing the
//! logger waits for the running one, and a panicking logger does not take the library down.
mod common;

use std::fs;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{TempDir, WAIT_LIMIT};
use snapshotter::{clear_logger, set_logger, GcOptions, LogLevel, Options, Snapshotter};

/// The logger is per process: these tests take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn collecting_every_second(dir: &TempDir) -> Snapshotter {
    let gc = GcOptions::default().interval(Duration::from_secs(1));
    Snapshotter::open(&Options::new(dir.join("root")).gc(gc)).expect("open")
}

#[test]
fn a_failing_background_collection_is_logged() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (errors, received) = mpsc::channel();
    let errors = Mutex::new(errors);
    set_logger(LogLevel::Warning, move |level, message| {
        if level == LogLevel::Error {
            let _ = errors.lock().unwrap().send(message.to_string());
        }
    })
    .unwrap();
    let dir = TempDir::new("log");
    let store = collecting_every_second(&dir);
    // The collector's lock file replaced by a directory: every collection fails with IO.
    let lock = dir.join("root/metadata/collector.lock");
    let _ = fs::remove_file(&lock);
    fs::create_dir(&lock).unwrap();
    let message = received.recv_timeout(WAIT_LIMIT).expect("no error logged for a failing background collection");
    let root = fs::canonicalize(dir.join("root")).unwrap();
    assert!(message.contains("background garbage collection") && message.contains(root.to_str().unwrap()), "{message}");
    drop(store);
    clear_logger().unwrap();
}

#[test]
fn replacing_the_logger_waits_for_it_and_drops_it() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let running = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let (first, called) = mpsc::channel();
    let first = Mutex::new(first);
    let (in_logger, count) = (Arc::clone(&running), Arc::clone(&calls));
    set_logger(LogLevel::Debug, move |_, _| {
        in_logger.store(true, Ordering::SeqCst);
        count.fetch_add(1, Ordering::SeqCst);
        let _ = first.lock().unwrap().send(());
        std::thread::sleep(Duration::from_millis(200));
        in_logger.store(false, Ordering::SeqCst);
    })
    .unwrap();
    let dir = TempDir::new("log");
    let store = collecting_every_second(&dir);
    called.recv_timeout(WAIT_LIMIT).expect("no debug message");
    clear_logger().unwrap();
    assert!(!running.load(Ordering::SeqCst), "clear_logger returned while the logger was running");
    assert_eq!(Arc::strong_count(&running), 1, "the replaced logger was not dropped");
    let after = calls.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(calls.load(Ordering::SeqCst), after, "the replaced logger was called again");
    drop(store);
}

#[test]
fn a_panicking_logger_loses_its_message_only() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let calls = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&calls);
    set_logger(LogLevel::Debug, move |_, _| {
        count.fetch_add(1, Ordering::SeqCst);
        panic!("a logger that panics");
    })
    .unwrap();
    let dir = TempDir::new("log");
    let store = collecting_every_second(&dir);
    let deadline = std::time::Instant::now() + WAIT_LIMIT;
    while calls.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(calls.load(Ordering::SeqCst) >= 2, "the collector stopped logging after a panic");
    assert_eq!(store.list(snapshotter::ListRequest::new()).unwrap().len(), 0);
    drop(store);
    clear_logger().unwrap();
}
