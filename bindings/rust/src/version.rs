use std::ffi::CStr;

use crate::sys;

/// The version of the header this binding was built against ("0.1.0").
pub const HEADER_VERSION: &str = sys::SNAPSHOTTER_VERSION_STRING;
/// The same as MAJOR * 1000000 + MINOR * 1000 + PATCH.
pub const HEADER_VERSION_NUMBER: u32 = sys::SNAPSHOTTER_VERSION_NUMBER;

/// The version of the library actually loaded ("0.1.0").
pub fn version() -> &'static str {
    // SAFETY: snapshotter_version returns a static NUL-terminated string.
    static_str(unsafe { sys::snapshotter_version() })
}

/// The loaded library's MAJOR * 1000000 + MINOR * 1000 + PATCH.
pub fn version_number() -> u32 {
    // SAFETY: no arguments, no preconditions.
    unsafe { sys::snapshotter_version_number() }
}

/// A code's name without prefix ("NOT_FOUND"), "UNKNOWN" for codes the loaded library does not define.
pub fn code_name(code: i32) -> &'static str {
    // SAFETY: snapshotter_code_name accepts any value and returns a static NUL-terminated string.
    static_str(unsafe { sys::snapshotter_code_name(code) })
}

fn static_str(pointer: *const std::ffi::c_char) -> &'static str {
    // SAFETY: the callers pass the library's static strings, which live as long as the process (the
    // library is linked with NODELETE) and are ASCII.
    unsafe { CStr::from_ptr(pointer) }.to_str().unwrap_or("?")
}
