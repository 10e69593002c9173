package snapshotter_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	snapshotter "libsnapshotter.dev/bindings/go"
)

// waitLimit bounds every wait of these tests; reaching it is a failure, never a pass.
const waitLimit = 30 * time.Second

func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		os.RemoveAll(bigDir)
	}
	os.Exit(code)
}

func open(t *testing.T, opts snapshotter.Options) *snapshotter.Snapshotter {
	t.Helper()
	if opts.RootDir == "" {
		opts.RootDir = filepath.Join(t.TempDir(), "root")
	}
	s, err := snapshotter.Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// sameFile fails the test unless got has want's bytes and permission bits.
func sameFile(t *testing.T, want, got string) {
	t.Helper()
	wantData, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	gotData, err := os.ReadFile(got)
	if err != nil {
		t.Fatalf("restored file: %v", err)
	}
	if !bytes.Equal(wantData, gotData) {
		t.Fatalf("%s: %d bytes differ from %s (%d bytes)", got, len(gotData), want, len(wantData))
	}
	wantInfo, _ := os.Stat(want)
	gotInfo, _ := os.Stat(got)
	if wantInfo.Mode().Perm() != gotInfo.Mode().Perm() {
		t.Fatalf("%s: mode %v, want %v", got, gotInfo.Mode().Perm(), wantInfo.Mode().Perm())
	}
}

// smallTree writes a few files under dir and returns them as a writable and a read-only file.
func smallTree(t *testing.T, dir string, seed int64) []snapshotter.File {
	t.Helper()
	random := rand.New(rand.NewSource(seed))
	data := make([]byte, 64*1024+int(seed%4096))
	random.Read(data)
	writeFile(t, filepath.Join(dir, "disk.img"), data, 0o644)
	writeFile(t, filepath.Join(dir, "state", "vm.json"), []byte(fmt.Sprintf(`{"seed":%d}`, seed)), 0o444)
	return []snapshotter.File{
		{RelativePath: "disk.img"},
		{RelativePath: "state/vm.json", Flags: snapshotter.FileReadOnly},
	}
}

var (
	bigOnce  sync.Once
	bigDir   string
	bigFiles []snapshotter.File
)

// big is 256 MiB in 8 files, written once per test binary: enough that a snapshot with concurrency 1
// is still working when its first progress report arrives (after 50 ms).
func big(t *testing.T) (string, []snapshotter.File) {
	t.Helper()
	bigOnce.Do(func() {
		dir, err := os.MkdirTemp("", "snapshotter-go-big-")
		if err != nil {
			t.Fatal(err)
		}
		// One random MiB, each copy stamped with its file and block number: distinct content without
		// generating 256 MiB of randomness in instrumented code (go test -race).
		block := make([]byte, 1<<20)
		rand.New(rand.NewSource(42)).Read(block)
		data := make([]byte, 0, 32<<20)
		for i := 0; i < 8; i++ {
			data = data[:0]
			for j := 0; j < 32; j++ {
				copy(block, fmt.Sprintf("file %d block %d\n", i, j))
				data = append(data, block...)
			}
			name := fmt.Sprintf("f%d.bin", i)
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
			bigFiles = append(bigFiles, snapshotter.File{RelativePath: name})
		}
		bigDir = dir
	})
	if bigDir == "" {
		t.Fatal("the big source tree could not be written")
	}
	return bigDir, bigFiles
}

// holder is a progress callback that holds the call at its first report of unfinished work until
// its release condition holds (or waitLimit passes), so that a stop issued meanwhile lands mid-call.
// It also records every report and whether two ever ran at once.
type holder struct {
	release    func() bool
	started    chan struct{}
	startOnce  sync.Once
	inCallback int32
	concurrent int32
	reports    []snapshotter.Progress
}

// recorder only records, it never holds.
func recorder() *holder {
	return &holder{started: make(chan struct{}), release: func() bool { return true }}
}

// holdUntilDone holds the call until ctx is done.
func holdUntilDone(ctx context.Context) *holder {
	return &holder{started: make(chan struct{}), release: func() bool { return ctx.Err() != nil }}
}

// holdUntilClosing holds the call until Close has begun on s (and so has cancelled the call).
func holdUntilClosing(s *snapshotter.Snapshotter) *holder {
	return &holder{started: make(chan struct{}), release: func() bool { return snapshotter.Closing(s) }}
}

func (h *holder) progress(p snapshotter.Progress) {
	if !atomic.CompareAndSwapInt32(&h.inCallback, 0, 1) {
		atomic.StoreInt32(&h.concurrent, 1)
	}
	defer atomic.StoreInt32(&h.inCallback, 0)
	h.reports = append(h.reports, p)
	first := false
	if p.BytesDone < p.BytesTotal {
		h.startOnce.Do(func() { first = true; close(h.started) })
	}
	for deadline := time.Now().Add(waitLimit); first && !h.release() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// waitStarted fails the test unless the call reported unfinished work within waitLimit.
func (h *holder) waitStarted(t *testing.T) {
	t.Helper()
	select {
	case <-h.started:
	case <-time.After(waitLimit):
		t.Fatalf("no progress report of unfinished work within %v", waitLimit)
	}
}

// result is a call's outcome, from the goroutine that made it.
type result struct {
	stats snapshotter.Stats
	err   error
}

// goSnapshot makes the call on a goroutine of its own.
func goSnapshot(ctx context.Context, s *snapshotter.Snapshotter, req snapshotter.SnapshotRequest) <-chan result {
	done := make(chan result, 1)
	go func() {
		stats, err := s.Snapshot(ctx, req)
		done <- result{stats, err}
	}()
	return done
}

func wait(t *testing.T, done <-chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(waitLimit):
		t.Fatalf("the call did not return within %v", waitLimit)
		return result{}
	}
}
