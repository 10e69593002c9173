//! The tests run from target/: an rpath to the library libsnapshotter-sys linked spares them
//! LD_LIBRARY_PATH (its build script says where it found it).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_SNAPSHOTTER_LIB_DIR");
    if let Ok(lib_dir) = std::env::var("DEP_SNAPSHOTTER_LIB_DIR") {
        println!("cargo:rustc-link-arg-tests=-Wl,-rpath,{lib_dir}");
    }
}
