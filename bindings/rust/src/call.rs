use std::ffi::c_void;
use std::ops::ControlFlow;
use std::ptr;

use crate::cancel::CancelToken;
use crate::error::Result;
use crate::progress::{Progress, ProgressSink};
use crate::sys;

/// What every long call takes besides its own fields: a progress closure and a cancellation token.
/// Request builders embed one and get their `progress` and `cancel` methods from `call_control!`.
#[derive(Default)]
pub(crate) struct CallControl<'a> {
    progress: Option<ProgressSink<'a>>,
    cancel: Option<&'a CancelToken>,
}

impl<'a> CallControl<'a> {
    pub fn set_progress(&mut self, callback: impl FnMut(&Progress) -> ControlFlow<()> + Send + 'a) {
        self.progress = Some(ProgressSink::new(Box::new(callback)));
    }

    pub fn set_cancel(&mut self, token: &'a CancelToken) {
        self.cancel = Some(token);
    }

    /// The request struct's progress, progress_payload and cancel fields, valid while `self` is
    /// neither moved nor dropped.
    pub fn raw(&mut self) -> (sys::snapshotter_progress_cb, *mut c_void, *mut sys::snapshotter_cancel) {
        let (progress, payload) = self.progress.as_mut().map_or((None, ptr::null_mut()), ProgressSink::raw);
        (progress, payload, self.cancel.map_or(ptr::null_mut(), CancelToken::as_ptr))
    }

    /// After the call: a panic of the progress closure continues here, else the call's result.
    pub fn finish<T>(self, result: Result<T>) -> Result<T> {
        if let Some(sink) = self.progress {
            sink.resume_panic();
        }
        result
    }
}

impl std::fmt::Debug for CallControl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallControl").field("progress", &self.progress.is_some()).field("cancel", &self.cancel).finish()
    }
}

/// The `progress` and `cancel` builder methods of a request type with a `control: CallControl` field.
macro_rules! call_control {
    ($request:ident) => {
        impl<'a> $request<'a> {
            /// Called as work advances, on a library thread, never concurrently with itself for one
            /// call. Return `ControlFlow::Break(())` to cancel the call.
            pub fn progress(
                mut self,
                callback: impl FnMut(&$crate::Progress) -> std::ops::ControlFlow<()> + Send + 'a,
            ) -> Self {
                self.control.set_progress(callback);
                self
            }

            /// Cancels the call when `token` is triggered, from any thread.
            pub fn cancel(mut self, token: &'a $crate::CancelToken) -> Self {
                self.control.set_cancel(token);
                self
            }
        }
    };
}
pub(crate) use call_control;
