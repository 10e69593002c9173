use std::ptr::{self, NonNull};

use crate::arena::Arena;
use crate::error::{check, Error, Result};
use crate::options::Options;
use crate::sys;

/// An open store: the library's `snapshotter` handle, closed when dropped.
#[derive(Debug)]
pub struct Snapshotter {
    raw: NonNull<sys::snapshotter>,
}

// SAFETY: the header states that a handle may be used from any number of threads at once, and that
// only snapshotter_close must not race with the start of another call. Close happens in Drop, which
// needs the Snapshotter by value: no `&Snapshotter`, hence no call, can exist then. Nothing about the
// handle is tied to the thread that opened it.
unsafe impl Send for Snapshotter {}
// SAFETY: as for Send: every method takes `&self` and the library synchronises concurrent calls.
unsafe impl Sync for Snapshotter {}

impl Snapshotter {
    /// Opens the store at the options' root dir, creating it if needed.
    pub fn open(options: &Options) -> Result<Snapshotter> {
        let mut arena = Arena::default();
        let raw_options = options.to_raw(&mut arena)?;
        let mut handle = ptr::null_mut();
        // SAFETY: raw_options and everything it points to live in `arena` until after the call; the
        // library copies what it keeps. `handle` is written only on success.
        check(|err| unsafe { sys::snapshotter_open(&mut handle, &raw_options, err) })?;
        let raw = NonNull::new(handle).ok_or_else(|| Error::internal("snapshotter_open succeeded without a handle"))?;
        Ok(Snapshotter { raw })
    }

    /// Closes the store now; dropping it does the same.
    pub fn close(self) {}

    pub(crate) fn as_ptr(&self) -> *mut sys::snapshotter {
        self.raw.as_ptr()
    }
}

impl Drop for Snapshotter {
    fn drop(&mut self) {
        // SAFETY: the handle came from snapshotter_open and is closed exactly once, here; Drop has
        // exclusive access, so no call on it is in flight (see the Send/Sync justification).
        unsafe { sys::snapshotter_close(self.raw.as_ptr()) }
    }
}
