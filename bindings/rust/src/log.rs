//! The process's log hook: what no call returns (background collector failures, clean-ups a call could
//! not finish) goes to one logger per process.
use std::ffi::{c_char, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Mutex, PoisonError};

use crate::error::{check, Result};
use crate::sys;

/// How much a log message matters. A logger set for a level receives that level's messages and those
/// of the more important levels (`Error` is the most important).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum LogLevel {
    /// Something failed that no call returns, such as a background collection.
    Error,
    /// A call succeeded but left something out (a socket in a tree, a skipped device) or left
    /// something for a later open or collection to clean up.
    Warning,
    /// What background work did.
    Info,
    /// Detail, such as background collections that found nothing to do.
    Debug,
}

impl LogLevel {
    fn to_raw(self) -> sys::snapshotter_log_level {
        match self {
            LogLevel::Error => sys::SNAPSHOTTER_LOG_ERROR,
            LogLevel::Warning => sys::SNAPSHOTTER_LOG_WARNING,
            LogLevel::Info => sys::SNAPSHOTTER_LOG_INFO,
            LogLevel::Debug => sys::SNAPSHOTTER_LOG_DEBUG,
        }
    }

    /// A level a later library adds is a kind of detail this binding cannot rank: `Debug`.
    fn from_raw(level: sys::snapshotter_log_level) -> LogLevel {
        match level {
            sys::SNAPSHOTTER_LOG_ERROR => LogLevel::Error,
            sys::SNAPSHOTTER_LOG_WARNING => LogLevel::Warning,
            sys::SNAPSHOTTER_LOG_INFO => LogLevel::Info,
            _ => LogLevel::Debug,
        }
    }
}

type Logger = Box<dyn Fn(LogLevel, &str) + Send + Sync>;

/// The logger the library calls now, boxed twice so that its payload is a thin pointer. The lock orders
/// the library's hook and the logger's replacement: a logger is dropped only once the library is done
/// with it.
static LOGGER: Mutex<Option<Box<Logger>>> = Mutex::new(None);

/// Makes `logger` the process's log hook for `level` and the more important levels, replacing any
/// previous one. It runs on library threads, possibly on several at once, and must not call
/// [`set_logger`] or [`clear_logger`] (that would wait for itself); a panic in it is caught and loses
/// its message. When this returns, the previous logger is not running and has been dropped.
pub fn set_logger(level: LogLevel, logger: impl Fn(LogLevel, &str) + Send + Sync + 'static) -> Result<()> {
    install(level.to_raw(), Some(Box::new(Box::new(logger))))
}

/// Turns logging off; when this returns, the previous logger is not running and has been dropped.
pub fn clear_logger() -> Result<()> {
    install(sys::SNAPSHOTTER_LOG_NONE, None)
}

fn install(level: sys::snapshotter_log_level, logger: Option<Box<Logger>>) -> Result<()> {
    let mut current = LOGGER.lock().unwrap_or_else(PoisonError::into_inner);
    let (callback, payload): (sys::snapshotter_log_cb, *mut c_void) = match &logger {
        Some(boxed) => (Some(trampoline), ptr::from_ref::<Logger>(boxed).cast_mut().cast()),
        None => (None, ptr::null_mut()),
    };
    // SAFETY: payload points into the heap allocation of `logger`, which is kept in LOGGER below until
    // a later install replaces it, and that install's snapshotter_log_set returns only once the library
    // no longer runs or will run the hook with this payload.
    check(|err| unsafe { sys::snapshotter_log_set(level, callback, payload, err) })?;
    *current = logger;
    Ok(())
}

unsafe extern "C" fn trampoline(level: sys::snapshotter_log_level, message: *const c_char, payload: *mut c_void) {
    // SAFETY: payload is the Logger that install registered, alive until the library is done with it.
    let logger = unsafe { &*payload.cast::<Logger>() };
    // SAFETY: the library passes a NUL-terminated string valid for the duration of the call.
    let message = unsafe { CStr::from_ptr(message) }.to_string_lossy();
    // A panic must not unwind into the library's thread, and no caller is there to receive it.
    let _ = catch_unwind(AssertUnwindSafe(|| logger(LogLevel::from_raw(level), &message)));
}
