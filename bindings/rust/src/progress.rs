use std::any::Any;
use std::ffi::{c_int, c_void};
use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};

use crate::sys;

/// How far a call has got (`snapshotter_progress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Files finished so far.
    pub files_done: u64,
    /// Files the call works on; fixed for the call.
    pub files_total: u64,
    /// Bytes finished so far (holes and files that needed no work count as done).
    pub bytes_done: u64,
    /// Logical bytes of all files; fixed for the call.
    pub bytes_total: u64,
}

/// A progress closure: `ControlFlow::Break(())` cancels the call.
pub(crate) type ProgressFn<'a> = Box<dyn FnMut(&Progress) -> ControlFlow<()> + Send + 'a>;

/// The payload of one call's progress callback: the closure, and its panic if it panicked.
pub(crate) struct ProgressSink<'a> {
    callback: ProgressFn<'a>,
    panic: Option<Box<dyn Any + Send>>,
}

impl<'a> ProgressSink<'a> {
    pub fn new(callback: ProgressFn<'a>) -> ProgressSink<'a> {
        ProgressSink { callback, panic: None }
    }

    /// The callback and payload for a request struct; valid while `self` is neither moved nor dropped.
    pub fn raw(&mut self) -> (sys::snapshotter_progress_cb, *mut c_void) {
        (Some(trampoline), (self as *mut ProgressSink<'a>).cast())
    }

    /// After the call: a panic of the closure continues on the calling thread.
    pub fn resume_panic(self) {
        if let Some(payload) = self.panic {
            panic::resume_unwind(payload);
        }
    }
}

/// The library's progress callback. A panic must not unwind into the library's thread: it is caught,
/// kept for the caller and cancels the call; the closure is not called again.
unsafe extern "C" fn trampoline(progress: *const sys::snapshotter_progress, payload: *mut c_void) -> c_int {
    // SAFETY: payload is the ProgressSink that `raw` handed out, alive until the call returns (the call
    // holds it); the library never runs two callbacks of one call at once, so this is the only reference.
    let sink = unsafe { &mut *payload.cast::<ProgressSink<'_>>() };
    if sink.panic.is_some() {
        return 1;
    }
    // SAFETY: the library passes a valid snapshotter_progress for the duration of the callback.
    let raw = unsafe { *progress };
    let progress = Progress {
        files_done: raw.files_done,
        files_total: raw.files_total,
        bytes_done: raw.bytes_done,
        bytes_total: raw.bytes_total,
    };
    match panic::catch_unwind(AssertUnwindSafe(|| (sink.callback)(&progress))) {
        Ok(ControlFlow::Continue(())) => 0,
        Ok(ControlFlow::Break(())) => 1,
        Err(payload) => {
            sink.panic = Some(payload);
            1
        }
    }
}
