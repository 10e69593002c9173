//! Snapshots files of a directory into a store.
//!
//!     snapshot ROOT NAME VERSION BASE_DIR [--ro] FILE... [--rw] FILE...
//!
//! Files after --ro are read-only (hardlinked into the store), after --rw (the default) copied.
use std::process::ExitCode;

use snapshotter::{FileFlags, Options, SnapshotRequest, Snapshotter};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!("usage: {} ROOT NAME VERSION BASE_DIR [--ro] FILE... [--rw] FILE...", args[0]);
        return ExitCode::from(2);
    }
    let mut request = SnapshotRequest::new(&args[2], &args[3], &args[4]);
    let mut flags = FileFlags::empty();
    for arg in &args[5..] {
        match arg.as_str() {
            "--ro" => flags = FileFlags::READ_ONLY,
            "--rw" => flags = FileFlags::empty(),
            path => request = request.file(path, flags),
        }
    }

    let result = Snapshotter::open(&Options::new(&args[1])).and_then(|store| store.snapshot(request));
    match result {
        Ok(stats) => {
            println!(
                "{}:{}: {} files, {} bytes ({} hardlinked, {} already stored)",
                args[2], args[3], stats.files, stats.bytes, stats.files_linked, stats.files_reused
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            // The message names the offending field, path or digest.
            eprintln!("snapshot: {err}");
            ExitCode::FAILURE
        }
    }
}
