use std::path::{Path, PathBuf};

use crate::arena::{init, Arena};
use crate::error::Result;
use crate::sys;

/// Builds `snapshotter_options`: how [`crate::Snapshotter::open`] opens a store.
#[derive(Debug, Clone)]
pub struct Options {
    root_dir: PathBuf,
    concurrency: u32,
    content: Option<ContentOptions>,
}

impl Options {
    /// A store rooted at `root_dir` (created if missing), with every other option at its default.
    pub fn new(root_dir: impl Into<PathBuf>) -> Options {
        Options { root_dir: root_dir.into(), concurrency: 0, content: None }
    }

    /// Files one call processes at once; 0 (the default) means the library's, 5.
    pub fn concurrency(mut self, files: u32) -> Options {
        self.concurrency = files;
        self
    }

    /// Where content lives beyond this machine; without it, content stays in the local store.
    pub fn content(mut self, content: ContentOptions) -> Options {
        self.content = Some(content);
        self
    }

    pub(crate) fn to_raw(&self, arena: &mut Arena) -> Result<sys::snapshotter_options> {
        let mut raw = init(sys::snapshotter_options_init, sys::SNAPSHOTTER_OPTIONS_VERSION, "snapshotter_options")?;
        raw.root_dir = arena.path(&self.root_dir, "root_dir")?;
        raw.concurrency = self.concurrency;
        if let Some(content) = &self.content {
            let content = content.to_raw(arena)?;
            raw.content = arena.keep(content);
        }
        Ok(raw)
    }
}

/// Builds `snapshotter_content_options`: where snapshots publish their content and restores fetch
/// what the local store lacks.
#[derive(Debug, Clone, Default)]
pub struct ContentOptions {
    dir: Option<PathBuf>,
}

impl ContentOptions {
    /// No content location set.
    pub fn new() -> ContentOptions {
        ContentOptions::default()
    }

    /// A directory, local or NFS (absolute path), holding xxh3/<hex> objects.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> ContentOptions {
        self.dir = Some(dir.into());
        self
    }

    fn to_raw(&self, arena: &mut Arena) -> Result<sys::snapshotter_content_options> {
        let mut raw = init(
            sys::snapshotter_content_options_init,
            sys::SNAPSHOTTER_CONTENT_OPTIONS_VERSION,
            "snapshotter_content_options",
        )?;
        raw.dir = arena.optional_path(self.dir.as_deref().map(Path::new), "content.dir")?;
        Ok(raw)
    }
}
