use std::ffi::CStr;
use std::fmt;
use std::ptr;

use crate::sys;

/// What kind of failure an [`Error`] is: the library's result code.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An argument, option or request field is missing or malformed; nothing was written.
    InvalidArgument,
    /// A snapshot, file or content object does not exist.
    NotFound,
    /// The snapshot name:version exists, or a differing file is in the way of a restore.
    AlreadyExists,
    /// Cancelled through a [`crate::CancelToken`] or the progress closure; nothing partial is visible.
    Cancelled,
    /// An operating-system call failed; the message names the path.
    Io,
    /// Stored or received data does not match its digest or is malformed.
    Corrupt,
    /// The operating system refused access (EACCES, EPERM, EROFS).
    PermissionDenied,
    /// The filesystem is full (ENOSPC, EDQUOT).
    NoSpace,
    /// Something this library or filesystem does not support.
    Unsupported,
    /// The handle was closed while the call was in flight.
    Closed,
    /// A remote service (a registry or its token service, dfdaemon) refused the credentials, or a registry's
    /// TLS certificate is not trusted.
    Unauthenticated,
    /// A remote service could not be reached or failed (a registry: kept failing until the retries ran out).
    Unavailable,
    /// A remote service did not answer in time (a registry: on every attempt).
    Timeout,
    /// The object is not in the state the call needs (containerd's failed precondition): a lifecycle snapshot
    /// with children removed, a parent that is not committed, a view committed.
    FailedPrecondition,
    /// A bug in the library; the message says what happened.
    Internal,
    /// A code this binding does not know, from a newer library: see [`Error::code`].
    Other,
}

impl ErrorKind {
    fn from_code(code: sys::snapshotter_code) -> ErrorKind {
        match code {
            sys::SNAPSHOTTER_ERROR_INVALID_ARGUMENT => ErrorKind::InvalidArgument,
            sys::SNAPSHOTTER_ERROR_NOT_FOUND => ErrorKind::NotFound,
            sys::SNAPSHOTTER_ERROR_ALREADY_EXISTS => ErrorKind::AlreadyExists,
            sys::SNAPSHOTTER_ERROR_CANCELLED => ErrorKind::Cancelled,
            sys::SNAPSHOTTER_ERROR_IO => ErrorKind::Io,
            sys::SNAPSHOTTER_ERROR_CORRUPT => ErrorKind::Corrupt,
            sys::SNAPSHOTTER_ERROR_PERMISSION_DENIED => ErrorKind::PermissionDenied,
            sys::SNAPSHOTTER_ERROR_NO_SPACE => ErrorKind::NoSpace,
            sys::SNAPSHOTTER_ERROR_UNSUPPORTED => ErrorKind::Unsupported,
            sys::SNAPSHOTTER_ERROR_CLOSED => ErrorKind::Closed,
            sys::SNAPSHOTTER_ERROR_UNAUTHENTICATED => ErrorKind::Unauthenticated,
            sys::SNAPSHOTTER_ERROR_UNAVAILABLE => ErrorKind::Unavailable,
            sys::SNAPSHOTTER_ERROR_TIMEOUT => ErrorKind::Timeout,
            sys::SNAPSHOTTER_ERROR_FAILED_PRECONDITION => ErrorKind::FailedPrecondition,
            sys::SNAPSHOTTER_ERROR_INTERNAL => ErrorKind::Internal,
            _ => ErrorKind::Other,
        }
    }
}

/// A failed call: the library's code and its message, which names the offending field, path or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: sys::snapshotter_code,
    message: String,
}

/// The result of a library call.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The kind of failure, from the code.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_code(self.code)
    }

    /// The library's `snapshotter_code` value.
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The library's message, naming the offending field, path or digest.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn new(code: sys::snapshotter_code, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Error {
        Error::new(sys::SNAPSHOTTER_ERROR_INTERNAL, message)
    }

    /// Takes the library's error object (which may be NULL) and frees it.
    ///
    /// # Safety
    /// `err` is NULL or an error object from the library that nothing else frees.
    unsafe fn from_raw(code: sys::snapshotter_code, err: *mut sys::snapshotter_error) -> Error {
        // SAFETY: snapshotter_error_message accepts NULL and returns a NUL-terminated string owned by
        // err (or a static one), valid until the free below; it is copied first.
        let message = unsafe { CStr::from_ptr(sys::snapshotter_error_message(err)) }.to_string_lossy().into_owned();
        // SAFETY: err is ours to free (the caller's contract); free accepts NULL.
        unsafe { sys::snapshotter_error_free(err) };
        Error { code, message }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", crate::code_name(self.code), self.message)
    }
}

impl std::error::Error for Error {}

/// Makes a fallible library call whose last argument is `snapshotter_error **err`, and turns its result
/// into a Result. The library writes *err only when the call fails.
pub(crate) fn check(call: impl FnOnce(*mut *mut sys::snapshotter_error) -> sys::snapshotter_code) -> Result<()> {
    let mut err = ptr::null_mut();
    match call(&mut err) {
        sys::SNAPSHOTTER_OK => Ok(()),
        // SAFETY: err is NULL or the error object the failed call handed over to us.
        code => Err(unsafe { Error::from_raw(code, err) }),
    }
}
