//! The tree-fidelity suite's program for the Rust binding (tests/c/tree_fidelity_test.sh): takes a whole
//! directory through one of the ways a tree comes back, with the modes and arguments of
//! tests/tree/roundtrip.c. The snapshot is tree:rust; an import is recorded as imported:rust. The
//! library's warnings (such as a skipped socket) go to stderr.
//!
//! ```text
//! tree_roundtrip restore ROOT BASE_DIR OUTPUT_DIR
//! tree_roundtrip export  ROOT BASE_DIR ARCHIVE
//! tree_roundtrip import  ROOT ARCHIVE OUTPUT_DIR
//! tree_roundtrip publish ROOT BASE_DIR REGISTRY NAMESPACE CONTENT_DIR
//! tree_roundtrip pull    ROOT OUTPUT_DIR REGISTRY NAMESPACE CONTENT_DIR
//! ```

use std::error::Error;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::path::Path;
use std::process::ExitCode;

use snapshotter::{
    set_logger, ContentOptions, ExportRequest, FileFlags, ImportRequest, LogLevel, Options, RegistryOptions,
    RestoreRequest, SnapshotRequest, Snapshotter,
};

const USAGE: &str = "usage: tree_roundtrip restore|export ROOT BASE_DIR OUTPUT_DIR|ARCHIVE
       tree_roundtrip import ROOT ARCHIVE OUTPUT_DIR
       tree_roundtrip publish|pull ROOT BASE_DIR|OUTPUT_DIR REGISTRY NAMESPACE CONTENT_DIR";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mode = args.first().and_then(|mode| mode.to_str()).unwrap_or("");
    let options = match (mode, args.as_slice()) {
        ("restore" | "export" | "import", [_, root, _, _]) => Options::new(root),
        ("publish" | "pull", [_, root, _, registry, namespace, content_dir]) => {
            let (Some(registry), Some(namespace)) = (registry.to_str(), namespace.to_str()) else {
                eprintln!("tree_roundtrip: the registry URL and namespace must be UTF-8");
                return ExitCode::from(2);
            };
            Options::new(root)
                .registry(RegistryOptions::new(registry).namespace(namespace))
                .content(ContentOptions::new().dir(content_dir))
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match roundtrip(&options, mode, &args[2..]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tree_roundtrip: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one mode on the store of `options`; `args` are the mode's arguments after ROOT.
fn roundtrip(options: &Options, mode: &str, args: &[OsString]) -> Result<(), Box<dyn Error>> {
    set_logger(LogLevel::Warning, |_, message| eprintln!("warning: {message}"))?;
    let store = Snapshotter::open(options)?;
    if mode != "import" && mode != "pull" {
        snapshot_tree(&store, &args[0])?;
    }
    match mode {
        "restore" => restore_tree(&store, "tree:rust", &args[1]),
        "export" => {
            let archive = OpenOptions::new().write(true).create_new(true).open(&args[1])?;
            store.export(ExportRequest::reference("tree:rust").to_fd(&archive))?;
            archive.sync_all()?;
            Ok(())
        }
        "import" => {
            let archive = File::open(&args[0])?;
            store.import(ImportRequest::from_fd(&archive).rename("imported", "rust"))?;
            restore_tree(&store, "imported:rust", &args[1])
        }
        "pull" => restore_tree(&store, "tree:rust", &args[0]),
        // publish: the snapshot, published to the registry as it was made.
        _ => Ok(()),
    }
}

/// Snapshots the whole of `base_dir` as tree:rust.
fn snapshot_tree(store: &Snapshotter, base_dir: impl AsRef<Path>) -> Result<(), Box<dyn Error>> {
    let stats =
        store.snapshot(SnapshotRequest::new("tree", "rust", base_dir.as_ref()).file(".", FileFlags::empty()))?;
    println!("snapshot: {} entries, {} bytes", stats.files, stats.bytes);
    Ok(())
}

fn restore_tree(store: &Snapshotter, reference: &str, output_dir: impl AsRef<Path>) -> Result<(), Box<dyn Error>> {
    store.restore(RestoreRequest::reference(reference).output_dir(output_dir.as_ref()))?;
    Ok(())
}
