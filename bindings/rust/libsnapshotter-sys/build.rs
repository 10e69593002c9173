//! Finds libsnapshotter: $SNAPSHOTTER_LIB_DIR (with $SNAPSHOTTER_INCLUDE_DIR, default ../include beside
//! it), else pkg-config's libsnapshotter.pc, else the build/ directory of the source tree this crate is in.
//! Only this crate links the library (`links = "snapshotter"`); the directories it found reach the build
//! scripts of crates depending on it as DEP_SNAPSHOTTER_LIB_DIR and DEP_SNAPSHOTTER_INCLUDE_DIR.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    for var in ["SNAPSHOTTER_LIB_DIR", "SNAPSHOTTER_INCLUDE_DIR", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let (lib_dir, include_dir) = locate(&manifest_dir).unwrap_or_else(|| {
        panic!(
            "libsnapshotter not found: run ./build.sh in the source tree, or set SNAPSHOTTER_LIB_DIR to the \
             directory holding libsnapshotter.so, or PKG_CONFIG_PATH to one holding libsnapshotter.pc"
        )
    });
    println!("cargo:rerun-if-changed={}", lib_dir.join("libsnapshotter.so").display());
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=dylib=snapshotter");
    // The tests run from target/: an rpath spares them LD_LIBRARY_PATH.
    println!("cargo:rustc-link-arg-tests=-Wl,-rpath,{}", lib_dir.display());
    // tests/abi.rs compiles a C program against the very header these declarations mirror.
    println!("cargo:rustc-env=SNAPSHOTTER_HEADER={}", include_dir.join("snapshotter.h").display());
    println!("cargo:lib_dir={}", lib_dir.display());
    println!("cargo:include_dir={}", include_dir.display());
}

fn locate(manifest_dir: &Path) -> Option<(PathBuf, PathBuf)> {
    if let Some(lib_dir) = env::var_os("SNAPSHOTTER_LIB_DIR").map(PathBuf::from) {
        let include_dir =
            env::var_os("SNAPSHOTTER_INCLUDE_DIR").map(PathBuf::from).unwrap_or_else(|| lib_dir.join("../include"));
        return Some((lib_dir, include_dir));
    }
    let pkg_config = |variable: &str| -> Option<PathBuf> {
        let output =
            Command::new("pkg-config").args([&format!("--variable={variable}"), "libsnapshotter"]).output().ok()?;
        let value = String::from_utf8(output.stdout).ok()?;
        (output.status.success() && !value.trim().is_empty()).then(|| PathBuf::from(value.trim()))
    };
    if let (Some(lib_dir), Some(include_dir)) = (pkg_config("libdir"), pkg_config("includedir")) {
        return Some((lib_dir, include_dir));
    }
    let build = manifest_dir.join("../../../build");
    build.join("lib/libsnapshotter.so").exists().then(|| (build.join("lib"), build.join("include")))
}
