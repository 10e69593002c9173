package snapshotter_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func TestCloseIsIdempotentAndSafeFromManyGoroutines(t *testing.T) {
	s := open(t, snapshotter.Options{})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatalf("Close after Close: %v", err)
	}
	_, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "vm", Version: "v1"})
	checkError(t, "a call after Close", err, snapshotter.ErrClosed, "closed")
}

func TestCloseCancelsACallInFlight(t *testing.T) {
	src, files := big(t)
	root := filepath.Join(t.TempDir(), "root")
	s := open(t, snapshotter.Options{RootDir: root, Concurrency: 1})
	h := holdUntilClosing(s)

	done := goSnapshot(context.Background(), s, snapshotter.SnapshotRequest{Name: "big", Version: "v1", BaseDir: src, Files: files, Progress: h.progress})
	h.waitStarted(t)
	s.Close()
	r := wait(t, done)
	checkError(t, "a snapshot in flight during Close", r.err, snapshotter.ErrClosed, "big:v1")

	s = open(t, snapshotter.Options{RootDir: root})
	_, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "big", Version: "v1"})
	checkError(t, "the snapshot stopped by Close", err, snapshotter.ErrNotFound, "big:v1")
}

// Many goroutines share one handle: each snapshots and restores its own tree, and all of them race
// to take one shared name:version, which exactly one wins.
func TestManyGoroutinesShareOneHandle(t *testing.T) {
	const goroutines = 16
	s := open(t, snapshotter.Options{Concurrency: 2})
	dir := t.TempDir()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < goroutines; i++ {
		src := filepath.Join(dir, fmt.Sprintf("src%d", i))
		files := smallTree(t, src, int64(100+i))
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx := context.Background()
			name := fmt.Sprintf("vm%d", i)
			out := filepath.Join(dir, fmt.Sprintf("out%d", i))
			if _, err := s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: name, Version: "v1", BaseDir: src, Files: files}); err != nil {
				t.Errorf("Snapshot %s: %v", name, err)
				return
			}
			if _, err := s.Restore(ctx, snapshotter.RestoreRequest{Name: name, Version: "v1", OutputDir: out}); err != nil {
				t.Errorf("Restore %s: %v", name, err)
				return
			}
			for _, f := range files {
				sameFile(t, filepath.Join(src, f.RelativePath), filepath.Join(out, f.RelativePath))
			}
			_, err := s.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "shared", Version: "v1", BaseDir: src, Files: files})
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.Is(err, snapshotter.ErrAlreadyExists):
				t.Errorf("racing for shared:v1: %v, want success or ErrAlreadyExists", err)
			}
		}(i)
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d goroutines took shared:v1, want exactly one", won)
	}
}

// Close while goroutines keep starting calls: each call either completes or fails with ErrClosed.
func TestCloseRacingWithNewCalls(t *testing.T) {
	s := open(t, snapshotter.Options{})
	src := t.TempDir()
	files := smallTree(t, src, 7)
	if _, err := s.Snapshot(context.Background(), snapshotter.SnapshotRequest{Name: "vm", Version: "v1", BaseDir: src, Files: files}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				_, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "vm", Version: "v1"})
				if errors.Is(err, snapshotter.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Restore racing with Close: %v, want success or ErrClosed", err)
					return
				}
			}
		}()
	}
	close(start)
	s.Close()
	wg.Wait()
}
