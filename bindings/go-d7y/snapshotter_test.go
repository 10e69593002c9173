package snapshotter

import (
	"bytes"
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	lib "libsnapshotter.dev/bindings/go"

	"d7y.io/snapshotter/pkg/oci"
)

func TestNewRequiresARootDir(t *testing.T) {
	if _, err := New(Config{}); err == nil || err.Error() != "root directory is required" {
		t.Fatalf("New without RootDir: %v", err)
	}
	// Options apply before validation, as in d7y.io/snapshotter.
	setRoot := func(c *Config) { c.RootDir = filepath.Join(t.TempDir(), "root") }
	if _, err := New(Config{}, setRoot); err != nil {
		t.Fatalf("RootDir from an option: %v", err)
	}
	zero := 0
	if _, err := New(Config{RootDir: t.TempDir(), RestoreConcurrency: &zero}); err == nil || !strings.Contains(err.Error(), "restore concurrency must be at least 1, got 0") {
		t.Fatalf("a restore concurrency of 0: %v", err)
	}
}

func TestGCFieldsMapToTheLibrarysOptions(t *testing.T) {
	var defaults lib.GCOptions
	if got := gcOptions(GC{}); got != defaults {
		t.Fatalf("nil fields: %+v; want the defaults %+v", got, defaults)
	}

	interval, retention := 2*time.Minute, time.Hour
	high, low, batch := 80.0, 60.0, 4
	got := gcOptions(GC{Interval: &interval, DiskHighThresholdPercent: &high, DiskLowThresholdPercent: &low, BatchSize: &batch, MinRetentionPeriod: &retention})
	want := defaults
	want.Interval, want.HighWatermarkPercent, want.LowWatermarkPercent, want.BatchSize, want.MinRetention = interval, 80, 60, 4, retention
	if got != want {
		t.Fatalf("every field set: %+v; want %+v", got, want)
	}

	// Out of their ranges, values are ignored as d7y.io/snapshotter ignores them.
	negative, tooHigh, aboveHigh, noBatch := -time.Second, 101.0, 95.0, 0
	got = gcOptions(GC{Interval: &negative, DiskHighThresholdPercent: &tooHigh, DiskLowThresholdPercent: &aboveHigh, BatchSize: &noBatch, MinRetentionPeriod: &negative})
	if got != defaults {
		t.Fatalf("values out of range: %+v; want the defaults", got)
	}

	// What the library cannot take as it is rounds to what collects no less: thresholds and the
	// interval down, the retention up; a threshold of 0 is 1 %.
	fraction, lowFraction, halfSecond, zero := 85.5, 60.9, 1500*time.Millisecond, 0.0
	got = gcOptions(GC{Interval: &halfSecond, DiskHighThresholdPercent: &fraction, DiskLowThresholdPercent: &lowFraction, MinRetentionPeriod: &halfSecond})
	want = defaults
	want.Interval, want.HighWatermarkPercent, want.LowWatermarkPercent, want.MinRetention = time.Second, 85, 60, 2*time.Second
	if got != want {
		t.Fatalf("fractions: %+v; want %+v", got, want)
	}
	tiny := 300 * time.Millisecond
	got = gcOptions(GC{Interval: &tiny, DiskHighThresholdPercent: &zero, DiskLowThresholdPercent: &zero})
	want = defaults
	want.Interval, want.HighWatermarkPercent, want.LowWatermarkPercent = time.Second, 1, 1
	if got != want {
		t.Fatalf("zero thresholds and a sub-second interval: %+v; want %+v", got, want)
	}
	if _, err := New(Config{RootDir: t.TempDir(), GC: GC{Interval: &halfSecond, DiskHighThresholdPercent: &fraction}}); err != nil {
		t.Errorf("New with a fractional interval and threshold: %v", err)
	}
}

// tree writes a writable and a read-only file of seeded random content under dir.
func tree(t *testing.T, dir string, size int, seed int64) []File {
	t.Helper()
	data := make([]byte, size)
	rand.New(rand.NewSource(seed)).Read(data)
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "disk.img"), data, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "state", "vm.json"), data[:100], 0o444); err != nil {
		t.Fatal(err)
	}
	return []File{{RelativePath: "disk.img"}, {RelativePath: "state/vm.json", ReadOnly: true}}
}

// sameTree fails the test unless every file is in out with its bytes and mode in src.
func sameTree(t *testing.T, src, out string, files []File) {
	t.Helper()
	for _, f := range files {
		want, _ := os.ReadFile(filepath.Join(src, f.RelativePath))
		got, err := os.ReadFile(filepath.Join(out, f.RelativePath))
		if err != nil || !bytes.Equal(want, got) {
			t.Fatalf("%s: %d bytes restored (%v), want %d", f.RelativePath, len(got), err, len(want))
		}
		wantInfo, _ := os.Stat(filepath.Join(src, f.RelativePath))
		gotInfo, _ := os.Stat(filepath.Join(out, f.RelativePath))
		if wantInfo.Mode() != gotInfo.Mode() {
			t.Fatalf("%s: mode %v, want %v", f.RelativePath, gotInfo.Mode(), wantInfo.Mode())
		}
	}
}

