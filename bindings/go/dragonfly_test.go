package snapshotter_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	snapshotter "libsnapshotter.dev/bindings/go"
)

// Dragonfly settings reach the library: refused by name when wrong, and a dfdaemon nobody listens for
// is UNAVAILABLE at the first call, not at Open. (Content through a real dfdaemon peer is tested in the
// library's own suites against a gRPC stand-in.)
func TestDragonflyOptionsReachTheLibrary(t *testing.T) {
	dir := t.TempDir()
	_, err := snapshotter.Open(snapshotter.Options{RootDir: filepath.Join(dir, "bad"), Content: &snapshotter.ContentOptions{Provider: "ftp", Bucket: "b"}})
	checkError(t, "an unknown provider", err, snapshotter.ErrInvalidArgument, "content.provider 'ftp'")
	_, err = snapshotter.Open(snapshotter.Options{RootDir: filepath.Join(dir, "bad"), Content: &snapshotter.ContentOptions{Provider: "s3", Bucket: "b", TTL: 1500 * time.Millisecond}})
	checkError(t, "a fractional TTL", err, snapshotter.ErrInvalidArgument, "content.ttl")

	socket := "unix://" + filepath.Join(dir, "nobody.sock")
	s := open(t, snapshotter.Options{Content: &snapshotter.ContentOptions{Dfdaemon: socket, Provider: "s3", Bucket: "bucket/prefix", TTL: time.Hour}})
	writeFile(t, filepath.Join(dir, "src", "a.txt"), []byte("test content"), 0o644)
	_, err = s.Snapshot(context.Background(), snapshotter.SnapshotRequest{Name: "app", Version: "v1", BaseDir: filepath.Join(dir, "src"), Files: []snapshotter.File{{RelativePath: "a.txt"}}})
	checkError(t, "an unreachable dfdaemon", err, snapshotter.ErrUnavailable, "cannot reach "+socket)
	if !errors.Is(err, snapshotter.ErrUnavailable) || snapshotter.CodeUnavailable.String() != "UNAVAILABLE" {
		t.Errorf("UNAVAILABLE: %v", err)
	}
}

func TestContentOptionsNeverPrintTheSecret(t *testing.T) {
	options := snapshotter.ContentOptions{Provider: "s3", Bucket: "b", AccessKeyID: "AKID", AccessKeySecret: "s3cr3t"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if text := fmt.Sprintf(format, options); strings.Contains(text, "s3cr3t") || !strings.Contains(text, "AccessKeySecret:set") {
			t.Errorf("%s shows %s", format, text)
		}
	}
}
