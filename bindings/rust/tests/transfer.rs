mod common;

use std::fs;
use std::io::{Seek, SeekFrom};
use std::os::unix::net::UnixStream;
use std::thread;

use common::{open, same_file, write, TempDir};
use snapshotter::{ErrorKind, ExportRequest, FileFlags, ImportRequest, InspectRequest, SnapshotRequest};

#[test]
fn export_and_import_through_a_file_a_socket_and_a_directory() {
    let dir = TempDir::new("transfer");
    let src = dir.join("src");
    write(&src.join("config.json"), b"{}\n", 0o640);
    write(&src.join("model.bin"), &common::pseudo_random(300_000, 7), 0o444);
    let store = open(&dir, 0);
    store
        .snapshot(
            SnapshotRequest::new("app", "v1", &src)
                .file("config.json", FileFlags::empty())
                .file("model.bin", FileFlags::READ_ONLY),
        )
        .unwrap();
    let want = store.inspect(InspectRequest::reference("app:v1")).unwrap();
    let other = snapshotter::Snapshotter::open(&snapshotter::Options::new(dir.join("other"))).unwrap();

    let mut file = fs::File::options().read(true).write(true).create_new(true).open(dir.join("app.tar")).unwrap();
    let stats = store.export(ExportRequest::reference("app:v1").to_fd(&file)).unwrap();
    assert_eq!(stats.bytes_written, file.metadata().unwrap().len());
    file.seek(SeekFrom::Start(0)).unwrap();
    let (got, stats) = other.import(ImportRequest::from_fd(&file)).unwrap();
    assert!(got.files == want.files && stats.files == 2, "{got:?}");

    let (sender, receiver) = UnixStream::pair().unwrap();
    let exporting = thread::scope(|scope| {
        let exporter = scope.spawn(|| {
            let result = store.export(ExportRequest::new("app", "v1").to_fd(&sender).gzip());
            drop(sender);
            result
        });
        let imported = other.import(ImportRequest::from_fd(&receiver).rename("piped", "v2")).unwrap();
        assert!(imported.0.snapshot.name == "piped" && imported.0.files == want.files);
        exporter.join().unwrap()
    });
    exporting.unwrap();

    let exported = dir.join("exported");
    store.export(ExportRequest::reference("app@latest").to_dir(&exported)).unwrap();
    same_file(&src.join("config.json"), &exported.join("files/config.json"));
    let (got, _) = other.import(ImportRequest::from_dir(&exported).rename("from-dir", "v1")).unwrap();
    assert_eq!(got.files, want.files);

    fs::remove_file(exported.join("snapshot.json")).unwrap();
    let error = other.import(ImportRequest::from_dir(&exported).rename("again", "v1")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Corrupt, "{error}");
    let error = store.export(ExportRequest::reference("app:v1")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{error}");
}
