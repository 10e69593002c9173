package snapshotter_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func TestDiffOfSnapshotsAndOfADirectory(t *testing.T) {
	s, src := catalog(t)
	got, err := s.Diff(context.Background(), snapshotter.DiffRequest{Ref: "app:v1", OtherRef: "app:v2"})
	want := []snapshotter.DiffEntry{
		{RelativePath: "one.bin", Kind: snapshotter.DiffRemoved},
		{RelativePath: "two.bin", Kind: snapshotter.DiffAdded},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Diff(app:v1, app:v2) = %+v, %v; want %+v", got, err, want)
	}

	out := filepath.Join(t.TempDir(), "out")
	if _, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Ref: "app:v1", OutputDir: out}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Diff(context.Background(), snapshotter.DiffRequest{Name: "app", Version: "v1", OtherDir: out})
	if err != nil || len(got) != 0 {
		t.Fatalf("Diff of a restored tree = %+v, %v; want none", got, err)
	}
	if err := os.Chmod(filepath.Join(out, "one.bin"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = s.Diff(context.Background(), snapshotter.DiffRequest{Ref: "app:v1", OtherDir: out})
	want = []snapshotter.DiffEntry{{RelativePath: "one.bin", Kind: snapshotter.DiffChanged, Reasons: snapshotter.DiffMode}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Diff after chmod = %+v, %v; want %+v", got, err, want)
	}
	_, err = s.Diff(context.Background(), snapshotter.DiffRequest{Ref: "app:v1", OtherRef: "app:v2", OtherDir: src})
	checkError(t, "two second sides", err, snapshotter.ErrInvalidArgument, "exactly one")
}

func TestInPlaceAndPartialRestore(t *testing.T) {
	s, src := catalog(t)
	out := filepath.Join(t.TempDir(), "out")
	stats, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Ref: "app:v1", OutputDir: out, Only: []string{"*.bin"}})
	if err != nil || stats.Files != 1 {
		t.Fatalf("Restore(Only *.bin) = %+v, %v", stats, err)
	}
	if _, err := os.Stat(filepath.Join(out, "shared.txt")); !os.IsNotExist(err) {
		t.Fatalf("shared.txt was restored although not selected: %v", err)
	}
	writeFile(t, filepath.Join(out, "extra.txt"), []byte("extra"), 0o644)
	before, _ := os.Stat(filepath.Join(out, "one.bin"))
	stats, err = s.Restore(context.Background(), snapshotter.RestoreRequest{Ref: "app:v1", OutputDir: out,
		Flags: snapshotter.RestoreInPlace | snapshotter.RestoreDeleteExtra})
	if err != nil || stats.FilesReused != 1 || stats.FilesRemoved != 1 {
		t.Fatalf("in-place Restore = %+v, %v; want one file reused, one removed", stats, err)
	}
	after, _ := os.Stat(filepath.Join(out, "one.bin"))
	if !os.SameFile(before, after) {
		t.Fatal("the identical one.bin was replaced")
	}
	sameFile(t, filepath.Join(src, "shared.txt"), filepath.Join(out, "shared.txt"))
	_, err = s.Restore(context.Background(), snapshotter.RestoreRequest{Ref: "app:v1", OutputDir: out, Only: []string{"nope"}})
	checkError(t, "a pattern that selects nothing", err, snapshotter.ErrNotFound, "nope")
}
