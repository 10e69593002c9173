package snapshotter_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func TestProgressIsOrderedAndEndsComplete(t *testing.T) {
	src, files := big(t)
	s := open(t, snapshotter.Options{Concurrency: 1})
	h := recorder()
	ctx := context.Background()
	if _, err := s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "big", Version: "v1", BaseDir: src, Files: files, Progress: h.progress}); err != nil {
		t.Fatal(err)
	}
	checkReports(t, "snapshot", h, uint64(len(files)), 256<<20)
	if len(h.reports) < 2 {
		t.Fatalf("snapshot: %d progress reports, want one mid-way and a final one", len(h.reports))
	}

	h = recorder()
	if _, err := s.Restore(ctx, snapshotter.RestoreRequest{Name: "big", Version: "v1", OutputDir: filepath.Join(t.TempDir(), "out"), Progress: h.progress}); err != nil {
		t.Fatal(err)
	}
	checkReports(t, "restore", h, uint64(len(files)), 256<<20)
}

func checkReports(t *testing.T, what string, h *holder, files, bytes uint64) {
	t.Helper()
	if len(h.reports) == 0 {
		t.Fatalf("%s: no progress report", what)
	}
	if atomic.LoadInt32(&h.concurrent) != 0 {
		t.Fatalf("%s: two progress callbacks of one call ran at once", what)
	}
	for i, p := range h.reports {
		if p.FilesTotal != files || p.BytesTotal != bytes {
			t.Fatalf("%s: report %d has totals %d files, %d bytes; want %d, %d", what, i, p.FilesTotal, p.BytesTotal, files, bytes)
		}
		if i > 0 && (p.FilesDone < h.reports[i-1].FilesDone || p.BytesDone < h.reports[i-1].BytesDone) {
			t.Fatalf("%s: progress went back from %+v to %+v", what, h.reports[i-1], p)
		}
	}
	if last := h.reports[len(h.reports)-1]; last.FilesDone != files || last.BytesDone != bytes {
		t.Fatalf("%s: the last report is %+v, want everything done", what, last)
	}
}

type callbackPanic struct{ detail string }

func TestAPanicInTheCallbackCancelsTheCallAndReachesTheCaller(t *testing.T) {
	src, files := big(t)
	s := open(t, snapshotter.Options{Concurrency: 1})
	var calls int32
	recovered := func() (value interface{}) {
		defer func() { value = recover() }()
		s.Snapshot(context.Background(), snapshotter.SnapshotRequest{Name: "big", Version: "v1", BaseDir: src, Files: files,
			Progress: func(snapshotter.Progress) {
				atomic.AddInt32(&calls, 1)
				panic(callbackPanic{"from the callback"})
			}})
		return nil
	}()
	if p, ok := recovered.(callbackPanic); !ok || p.detail != "from the callback" {
		t.Fatalf("Snapshot with a panicking callback: recovered %#v, want the callback's panic", recovered)
	}
	if n := atomic.LoadInt32(&calls); n != 1 {
		t.Fatalf("the callback ran %d times after panicking, want it never called again", n-1)
	}
	_, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "big", Version: "v1"})
	checkError(t, "the snapshot whose callback panicked", err, snapshotter.ErrNotFound, "big:v1")
}
