//! The declarations of this crate against the real header: every struct's size, alignment and
//! field offsets, every constant's value, and the set of structs, fields, constants and functions, so
//! that the two cannot drift. A C program generated from the header prints what the C compiler sees.
use std::collections::{BTreeMap, BTreeSet};
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;

use libsnapshotter_sys as sys;

/// A struct as Rust lays it out.
struct Layout {
    name: String,
    size: usize,
    align: usize,
    /// (field, offset) in declaration order.
    fields: Vec<(String, usize)>,
}

macro_rules! layouts {
    ($($name:ident { $($field:ident),* $(,)? })*) => {
        vec![$(Layout {
            name: stringify!($name).to_string(),
            size: size_of::<sys::$name>(),
            align: align_of::<sys::$name>(),
            // A raw identifier (r#ref) is the C field `ref`.
            fields: vec![$((stringify!($field).trim_start_matches("r#").to_string(), offset_of!(sys::$name, $field))),*],
        }),*]
    };
}

/// (constant, value) as Rust declares them.
macro_rules! constants {
    ($($name:ident),* $(,)?) => {
        vec![$((stringify!($name).to_string(), i128::from(sys::$name))),*]
    };
}

fn rust_layouts() -> Vec<Layout> {
    layouts! {
        snapshotter_progress { version, files_done, files_total, bytes_done, bytes_total }
        snapshotter_content_options {
            version, dir, dfdaemon, provider, bucket, region, endpoint, access_key_id, access_key_secret,
            insecure_skip_verify, replica_count, ttl_seconds, timeout_seconds, storage_dir
        }
        snapshotter_registry_options {
            version, url, repository_namespace, username, password, insecure_skip_verify, ca_file, request_timeout_ms,
            max_attempts, retry_time_limit_ms
        }
        snapshotter_gc_options {
            version, flags, interval_seconds, high_watermark_percent, low_watermark_percent, batch_size, max_batches,
            keep_last, min_retention_seconds, max_age_seconds, max_store_bytes, orphan_grace_seconds
        }
        snapshotter_options { version, root_dir, concurrency, content, gc, registry }
        snapshotter_stats {
            version, files, bytes, bytes_read, bytes_written, files_reused, files_linked, elapsed_ns, files_removed
        }
        snapshotter_file { version, relative_path, flags }
        snapshotter_snapshot_request {
            version, name, snapshot_version, base_dir, files, file_count, flags, progress, progress_payload, cancel
        }
        snapshotter_restore_request {
            version, r#ref, name, snapshot_version, output_dir, only, only_count, flags, progress, progress_payload,
            cancel
        }
        snapshotter_snapshot_info {
            version, name, snapshot_version, created_ns, last_used_ns, files, bytes, stored_bytes, flags
        }
        snapshotter_list_request { version, name, flags, cancel }
        snapshotter_file_info { version, relative_path, digest, size, mtime_ns, mode, uid, gid, flags }
        snapshotter_gc_request { version, flags, cancel }
        snapshotter_gc_summary {
            version, dry_run, disk_total_bytes, disk_used_bytes, store_bytes, batches, content_removed,
            content_bytes_freed, orphan_temp_files, orphan_content, orphan_snapshot_files, orphan_records,
            orphan_bytes_freed
        }
        snapshotter_gc_evicted { version, name, snapshot_version, reason, last_used_ns, content_removed, bytes_freed }
        snapshotter_verify_request { version, flags, progress, progress_payload, cancel }
        snapshotter_verify_summary {
            version, snapshots_checked, content_checked, snapshot_files_checked, bytes_checked, unreferenced_content,
            problems_unrepaired
        }
        snapshotter_verify_problem { version, kind, repaired, subject, message }
        snapshotter_inspect_request { version, r#ref, name, snapshot_version }
        snapshotter_delete_request { version, r#ref, name, snapshot_version, flags, cancel }
        snapshotter_delete_stats { version, files, content_freed, bytes_freed, manifests_deleted }
        snapshotter_diff_entry { version, relative_path, kind, reasons }
        snapshotter_diff_request {
            version, r#ref, name, snapshot_version, other_ref, other_dir, progress, progress_payload, cancel
        }
        snapshotter_export_request {
            version, r#ref, name, snapshot_version, fd, output_dir, flags, progress, progress_payload, cancel
        }
        snapshotter_import_request {
            version, name, snapshot_version, fd, input_dir, progress, progress_payload, cancel
        }
        snapshotter_label { version, name, value }
        snapshotter_mount { version, r#type, source, options, option_count }
        snapshotter_lifecycle_info {
            version, kind, key, parent, labels, label_count, created_ns, updated_ns, snapshot_name, snapshot_version
        }
        snapshotter_lifecycle_request { version, key, parent, labels, label_count }
        snapshotter_lifecycle_update_request { version, key, labels, label_count, field_paths, field_path_count }
        snapshotter_lifecycle_walk_request { version, kind, parent, label_name, label_value }
        snapshotter_lifecycle_commit_request {
            version, name, key, labels, label_count, snapshot_name, snapshot_version, progress, progress_payload,
            cancel
        }
        snapshotter_usage { version, bytes, inodes }
    }
}

fn rust_constants() -> Vec<(String, i128)> {
    constants![
        SNAPSHOTTER_VERSION_MAJOR,
        SNAPSHOTTER_VERSION_MINOR,
        SNAPSHOTTER_VERSION_PATCH,
        SNAPSHOTTER_VERSION_NUMBER,
        SNAPSHOTTER_OK,
        SNAPSHOTTER_ERROR_INVALID_ARGUMENT,
        SNAPSHOTTER_ERROR_NOT_FOUND,
        SNAPSHOTTER_ERROR_ALREADY_EXISTS,
        SNAPSHOTTER_ERROR_CANCELLED,
        SNAPSHOTTER_ERROR_IO,
        SNAPSHOTTER_ERROR_CORRUPT,
        SNAPSHOTTER_ERROR_PERMISSION_DENIED,
        SNAPSHOTTER_ERROR_NO_SPACE,
        SNAPSHOTTER_ERROR_UNSUPPORTED,
        SNAPSHOTTER_ERROR_CLOSED,
        SNAPSHOTTER_ERROR_UNAUTHENTICATED,
        SNAPSHOTTER_ERROR_UNAVAILABLE,
        SNAPSHOTTER_ERROR_TIMEOUT,
        SNAPSHOTTER_ERROR_FAILED_PRECONDITION,
        SNAPSHOTTER_ERROR_INTERNAL,
        SNAPSHOTTER_LOG_NONE,
        SNAPSHOTTER_LOG_ERROR,
        SNAPSHOTTER_LOG_WARNING,
        SNAPSHOTTER_LOG_INFO,
        SNAPSHOTTER_LOG_DEBUG,
        SNAPSHOTTER_GC_REASON_DISK_USAGE,
        SNAPSHOTTER_GC_REASON_STORE_SIZE,
        SNAPSHOTTER_GC_REASON_MAX_AGE,
        SNAPSHOTTER_GC_REASON_KEEP_LAST,
        SNAPSHOTTER_PROBLEM_CORRUPT_CONTENT,
        SNAPSHOTTER_PROBLEM_MISSING_CONTENT,
        SNAPSHOTTER_PROBLEM_CORRUPT_SNAPSHOT_FILE,
        SNAPSHOTTER_PROBLEM_MISSING_SNAPSHOT_FILE,
        SNAPSHOTTER_PROBLEM_DANGLING_RECORD,
        SNAPSHOTTER_PROBLEM_UNRESTORABLE_SNAPSHOT,
        SNAPSHOTTER_PROBLEM_STRAY_FILE,
        SNAPSHOTTER_PROBLEM_CORRUPT_METADATA,
        SNAPSHOTTER_CONTENT_OPTIONS_VERSION,
        SNAPSHOTTER_REGISTRY_OPTIONS_VERSION,
        SNAPSHOTTER_OPTIONS_VERSION,
        SNAPSHOTTER_STATS_VERSION,
        SNAPSHOTTER_PROGRESS_VERSION,
        SNAPSHOTTER_FILE_READ_ONLY,
        SNAPSHOTTER_FILE_VERSION,
        SNAPSHOTTER_SNAPSHOT_INFO_VERSION,
        SNAPSHOTTER_FILE_INFO_VERSION,
        SNAPSHOTTER_DIFF_ENTRY_VERSION,
        SNAPSHOTTER_SNAPSHOT_REHASH,
        SNAPSHOTTER_SNAPSHOT_ALLOW_EMPTY,
        SNAPSHOTTER_SNAPSHOT_REQUEST_VERSION,
        SNAPSHOTTER_RESTORE_OVERWRITE,
        SNAPSHOTTER_RESTORE_IN_PLACE,
        SNAPSHOTTER_RESTORE_DELETE_EXTRA,
        SNAPSHOTTER_RESTORE_SKIP_DEVICES,
        SNAPSHOTTER_RESTORE_REHASH,
        SNAPSHOTTER_RESTORE_REQUEST_VERSION,
        SNAPSHOTTER_LIST_REQUEST_VERSION,
        SNAPSHOTTER_FILE_CONTENT_LOCAL,
        SNAPSHOTTER_INSPECT_REQUEST_VERSION,
        SNAPSHOTTER_DELETE_REQUEST_VERSION,
        SNAPSHOTTER_DELETE_STATS_VERSION,
        SNAPSHOTTER_DIFF_ADDED,
        SNAPSHOTTER_DIFF_REMOVED,
        SNAPSHOTTER_DIFF_CHANGED,
        SNAPSHOTTER_DIFF_CONTENT,
        SNAPSHOTTER_DIFF_SIZE,
        SNAPSHOTTER_DIFF_MODE,
        SNAPSHOTTER_DIFF_MTIME,
        SNAPSHOTTER_DIFF_READ_ONLY,
        SNAPSHOTTER_DIFF_OWNER,
        SNAPSHOTTER_DIFF_TYPE,
        SNAPSHOTTER_DIFF_LINK_TARGET,
        SNAPSHOTTER_DIFF_XATTRS,
        SNAPSHOTTER_DIFF_DEVICE,
        SNAPSHOTTER_DIFF_REQUEST_VERSION,
        SNAPSHOTTER_GC_NO_BACKGROUND,
        SNAPSHOTTER_GC_NO_DISK_EVICTION,
        SNAPSHOTTER_GC_NO_MIN_RETENTION,
        SNAPSHOTTER_GC_NO_ORPHAN_GRACE,
        SNAPSHOTTER_GC_OPTIONS_VERSION,
        SNAPSHOTTER_GC_DRY_RUN,
        SNAPSHOTTER_GC_REQUEST_VERSION,
        SNAPSHOTTER_GC_SUMMARY_VERSION,
        SNAPSHOTTER_GC_EVICTED_VERSION,
        SNAPSHOTTER_VERIFY_REPAIR,
        SNAPSHOTTER_VERIFY_REQUEST_VERSION,
        SNAPSHOTTER_VERIFY_SUMMARY_VERSION,
        SNAPSHOTTER_VERIFY_PROBLEM_VERSION,
        SNAPSHOTTER_EXPORT_GZIP,
        SNAPSHOTTER_SNAPSHOT_LOCAL,
        SNAPSHOTTER_SNAPSHOT_REMOTE,
        SNAPSHOTTER_LIST_REMOTE,
        SNAPSHOTTER_DELETE_REMOTE,
        SNAPSHOTTER_EXPORT_REQUEST_VERSION,
        SNAPSHOTTER_IMPORT_REQUEST_VERSION,
        SNAPSHOTTER_LIFECYCLE_VIEW,
        SNAPSHOTTER_LIFECYCLE_ACTIVE,
        SNAPSHOTTER_LIFECYCLE_COMMITTED,
        SNAPSHOTTER_LABEL_VERSION,
        SNAPSHOTTER_MOUNT_VERSION,
        SNAPSHOTTER_LIFECYCLE_INFO_VERSION,
        SNAPSHOTTER_LIFECYCLE_REQUEST_VERSION,
        SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_VERSION,
        SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_VERSION,
        SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_VERSION,
        SNAPSHOTTER_USAGE_VERSION,
    ]
}

fn rust_string_constants() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("SNAPSHOTTER_VERSION_STRING".to_string(), sys::SNAPSHOTTER_VERSION_STRING.to_string()),
        ("SNAPSHOTTER_RESTORE_INCOMPLETE_MARKER".to_string(), sys::SNAPSHOTTER_RESTORE_INCOMPLETE_MARKER.to_string()),
    ])
}

