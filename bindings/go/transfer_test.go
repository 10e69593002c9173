package snapshotter_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func TestExportImportThroughAFileAWriterAndADirectory(t *testing.T) {
	s, src := catalog(t)
	other := open(t, snapshotter.Options{})
	want, err := s.Inspect(context.Background(), snapshotter.InspectRequest{Ref: "app:v1"})
	if err != nil {
		t.Fatal(err)
	}

	file, err := os.Create(filepath.Join(t.TempDir(), "app.tar"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := s.Export(context.Background(), snapshotter.ExportRequest{Ref: "app:v1", Output: file}); err != nil {
		t.Fatal(err)
	}
	if _, err := file.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	got, stats, err := other.Import(context.Background(), snapshotter.ImportRequest{Input: file})
	if err != nil || !reflect.DeepEqual(got.Files, want.Files) || stats.Files != 2 {
		t.Fatalf("Import(file) = %+v, %+v, %v; want %+v", got, stats, err, want.Files)
	}

	var buffer bytes.Buffer
	if _, err := s.Export(context.Background(), snapshotter.ExportRequest{Name: "app", Version: "v1", Output: &buffer, Gzip: true}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buffer.Bytes(), []byte{0x1f, 0x8b}) {
		t.Fatal("the gzip export does not start with gzip's magic")
	}
	got, _, err = other.Import(context.Background(), snapshotter.ImportRequest{Input: &buffer, Name: "copy", Version: "v2"})
	if err != nil || got.Snapshot.Name != "copy" || !reflect.DeepEqual(got.Files, want.Files) {
		t.Fatalf("Import(buffer) = %+v, %v", got, err)
	}

	dir := filepath.Join(t.TempDir(), "exported")
	if _, err := s.Export(context.Background(), snapshotter.ExportRequest{Ref: "app:v1", OutputDir: dir}); err != nil {
		t.Fatal(err)
	}
	got, _, err = other.Import(context.Background(), snapshotter.ImportRequest{InputDir: dir, Name: "from-dir", Version: "v1"})
	if err != nil || !reflect.DeepEqual(got.Files, want.Files) {
		t.Fatalf("Import(dir) = %+v, %v", got, err)
	}
	sameFile(t, filepath.Join(src, "one.bin"), filepath.Join(dir, "files", "one.bin"))
}

func TestImportRefusesTruncatedStreams(t *testing.T) {
	s, _ := catalog(t)
	var buffer bytes.Buffer
	if _, err := s.Export(context.Background(), snapshotter.ExportRequest{Ref: "app:v1", Output: &buffer}); err != nil {
		t.Fatal(err)
	}
	other := open(t, snapshotter.Options{})
	_, _, err := other.Import(context.Background(), snapshotter.ImportRequest{Input: bytes.NewReader(buffer.Bytes()[:buffer.Len()/2])})
	checkError(t, "a truncated stream", err, snapshotter.ErrCorrupt, "truncated")
	list, _ := other.List(context.Background(), snapshotter.ListRequest{})
	if len(list) != 0 {
		t.Fatalf("a refused import left %+v", list)
	}
}

type failingWriter struct{}

var errWriterBroke = errors.New("the writer broke")

func (failingWriter) Write([]byte) (int, error) { return 0, errWriterBroke }

func TestExportReportsTheWritersError(t *testing.T) {
	s, _ := catalog(t)
	_, err := s.Export(context.Background(), snapshotter.ExportRequest{Ref: "app:v1", Output: failingWriter{}})
	if !errors.Is(err, errWriterBroke) {
		t.Fatalf("Export into a failing writer = %v; want the writer's error", err)
	}
}