func TestASecondSnapshotIsErrSnapshotAlreadyExists(t *testing.T) {
	dir := t.TempDir()
	files := tree(t, filepath.Join(dir, "src"), 4096, 1)
	s, err := New(Config{RootDir: filepath.Join(dir, "root")})
	if err != nil {
		t.Fatal(err)
	}
	req := &SnapshotRequest{Name: "vm", Version: "v1", BaseDir: filepath.Join(dir, "src"), Files: files}
	if err := s.Snapshot(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := s.Snapshot(context.Background(), req); err != ErrSnapshotAlreadyExists {
		t.Fatalf("a second snapshot: %v", err)
	}
	out := filepath.Join(dir, "out")
	if err := s.Restore(context.Background(), &RestoreRequest{Name: "vm", Version: "v1", OutputDir: out}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, filepath.Join(dir, "src"), out, files)
	// Like d7y.io/snapshotter, a restore writes over what the output dir holds.
	if err := os.WriteFile(filepath.Join(out, "disk.img"), []byte("changed"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(context.Background(), &RestoreRequest{Name: "vm", Version: "v1", OutputDir: out}); err != nil {
		t.Fatalf("a restore over a changed file: %v", err)
	}
	sameTree(t, filepath.Join(dir, "src"), out, files)
}

// layoutHolds reports whether the OCI layout at dir has the manifest of vm:version.
func layoutHolds(t *testing.T, dir, version string) bool {
	t.Helper()
	found := false
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Name() == "index.json" {
			data, _ := os.ReadFile(path)
			found = found || strings.Contains(string(data), `"org.opencontainers.image.ref.name":"vm:`+version+`"`)
		}
		return nil
	})
	return found
}

// A registry given to a call replaces the one in use when a non-empty field differs, and stays in use
// for the calls after it; one equal to it, or none, changes nothing.
func TestASnapshotOfNoFilesIsRecordedAsUpstreamRecordsIt(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{RootDir: filepath.Join(dir, "root")})
	if err != nil {
		t.Fatal(err)
	}
	req := &SnapshotRequest{Name: "empty", Version: "v1", BaseDir: filepath.Join(dir, "src")}
	if err := s.Snapshot(context.Background(), req); err != nil {
		t.Fatalf("a snapshot of no files: %v", err)
	}
	if err := s.Snapshot(context.Background(), req); err != ErrSnapshotAlreadyExists {
		t.Fatalf("a second snapshot of no files: %v", err)
	}
	out := filepath.Join(dir, "out")
	if err := s.Restore(context.Background(), &RestoreRequest{Name: "empty", Version: "v1", OutputDir: out}); err != nil {
		t.Fatalf("a restore of no files: %v", err)
	}
}

func TestARegistryGivenPerCallReplacesTheOneInUse(t *testing.T) {
	dir := t.TempDir()
	files := tree(t, filepath.Join(dir, "src"), 4096, 2)
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	s, err := New(Config{RootDir: filepath.Join(dir, "root"), Metadata: Metadata{Registry: oci.Registry{Endpoint: "oci:" + a}}})
	if err != nil {
		t.Fatal(err)
	}
	snapshot := func(version string, opts ...Option) {
		t.Helper()
		req := &SnapshotRequest{Name: "vm", Version: version, BaseDir: filepath.Join(dir, "src"), Files: files}
		if err := s.Snapshot(context.Background(), req, opts...); err != nil {
			t.Fatalf("snapshot %s: %v", version, err)
		}
	}
	snapshot("v1")
	snapshot("v2", WithMetadata(Metadata{Registry: oci.Registry{Endpoint: "oci:" + b}}))
	snapshot("v3")
	snapshot("v4", WithMetadata(Metadata{Registry: oci.Registry{Endpoint: "oci:" + b}}))
	for version, want := range map[string]string{"v1": a, "v2": b, "v3": b, "v4": b} {
		other := a
		if want == a {
			other = b
		}
		if !layoutHolds(t, want, version) || layoutHolds(t, other, version) {
			t.Errorf("%s is not in %s alone", version, want)
		}
	}

	err = s.Snapshot(context.Background(), &SnapshotRequest{Name: "vm", Version: "v5", BaseDir: filepath.Join(dir, "src"), Files: files},
		WithMetadata(Metadata{Registry: oci.Registry{Namespace: "team"}}))
	if err == nil || err.Error() != "failed to initialize: registry endpoint is required" {
		t.Fatalf("a registry without an endpoint: %v", err)
	}
}

// Calls running while another call changes the registry finish on the handles they started on.
func TestCallsInFlightOutliveARegistryChange(t *testing.T) {
	dir := t.TempDir()
	files := tree(t, filepath.Join(dir, "src"), 32<<20, 3)
	one, three := 1, 3
	s, err := New(Config{RootDir: filepath.Join(dir, "root"), SnapshotConcurrency: &one, RestoreConcurrency: &three})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Snapshot(ctx, &SnapshotRequest{Name: "vm", Version: "v1", BaseDir: filepath.Join(dir, "src"), Files: files}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		i := i
		wg.Add(1)
		go func() {
			defer wg.Done()
			registry := oci.Registry{Endpoint: "oci:" + filepath.Join(dir, "layout", string(rune('a'+i%2)))}
			errs[i] = s.Restore(ctx, &RestoreRequest{Name: "vm", Version: "v1", OutputDir: filepath.Join(dir, "out", string(rune('a'+i)))},
				WithMetadata(Metadata{Registry: registry}))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("restore %d: %v", i, err)
		}
		sameTree(t, filepath.Join(dir, "src"), filepath.Join(dir, "out", string(rune('a'+i))), files)
	}
}