fn header_path() -> PathBuf {
    PathBuf::from(env!("SNAPSHOTTER_HEADER"))
}

fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_string())
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// What the header declares, read from the preprocessor: comments gone, macros listed by -dM.
struct Header {
    structs: BTreeMap<String, Vec<String>>,
    integer_constants: BTreeSet<String>,
    /// Name and the literal's text without its quotes (the header's strings need no escapes).
    string_constants: BTreeMap<String, String>,
    functions: BTreeSet<String>,
}

fn parse_header(path: &Path) -> Header {
    let code = run(Command::new(cc()).args(["-E", "-P", "-x", "c"]).arg(path));
    let macros = run(Command::new(cc()).args(["-E", "-dM", "-x", "c"]).arg(path));

    let mut structs = BTreeMap::new();
    let mut rest = code.as_str();
    while let Some(start) = rest.find("typedef struct ") {
        rest = &rest[start + "typedef struct ".len()..];
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let after_name = rest[name.len()..].trim_start();
        if !name.starts_with("snapshotter") || !after_name.starts_with('{') {
            continue; // a system header's, or an opaque type
        }
        let body = &after_name[1..after_name.find('}').expect("struct body ends")];
        let fields = body
            .split(';')
            .map(str::trim)
            .filter(|declaration| !declaration.is_empty())
            .map(|declaration| {
                // The declared name: the last identifier, or the one after '(*' for a function pointer.
                let declarator = declaration.split("(*").nth(1).map_or(declaration, |d| d.split(')').next().unwrap());
                declarator
                    .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .find(|s| !s.is_empty())
                    .unwrap()
                    .to_string()
            })
            .collect();
        structs.insert(name, fields);
    }

    let mut integer_constants = BTreeSet::new();
    let mut string_constants = BTreeMap::new();
    for line in macros.lines() {
        let mut words = line.splitn(3, ' ');
        let (Some("#define"), Some(name), value) = (words.next(), words.next(), words.next()) else { continue };
        let value = value.unwrap_or("").trim();
        if !name.starts_with("SNAPSHOTTER_") || name.ends_with("_INIT") || value.is_empty() || name == "SNAPSHOTTER_API"
        {
            continue; // not ours, a brace initializer, the include guard or the export attribute
        }
        if let Some(literal) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            string_constants.insert(name.to_string(), literal.to_string());
        } else {
            integer_constants.insert(name.to_string());
        }
    }
    // Enumerators of every enum, which sys declares as integer constants.
    for enum_text in code.split("typedef enum ").skip(1) {
        let enum_body = &enum_text[enum_text.find('{').unwrap() + 1..enum_text.find('}').unwrap()];
        for enumerator in enum_body.split(',') {
            let name = enumerator.split('=').next().unwrap().trim();
            if !name.is_empty() {
                integer_constants.insert(name.to_string());
            }
        }
    }

    // Functions: snapshotter_... directly followed by '(' (typedef'd function pointers read "(*name)(").
    let mut functions = BTreeSet::new();
    for (index, _) in code.match_indices("snapshotter_") {
        let name: String = code[index..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let preceded_by_identifier = code[..index].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if !preceded_by_identifier && code[index + name.len()..].trim_start().starts_with('(') {
            functions.insert(name);
        }
    }
    Header { structs, integer_constants, string_constants, functions }
}

