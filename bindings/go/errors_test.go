package snapshotter_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	snapshotter "libsnapshotter.dev/bindings/go"
)

var sentinels = []*snapshotter.Error{
	snapshotter.ErrInvalidArgument, snapshotter.ErrNotFound, snapshotter.ErrAlreadyExists,
	snapshotter.ErrCancelled, snapshotter.ErrIO, snapshotter.ErrCorrupt, snapshotter.ErrPermissionDenied,
	snapshotter.ErrNoSpace, snapshotter.ErrUnsupported, snapshotter.ErrClosed, snapshotter.ErrUnauthenticated,
	snapshotter.ErrUnavailable, snapshotter.ErrTimeout, snapshotter.ErrFailedPrecondition, snapshotter.ErrInternal,
}

// checkError fails the test unless err is an *Error matching want and no other sentinel, whose
// message names what went wrong.
func checkError(t *testing.T, what string, err error, want *snapshotter.Error, needle string) {
	t.Helper()
	var e *snapshotter.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v (%T), want an *snapshotter.Error", what, err, err)
	}
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) != (sentinel == want) {
			t.Fatalf("%s: errors.Is(%v, %v) = %v", what, err, sentinel, errors.Is(err, sentinel))
		}
	}
	if !strings.Contains(e.Message, needle) || !strings.HasPrefix(err.Error(), "snapshotter: "+want.Code.String()+": ") {
		t.Fatalf("%s: %q, want %s naming %q", what, err.Error(), want.Code, needle)
	}
}

func TestErrorsCarryTheLibrarysCodeAndMessage(t *testing.T) {
	s := open(t, snapshotter.Options{})
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	files := smallTree(t, src, 5)
	ctx := context.Background()
	snapshot := snapshotter.SnapshotRequest{Name: "vm", Version: "v1", BaseDir: src, Files: files}
	if _, err := s.Snapshot(ctx, snapshot); err != nil {
		t.Fatal(err)
	}

	_, err := s.Snapshot(ctx, snapshot)
	checkError(t, "the same name:version twice", err, snapshotter.ErrAlreadyExists, "vm:v1")
	_, err = s.Restore(ctx, snapshotter.RestoreRequest{Name: "vm", Version: "v2", OutputDir: dir})
	checkError(t, "an unknown version", err, snapshotter.ErrNotFound, "vm:v2")
	_, err = s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "Not Valid", Version: "v1", BaseDir: src, Files: files})
	checkError(t, "a name outside the OCI grammar", err, snapshotter.ErrInvalidArgument, "Not Valid")
	_, err = s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "vm", Version: "v3", BaseDir: src,
		Files: []snapshotter.File{{RelativePath: "missing.bin"}}})
	checkError(t, "a missing file", err, snapshotter.ErrNotFound, "missing.bin")
	_, err = s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "vm", Version: "v4", BaseDir: src,
		Files: []snapshotter.File{{RelativePath: "../escape"}}})
	checkError(t, "a path leaving the base dir", err, snapshotter.ErrInvalidArgument, "../escape")
	_, err = snapshotter.Open(snapshotter.Options{})
	checkError(t, "Open without a root dir", err, snapshotter.ErrInvalidArgument, "root_dir")
}

// Inputs the C ABI cannot express are refused before the library is called, in the same terms.
func TestGoInputsTheABICannotCarryAreInvalidArguments(t *testing.T) {
	s := open(t, snapshotter.Options{})
	ctx := context.Background()
	_, err := s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "vm\x00x", Version: "v1", BaseDir: "/tmp"})
	checkError(t, "a NUL byte in the name", err, snapshotter.ErrInvalidArgument, "name")
	_, err = s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "vm", Version: "v1", BaseDir: "/tmp",
		Files: []snapshotter.File{{RelativePath: "a\x00b"}}})
	checkError(t, "a NUL byte in a path", err, snapshotter.ErrInvalidArgument, "files[].relative_path")
	_, err = s.Restore(ctx, snapshotter.RestoreRequest{Name: "vm", Version: "v1", OutputDir: "/tmp/\x00"})
	checkError(t, "a NUL byte in the output dir", err, snapshotter.ErrInvalidArgument, "output_dir")
	_, err = snapshotter.Open(snapshotter.Options{RootDir: t.TempDir(), Concurrency: -1})
	checkError(t, "a negative concurrency", err, snapshotter.ErrInvalidArgument, "concurrency")
}

func TestCodesHaveTheLibrarysNames(t *testing.T) {
	for code, name := range map[snapshotter.Code]string{
		snapshotter.CodeOK: "OK", snapshotter.CodeNotFound: "NOT_FOUND", snapshotter.CodeClosed: "CLOSED",
		snapshotter.CodeUnauthenticated: "UNAUTHENTICATED", snapshotter.CodeUnavailable: "UNAVAILABLE",
		snapshotter.CodeTimeout: "TIMEOUT", snapshotter.CodeFailedPrecondition: "FAILED_PRECONDITION", snapshotter.CodeInternal: "INTERNAL",
		snapshotter.Code(12345): "UNKNOWN",
	} {
		if code.String() != name {
			t.Errorf("Code(%d).String() = %q, want %q", int(code), code.String(), name)
		}
	}
	if errors.Is(&snapshotter.Error{Code: snapshotter.CodeNotFound, Message: "a"}, &snapshotter.Error{Code: snapshotter.CodeNotFound, Message: "b"}) {
		t.Error("two errors with messages matched each other: only sentinels should match")
	}
}
