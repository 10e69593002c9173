package snapshotter_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func TestSnapshotAndRestoreRoundTrip(t *testing.T) {
	s := open(t, snapshotter.Options{Concurrency: 2})
	dir := t.TempDir()
	src, out := filepath.Join(dir, "src"), filepath.Join(dir, "out")
	files := smallTree(t, src, 1)

	stats, err := s.Snapshot(context.Background(), snapshotter.SnapshotRequest{
		Name: "vm", Version: "v1", BaseDir: src, Files: files,
	})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	info, _ := os.Stat(filepath.Join(src, "disk.img"))
	if stats.Files != 2 || stats.Bytes < uint64(info.Size()) || stats.FilesLinked != 1 || stats.Elapsed <= 0 {
		t.Fatalf("snapshot stats %+v: want 2 files, one linked, at least %d bytes", stats, info.Size())
	}

	stats, err = s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "vm", Version: "v1", OutputDir: out})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if stats.Files != 2 || stats.FilesReused != 0 {
		t.Fatalf("restore stats %+v: want 2 files, none reused", stats)
	}
	for _, f := range files {
		sameFile(t, filepath.Join(src, f.RelativePath), filepath.Join(out, f.RelativePath))
	}

	stats, err = s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "vm", Version: "v1", OutputDir: out})
	if err != nil || stats.FilesReused != 2 || stats.BytesWritten != 0 {
		t.Fatalf("restoring over an identical tree: %+v, %v; want both files reused, nothing written", stats, err)
	}
}

func TestRestoreOverwriteReplacesDifferingFiles(t *testing.T) {
	s := open(t, snapshotter.Options{})
	dir := t.TempDir()
	src, out := filepath.Join(dir, "src"), filepath.Join(dir, "out")
	files := smallTree(t, src, 2)
	if _, err := s.Snapshot(context.Background(), snapshotter.SnapshotRequest{Name: "vm", Version: "v1", BaseDir: src, Files: files}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(out, "disk.img"), []byte("something else"), 0o644)

	_, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "vm", Version: "v1", OutputDir: out})
	if !errors.Is(err, snapshotter.ErrAlreadyExists) {
		t.Fatalf("restore onto a differing file: %v, want ErrAlreadyExists", err)
	}
	if _, err := os.Stat(filepath.Join(out, "state", "vm.json")); !os.IsNotExist(err) {
		t.Fatalf("a refused restore wrote files: %v", err)
	}

	req := snapshotter.RestoreRequest{Name: "vm", Version: "v1", OutputDir: out, Flags: snapshotter.RestoreOverwrite}
	if _, err := s.Restore(context.Background(), req); err != nil {
		t.Fatalf("restore with RestoreOverwrite: %v", err)
	}
	sameFile(t, filepath.Join(src, "disk.img"), filepath.Join(out, "disk.img"))
}

func TestRestoreWithoutOutputDirChecksTheStore(t *testing.T) {
	s := open(t, snapshotter.Options{})
	src := t.TempDir()
	files := smallTree(t, src, 3)
	if _, err := s.Snapshot(context.Background(), snapshotter.SnapshotRequest{Name: "vm", Version: "v1", BaseDir: src, Files: files}); err != nil {
		t.Fatal(err)
	}
	stats, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "vm", Version: "v1"})
	if err != nil || stats.Files != 2 || stats.BytesWritten != 0 {
		t.Fatalf("restore without an output dir: %+v, %v; want 2 files, nothing written", stats, err)
	}
}

func TestContentDirReceivesTheContent(t *testing.T) {
	dir := t.TempDir()
	content := filepath.Join(dir, "content")
	if err := os.Mkdir(content, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "src")
	files := smallTree(t, src, 4)
	first := open(t, snapshotter.Options{RootDir: filepath.Join(dir, "a"), Content: &snapshotter.ContentOptions{Dir: content}})
	if _, err := first.Snapshot(context.Background(), snapshotter.SnapshotRequest{Name: "vm", Version: "v1", BaseDir: src, Files: files}); err != nil {
		t.Fatal(err)
	}
	objects, _ := filepath.Glob(filepath.Join(content, "xxh3", "*"))
	if len(objects) != 2 {
		t.Fatalf("the content dir holds %d objects, want 2: %v", len(objects), objects)
	}
}

func TestVersionMatchesTheHeader(t *testing.T) {
	if got := snapshotter.Version(); got != snapshotter.HeaderVersion {
		t.Fatalf("Version() = %q, header says %q", got, snapshotter.HeaderVersion)
	}
	if got := snapshotter.VersionNumber(); got != snapshotter.HeaderVersionNumber {
		t.Fatalf("VersionNumber() = %d, header says %d", got, snapshotter.HeaderVersionNumber)
	}
}