/// Sizes, alignments, offsets and constant values as the C compiler sees them.
fn c_values(header: &Header, dir: &Path) -> BTreeMap<String, i128> {
    let mut program = format!(
        "#include <stdio.h>\n#include <stddef.h>\n#include \"{}\"\nint main(void) {{\n",
        c_string_literal(&header_path())
    );
    for (name, fields) in &header.structs {
        program += &format!("printf(\"size {name} %zu\\n\", sizeof({name}));\n");
        program += &format!("printf(\"align {name} %zu\\n\", _Alignof({name}));\n");
        for field in fields {
            program += &format!("printf(\"offset {name}.{field} %zu\\n\", offsetof({name}, {field}));\n");
        }
    }
    for name in &header.integer_constants {
        program += &format!("printf(\"const {name} %lld\\n\", (long long){name});\n");
    }
    program += "return 0;\n}\n";
    let (source, binary) = (dir.join("layout.c"), dir.join("layout"));
    std::fs::write(&source, program).unwrap();
    run(Command::new(cc()).args(["-std=c11", "-Wall", "-Werror", "-o"]).arg(&binary).arg(&source));
    run(&mut Command::new(&binary))
        .lines()
        .map(|line| {
            let mut words = line.split(' ');
            let (kind, name, value) = (words.next().unwrap(), words.next().unwrap(), words.next().unwrap());
            (format!("{kind} {name}"), value.parse().unwrap())
        })
        .collect()
}

