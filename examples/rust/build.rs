//! The examples run straight from target/: an rpath to the library the binding linked spares them
//! LD_LIBRARY_PATH (the binding's build script says where it found it).
fn main() {
    if let Ok(lib_dir) = std::env::var("DEP_SNAPSHOTTER_LIB_DIR") {
        println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{lib_dir}");
    }
}
