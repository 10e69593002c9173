package snapshotter_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	snapshotter "libsnapshotter.dev/bindings/go"
)

// openWithTwoVersions opens a store collected as gc says, holding app:v1 and app:v2.
func openWithTwoVersions(t *testing.T, gc snapshotter.GCOptions) *snapshotter.Snapshotter {
	t.Helper()
	s := open(t, snapshotter.Options{GC: &gc})
	src := t.TempDir()
	for _, v := range []string{"v1", "v2"} {
		writeFile(t, filepath.Join(src, "state.bin"), []byte(strings.Repeat(v, 5000)), 0o644)
		req := snapshotter.SnapshotRequest{Name: "app", Version: v, BaseDir: src, Files: []snapshotter.File{{RelativePath: "state.bin"}}}
		if _, err := s.Snapshot(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestGCDryRunThenCollectThenVerify(t *testing.T) {
	gc := snapshotter.GCOptions{NoBackground: true, NoDiskEviction: true, NoMinRetention: true, KeepLast: 1}
	s := openWithTwoVersions(t, gc)
	ctx := context.Background()

	plan, err := s.GC(ctx, snapshotter.GCRequest{DryRun: true})
	if err != nil || !plan.DryRun || len(plan.Evicted) != 1 || plan.Evicted[0].Version != "v1" || plan.Evicted[0].Reason != snapshotter.GCReasonKeepLast {
		t.Fatalf("dry run: %+v, %v", plan, err)
	}
	done, err := s.GC(ctx, snapshotter.GCRequest{})
	if err != nil || done.DryRun || len(done.Evicted) != 1 || done.ContentRemoved != 1 || done.ContentBytesFreed != plan.ContentBytesFreed {
		t.Fatalf("collection: %+v, %v", done, err)
	}
	if _, err := s.Restore(ctx, snapshotter.RestoreRequest{Name: "app", Version: "v1"}); !errors.Is(err, snapshotter.ErrNotFound) {
		t.Fatalf("restore of the evicted snapshot: %v", err)
	}
	report, err := s.Verify(ctx, snapshotter.VerifyRequest{})
	if err != nil || len(report.Problems) != 0 || report.SnapshotsChecked != 1 || report.ContentChecked != 1 {
		t.Fatalf("verify: %+v, %v", report, err)
	}
}

// A zero GCOptions is the defaults, not a refusal: the default minimum retention keeps a snapshot made a
// moment ago, which NoMinRetention lets go.
func TestZeroGCOptionsAreTheDefaults(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		gc      snapshotter.GCOptions
		evicted int
	}{
		{snapshotter.GCOptions{KeepLast: 1}, 0},
		// Disk eviction off: on a nearly full disk it would evict v2 as well.
		{snapshotter.GCOptions{KeepLast: 1, NoMinRetention: true, NoDiskEviction: true}, 1},
	} {
		report, err := openWithTwoVersions(t, c.gc).GC(ctx, snapshotter.GCRequest{DryRun: true})
		if err != nil || len(report.Evicted) != c.evicted {
			t.Fatalf("%+v: %+v, %v", c.gc, report, err)
		}
	}
	if _, err := snapshotter.Open(snapshotter.Options{RootDir: t.TempDir(), GC: &snapshotter.GCOptions{MinRetention: -time.Second}}); !errors.Is(err, snapshotter.ErrInvalidArgument) {
		t.Fatalf("a negative duration: %v", err)
	}
}

func TestVerifyReportsAndRepairsAModifiedStoredFile(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	s := open(t, snapshotter.Options{RootDir: root})
	src := t.TempDir()
	ctx := context.Background()
	writeFile(t, filepath.Join(src, "model.bin"), []byte(strings.Repeat("model", 10000)), 0o644)
	req := snapshotter.SnapshotRequest{Name: "model", Version: "v1", BaseDir: src,
		Files: []snapshotter.File{{RelativePath: "model.bin", Flags: snapshotter.FileReadOnly}}}
	if _, err := s.Snapshot(ctx, req); err != nil {
		t.Fatal(err)
	}
	// The stored inode is the source's own: writing to the "read-only" source changes the store.
	f, err := os.OpenFile(filepath.Join(src, "model.bin"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("X"), 3); err != nil {
		t.Fatal(err)
	}
	f.Close()

	found, err := s.Verify(ctx, snapshotter.VerifyRequest{})
	if err != nil || len(found.Problems) != 1 || found.Problems[0].Kind != snapshotter.ProblemCorruptSnapshotFile || found.ProblemsUnrepaired != 1 {
		t.Fatalf("verify: %+v, %v", found, err)
	}
	var reports int
	repaired, err := s.Verify(ctx, snapshotter.VerifyRequest{Repair: true, Progress: func(snapshotter.Progress) { reports++ }})
	if err != nil || repaired.ProblemsUnrepaired != 0 || reports == 0 {
		t.Fatalf("repair: %+v, %v (%d progress reports)", repaired, err, reports)
	}
}