fn c_string_literal(path: &Path) -> String {
    path.display().to_string().replace('\\', "\\\\").replace('"', "\\\"")
}

#[test]
fn sys_mirrors_the_header() {
    let header = parse_header(&header_path());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("abi");
    std::fs::create_dir_all(&dir).unwrap();
    let c = c_values(&header, &dir);
    let mut problems = Vec::new();

    let layouts = rust_layouts();
    let rust_structs: BTreeSet<_> = layouts.iter().map(|layout| layout.name.clone()).collect();
    let c_structs: BTreeSet<_> = header.structs.keys().cloned().collect();
    for name in c_structs.difference(&rust_structs) {
        problems.push(format!("struct {name} is in the header but not in sys (or not in rust_layouts)"));
    }
    for name in rust_structs.difference(&c_structs) {
        problems.push(format!("struct {name} is in rust_layouts but not in the header"));
    }
    for Layout { name, size, align, fields } in &layouts {
        let Some(c_fields) = header.structs.get(name) else { continue };
        let rust_fields: Vec<_> = fields.iter().map(|(field, _)| field.clone()).collect();
        if &rust_fields != c_fields {
            problems.push(format!("{name}: fields {rust_fields:?} in Rust, {c_fields:?} in the header"));
        }
        for (what, rust) in [("size", *size), ("align", *align)] {
            let c_value = c[&format!("{what} {name}")];
            if c_value != rust as i128 {
                problems.push(format!("{what} of {name}: {rust} in Rust, {c_value} in C"));
            }
        }
        for (field, offset) in fields {
            if let Some(&c_offset) = c.get(&format!("offset {name}.{field}")) {
                if c_offset != *offset as i128 {
                    problems.push(format!("offset of {name}.{field}: {offset} in Rust, {c_offset} in C"));
                }
            }
        }
    }

    let constants: BTreeMap<_, _> = rust_constants().into_iter().collect();
    for name in &header.integer_constants {
        match (constants.get(name), c.get(&format!("const {name}"))) {
            (None, _) => {
                problems.push(format!("constant {name} is in the header but not in sys (or not in rust_constants)"))
            }
            (Some(rust), Some(c_value)) if rust != c_value => {
                problems.push(format!("{name}: {rust} in Rust, {c_value} in C"))
            }
            _ => {}
        }
    }
    for name in constants.keys().filter(|name| !header.integer_constants.contains(*name)) {
        problems.push(format!("constant {name} is in sys but not in the header"));
    }
    if header.string_constants != rust_string_constants() {
        problems.push(format!(
            "string constants: {:?} in Rust, {:?} in the header",
            rust_string_constants(),
            header.string_constants
        ));
    }

    // Functions: the names declared in src/lib.rs's extern block, read from its source.
    let sys_source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let rust_functions: BTreeSet<_> =
        sys_source.split("pub fn ").skip(1).map(|rest| rest.split('(').next().unwrap().trim().to_string()).collect();
    for name in header.functions.difference(&rust_functions) {
        problems.push(format!("function {name} is in the header but not declared in src/lib.rs"));
    }
    for name in rust_functions.difference(&header.functions) {
        problems.push(format!("function {name} is declared in src/lib.rs but not in the header"));
    }
    assert!(header.structs.len() >= 7 && header.functions.len() >= 15, "the header parsed to almost nothing");
    assert!(problems.is_empty(), "sys differs from {}:\n  {}", header_path().display(), problems.join("\n  "));
}
