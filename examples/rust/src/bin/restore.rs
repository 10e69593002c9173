//! Restores a snapshot into a directory, printing progress. A line on stdin (Enter) cancels it
//! cleanly from another thread: nothing partial is left behind, exit status 130.
//!
//!     restore ROOT NAME VERSION OUTPUT_DIR
use std::io::BufRead;
use std::ops::ControlFlow;
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;

use snapshotter::{CancelToken, ErrorKind, Options, RestoreRequest, Snapshotter};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: {} ROOT NAME VERSION OUTPUT_DIR", args[0]);
        return ExitCode::from(2);
    }
    let result = CancelToken::new().map(Arc::new).and_then(|token| {
        let watcher = Arc::clone(&token);
        thread::spawn(move || {
            if std::io::stdin().lock().lines().next().is_some() {
                eprintln!("cancelling");
                watcher.cancel();
            }
        });
        let request = RestoreRequest::new(&args[2], &args[3]).output_dir(&args[4]).cancel(&token).progress(|p| {
            // Runs on a library thread, never concurrently with itself for one call.
            eprintln!(
                "progress: {}/{} files, {}/{} MiB",
                p.files_done,
                p.files_total,
                p.bytes_done >> 20,
                p.bytes_total >> 20
            );
            ControlFlow::Continue(())
        });
        Snapshotter::open(&Options::new(&args[1]))?.restore(request)
    });
    match result {
        Ok(stats) => {
            println!(
                "{}:{}: {} files, {} bytes written, {} hardlinked",
                args[2], args[3], stats.files, stats.bytes_written, stats.files_linked
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("restore: {err}");
            ExitCode::from(if err.kind() == ErrorKind::Cancelled { 130 } else { 1 })
        }
    }
}
