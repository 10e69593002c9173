//! The tree-fidelity suite's program for the Rust binding (tests/c/tree_fidelity_test.sh): snapshots a
//! whole directory into a store and restores it into another directory. The library's warnings (such as
//! a skipped socket) go to stderr.
//!
//! ```text
//! tree_roundtrip ROOT BASE_DIR OUTPUT_DIR
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use snapshotter::{set_logger, FileFlags, LogLevel, Options, RestoreRequest, SnapshotRequest, Snapshotter};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [root, base_dir, output_dir] = args.as_slice() else {
        eprintln!("usage: tree_roundtrip ROOT BASE_DIR OUTPUT_DIR");
        return ExitCode::from(2);
    };
    let result = set_logger(LogLevel::Warning, |_, message| eprintln!("warning: {message}"))
        .and_then(|()| Snapshotter::open(&Options::new(root)))
        .and_then(|store| {
            let stats = store.snapshot(SnapshotRequest::new("tree", "rust", base_dir).file(".", FileFlags::empty()))?;
            println!("snapshot: {} entries, {} bytes", stats.files, stats.bytes);
            store.restore(RestoreRequest::reference("tree:rust").output_dir(output_dir))
        });
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tree_roundtrip: {err}");
            ExitCode::FAILURE
        }
    }
}
