package snapshotter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func TestCancellingTheContextStopsASnapshotMidway(t *testing.T) {
	src, files := big(t)
	s := open(t, snapshotter.Options{Concurrency: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := holdUntilDone(ctx)

	done := goSnapshot(ctx, s, snapshotter.SnapshotRequest{Name: "big", Version: "v1", BaseDir: src, Files: files, Progress: h.progress})
	h.waitStarted(t)
	cancel()
	r := wait(t, done)
	if !errors.Is(r.err, snapshotter.ErrCancelled) || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Snapshot with a cancelled context: %v, want ErrCancelled wrapping context.Canceled", r.err)
	}
	checkError(t, "the cancelled snapshot", r.err, snapshotter.ErrCancelled, "big:v1")
	_, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "big", Version: "v1"})
	checkError(t, "restoring the cancelled snapshot", err, snapshotter.ErrNotFound, "big:v1")
	if _, err := s.Snapshot(context.Background(), snapshotter.SnapshotRequest{Name: "big", Version: "v1", BaseDir: src, Files: files}); err != nil {
		t.Fatalf("the name of a cancelled snapshot stays taken: %v", err)
	}
}

func TestADeadlineStopsASnapshotMidway(t *testing.T) {
	src, files := big(t)
	s := open(t, snapshotter.Options{Concurrency: 1})
	// The callback holds the call at its first report until the deadline has passed.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	h := holdUntilDone(ctx)

	r := wait(t, goSnapshot(ctx, s, snapshotter.SnapshotRequest{Name: "big", Version: "v1", BaseDir: src, Files: files, Progress: h.progress}))
	h.waitStarted(t)
	if !errors.Is(r.err, snapshotter.ErrCancelled) || !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("Snapshot past its deadline: %v, want ErrCancelled wrapping context.DeadlineExceeded", r.err)
	}
	checkError(t, "Snapshot past its deadline", r.err, snapshotter.ErrCancelled, "big:v1")
}

func TestADoneContextFailsWithoutCallingTheLibrary(t *testing.T) {
	s := open(t, snapshotter.Options{})
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := s.Restore(ctx, snapshotter.RestoreRequest{Name: "absent", Version: "v1"})
	if !errors.Is(err, snapshotter.ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Restore with an expired context: %v, want ErrCancelled wrapping DeadlineExceeded (not NOT_FOUND)", err)
	}
}
