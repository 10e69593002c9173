use std::ffi::c_char;

use crate::arena::Arena;
use crate::error::Result;

/// Which existing snapshot a call acts on: a reference ("name:version", "name@latest",
/// "name@<RFC 3339 time>") or a name and version. Requests hold one, so they can never carry both.
#[derive(Debug, Clone)]
pub(crate) enum Selector {
    Reference(String),
    NameVersion(String, String),
}

impl Selector {
    /// Writes the request struct's `ref`, `name` and `snapshot_version` fields.
    pub fn write(
        &self,
        arena: &mut Arena,
        reference: &mut *const c_char,
        name: &mut *const c_char,
        version: &mut *const c_char,
    ) -> Result<()> {
        match self {
            Selector::Reference(value) => *reference = arena.str(value, "ref")?,
            Selector::NameVersion(n, v) => {
                *name = arena.str(n, "name")?;
                *version = arena.str(v, "snapshot_version")?;
            }
        }
        Ok(())
    }
}
