use std::any::Any;
use std::ffi::{c_char, c_uint, CString};
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr;

use crate::error::{Error, Result};
use crate::sys;

/// Owns the C copies of one call's inputs (strings, nested structs, arrays) until the call has returned.
/// The pointers it hands out stay valid while it lives: they point into heap allocations that moving
/// the arena, or growing its vectors, does not move.
#[derive(Default)]
pub(crate) struct Arena {
    strings: Vec<CString>,
    values: Vec<Box<dyn Any>>,
}

impl Arena {
    /// A C copy of a string field; a NUL byte would cut it short, so it is an error naming the field.
    pub fn str(&mut self, value: &str, field: &str) -> Result<*const c_char> {
        self.bytes(value.as_bytes(), field)
    }

    /// Like [`Arena::str`]; None is NULL, "not given".
    pub fn optional_str(&mut self, value: Option<&str>, field: &str) -> Result<*const c_char> {
        value.map_or(Ok(ptr::null()), |value| self.str(value, field))
    }

    /// Like [`Arena::optional_str`] for a value that must not appear in errors (a password).
    pub fn secret(&mut self, value: Option<&str>, field: &str) -> Result<*const c_char> {
        match value {
            Some(value) if value.contains('\0') => {
                Err(Error::new(sys::SNAPSHOTTER_ERROR_INVALID_ARGUMENT, format!("{field} contains a NUL byte")))
            }
            _ => self.optional_str(value, field),
        }
    }

    /// A C copy of a path field, bytes as they are (the library checks they are UTF-8).
    pub fn path(&mut self, value: &Path, field: &str) -> Result<*const c_char> {
        self.bytes(value.as_os_str().as_bytes(), field)
    }

    /// Like [`Arena::path`]; None is NULL, "not given".
    pub fn optional_path(&mut self, value: Option<&Path>, field: &str) -> Result<*const c_char> {
        value.map_or(Ok(ptr::null()), |path| self.path(path, field))
    }

    fn bytes(&mut self, value: &[u8], field: &str) -> Result<*const c_char> {
        let copy = CString::new(value).map_err(|_| {
            Error::new(
                sys::SNAPSHOTTER_ERROR_INVALID_ARGUMENT,
                format!("{field} {:?} contains a NUL byte", String::from_utf8_lossy(value)),
            )
        })?;
        let pointer = copy.as_ptr();
        self.strings.push(copy);
        Ok(pointer)
    }

    /// Keeps a nested struct for the call; the pointer is what the parent struct refers to.
    pub fn keep<T: 'static>(&mut self, value: T) -> *const T {
        let boxed = Box::new(value);
        let pointer: *const T = &*boxed;
        self.values.push(boxed);
        pointer
    }

    /// Keeps an array for the call; NULL when empty.
    pub fn keep_slice<T: 'static>(&mut self, values: Vec<T>) -> *const T {
        if values.is_empty() {
            return ptr::null();
        }
        let pointer = values.as_ptr();
        self.values.push(Box::new(values));
        pointer
    }
}

/// An object the library allocated (a list, an inspection), freed with its `*_free()` when dropped.
pub(crate) struct LibraryObject<T> {
    raw: *mut T,
    free: unsafe extern "C" fn(*mut T),
}

impl<T> LibraryObject<T> {
    pub fn new(raw: *mut T, free: unsafe extern "C" fn(*mut T)) -> LibraryObject<T> {
        LibraryObject { raw, free }
    }

    pub fn as_ptr(&self) -> *const T {
        self.raw
    }
}

impl<T> Drop for LibraryObject<T> {
    fn drop(&mut self) {
        // SAFETY: raw came from the library call that `free` belongs to, is freed once, here; the
        // *_free functions accept NULL.
        unsafe { (self.free)(self.raw) }
    }
}

/// A struct set up by its `*_init()` function, which writes the version and every default (fields a
/// newer header adds included). Failure means the loaded library is older than these declarations.
pub(crate) fn init<T>(
    init: unsafe extern "C" fn(*mut T, c_uint) -> sys::snapshotter_code,
    version: c_uint,
    name: &str,
) -> Result<T> {
    let mut value = MaybeUninit::<T>::uninit();
    // SAFETY: init writes the whole struct when it returns OK and nothing otherwise; T is the struct
    // the function initialises (the declarations in sys pair them).
    match unsafe { init(value.as_mut_ptr(), version) } {
        // SAFETY: OK means every field was written.
        sys::SNAPSHOTTER_OK => Ok(unsafe { value.assume_init() }),
        code => Err(Error::new(
            code,
            format!("{name}_init({version}) failed: the loaded library is older than this binding"),
        )),
    }
}
