use std::ptr::{self, NonNull};

use crate::error::{check, Error, Result};
use crate::sys;

/// A cancellation token (`snapshotter_cancel`): give it to requests with their `cancel` method, then
/// call [`CancelToken::cancel`] from any thread to make those calls fail with
/// [`crate::ErrorKind::Cancelled`] as soon as possible. One token may serve several calls.
#[derive(Debug)]
pub struct CancelToken {
    raw: NonNull<sys::snapshotter_cancel>,
}

// SAFETY: the header makes snapshotter_cancel_trigger thread-safe and idempotent, and
// snapshotter_cancel_is_triggered a read; the token is freed only in Drop, and requests borrow it for
// the duration of their call, so it outlives every call given it.
unsafe impl Send for CancelToken {}
// SAFETY: as for Send; `&CancelToken` allows only trigger and is_triggered.
unsafe impl Sync for CancelToken {}

impl CancelToken {
    /// A token not triggered yet.
    pub fn new() -> Result<CancelToken> {
        let mut token = ptr::null_mut();
        // SAFETY: token is written only on success.
        check(|err| unsafe { sys::snapshotter_cancel_new(&mut token, err) })?;
        let raw =
            NonNull::new(token).ok_or_else(|| Error::internal("snapshotter_cancel_new succeeded without a token"))?;
        Ok(CancelToken { raw })
    }

    /// Cancels every call given this token, now and later. Thread-safe and idempotent.
    pub fn cancel(&self) {
        // SAFETY: the token is live (freed only in Drop); trigger is thread-safe.
        unsafe { sys::snapshotter_cancel_trigger(self.raw.as_ptr()) }
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        // SAFETY: the token is live; is_triggered only reads it.
        unsafe { sys::snapshotter_cancel_is_triggered(self.raw.as_ptr()) != 0 }
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::snapshotter_cancel {
        self.raw.as_ptr()
    }
}

impl Drop for CancelToken {
    fn drop(&mut self) {
        // SAFETY: freed once; no call can still use it, since requests borrow the token for their call.
        unsafe { sys::snapshotter_cancel_free(self.raw.as_ptr()) }
    }
}
