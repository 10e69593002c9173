//! Fixtures shared by the integration tests: temporary directories, small trees and a big one.
#![allow(dead_code)] // Each test binary uses a different part.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use snapshotter::{FileFlags, Options, SnapshotRequest, Snapshotter};

/// Bounds every wait of these tests; reaching it is a failure.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);

/// A directory removed with its content when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "snapshotter-rust-{tag}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub fn open(dir: &TempDir, concurrency: u32) -> Snapshotter {
    Snapshotter::open(&Options::new(dir.join("root")).concurrency(concurrency)).expect("open")
}

pub fn write(path: &Path, data: &[u8], mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, data).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Panics unless `got` has the bytes and permission bits of `want`.
pub fn same_file(want: &Path, got: &Path) {
    let (want_data, got_data) = (fs::read(want).unwrap(), fs::read(got).expect("restored file"));
    assert!(want_data == got_data, "{}: content differs from {}", got.display(), want.display());
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(want), mode(got), "{}: mode", got.display());
}

/// A few bytes that differ with the seed (xorshift).
pub fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// A writable and a read-only file under `dir`, returned as (relative path, flags).
pub fn small_tree(dir: &Path, seed: u64) -> Vec<(&'static str, FileFlags)> {
    write(&dir.join("disk.img"), &pseudo_random(64 * 1024 + (seed as usize % 4096), seed), 0o644);
    write(&dir.join("state/vm.json"), format!("{{\"seed\":{seed}}}").as_bytes(), 0o444);
    vec![("disk.img", FileFlags::empty()), ("state/vm.json", FileFlags::READ_ONLY)]
}

pub fn snapshot_request<'a>(name: &str, version: &str, dir: &Path, files: &[(&str, FileFlags)]) -> SnapshotRequest<'a> {
    files.iter().fold(SnapshotRequest::new(name, version, dir), |request, (path, flags)| request.file(*path, *flags))
}

pub const BIG_FILES: usize = 8;
pub const BIG_FILE_BYTES: usize = 32 << 20;

/// 256 MiB in 8 files, written once into cargo's test scratch directory (under the target dir, kept
/// between runs): enough that a snapshot with concurrency 1 is still working at its first progress
/// report (after 50 ms).
pub fn big() -> &'static Path {
    static BIG: OnceLock<PathBuf> = OnceLock::new();
    BIG.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("big");
        fs::create_dir_all(&dir).unwrap();
        let block = pseudo_random(1 << 20, 42);
        for i in 0..BIG_FILES {
            let path = dir.join(format!("f{i}.bin"));
            if fs::metadata(&path).map(|m| m.len() as usize == BIG_FILE_BYTES).unwrap_or(false) {
                continue;
            }
            let mut data = Vec::with_capacity(BIG_FILE_BYTES);
            for j in 0..BIG_FILE_BYTES >> 20 {
                let stamp = format!("file {i} block {j}\n");
                data.extend_from_slice(stamp.as_bytes());
                data.extend_from_slice(&block[stamp.len()..]);
            }
            // Written under another name and renamed: test binaries running at once never see half a file.
            let temp = dir.join(format!(".f{i}.{}", std::process::id()));
            fs::write(&temp, &data).unwrap();
            fs::rename(&temp, &path).unwrap();
        }
        dir
    })
}

pub fn big_request<'a>(version: &str) -> SnapshotRequest<'a> {
    (0..BIG_FILES).fold(SnapshotRequest::new("big", version, big()), |request, i| {
        request.file(format!("f{i}.bin"), FileFlags::empty())
    })
}

/// Polls `condition` until it holds or WAIT_LIMIT passes; returns whether it held.
pub fn wait_for(mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + WAIT_LIMIT;
    while !condition() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}
