package snapshotter_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	snapshotter "libsnapshotter.dev/bindings/go"
)

// catalog holds app:v1 and app:v2, which share shared.txt (read-only), and other:v1; made in this order.
func catalog(t *testing.T) (*snapshotter.Snapshotter, string) {
	t.Helper()
	s := open(t, snapshotter.Options{})
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "shared.txt"), []byte("shared by both versions\n"), 0o444)
	writeFile(t, filepath.Join(src, "one.bin"), []byte(strings.Repeat("one", 1000)), 0o640)
	writeFile(t, filepath.Join(src, "two.bin"), []byte(strings.Repeat("two", 2000)), 0o644)
	mtime := time.Unix(1700000000, 123456789)
	if err := os.Chtimes(filepath.Join(src, "one.bin"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	shared := snapshotter.File{RelativePath: "shared.txt", Flags: snapshotter.FileReadOnly}
	for _, r := range []snapshotter.SnapshotRequest{
		{Name: "app", Version: "v1", Files: []snapshotter.File{shared, {RelativePath: "one.bin"}}},
		{Name: "app", Version: "v2", Files: []snapshotter.File{shared, {RelativePath: "two.bin"}}},
		{Name: "other", Version: "v1", Files: []snapshotter.File{{RelativePath: "one.bin"}}},
	} {
		r.BaseDir = src
		if _, err := s.Snapshot(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return s, src
}

func TestListOrdersByNameThenCreation(t *testing.T) {
	s, _ := catalog(t)
	all, err := s.List(context.Background(), snapshotter.ListRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, info := range all {
		refs = append(refs, info.Name+":"+info.Version)
	}
	if strings.Join(refs, " ") != "app:v1 app:v2 other:v1" {
		t.Fatalf("List() = %v", refs)
	}
	if app := all[1]; app.Files != 2 || app.Bytes != 24+6000 || app.StoredBytes == 0 || app.Created.Before(all[0].Created) || app.LastUsed.IsZero() {
		t.Fatalf("app:v2 listed as %+v", app)
	}
	some, err := s.List(context.Background(), snapshotter.ListRequest{Name: "other"})
	if err != nil || len(some) != 1 || some[0].Version != "v1" {
		t.Fatalf("List(other) = %+v, %v", some, err)
	}
}

func TestInspectByReferenceOrByNameAndVersion(t *testing.T) {
	s, _ := catalog(t)
	latest, err := s.Inspect(context.Background(), snapshotter.InspectRequest{Ref: "app@latest"})
	if err != nil || latest.Snapshot.Version != "v2" || len(latest.Files) != 2 {
		t.Fatalf("Inspect(app@latest) = %+v, %v", latest, err)
	}
	v1, err := s.Inspect(context.Background(), snapshotter.InspectRequest{Name: "app", Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	one, shared := v1.Files[0], v1.Files[1]
	if one.RelativePath != "one.bin" || one.Size != 3000 || one.Mode != 0o640 || !one.ModTime.Equal(time.Unix(1700000000, 123456789)) ||
		!strings.HasPrefix(one.Digest, "xxh3:") || one.Flags != snapshotter.FileContentLocal {
		t.Fatalf("one.bin inspected as %+v", one)
	}
	if shared.RelativePath != "shared.txt" || shared.Flags != snapshotter.FileReadOnly|snapshotter.FileContentLocal {
		t.Fatalf("shared.txt inspected as %+v", shared)
	}
	_, err = s.Inspect(context.Background(), snapshotter.InspectRequest{Ref: "app:v1", Name: "app", Version: "v1"})
	checkError(t, "a reference and a name at once", err, snapshotter.ErrInvalidArgument, "ref")
	_, err = s.Inspect(context.Background(), snapshotter.InspectRequest{Ref: "app:v9"})
	checkError(t, "an unknown reference", err, snapshotter.ErrNotFound, "app:v9")
}

func TestRestoreByReference(t *testing.T) {
	s, src := catalog(t)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := s.Restore(context.Background(), snapshotter.RestoreRequest{Ref: "app@latest", OutputDir: out}); err != nil {
		t.Fatal(err)
	}
	sameFile(t, filepath.Join(src, "two.bin"), filepath.Join(out, "two.bin"))
}

func TestDeleteFreesContentNoOtherSnapshotUses(t *testing.T) {
	s, _ := catalog(t)
	stats, err := s.Delete(context.Background(), snapshotter.DeleteRequest{Ref: "app:v2"})
	// two.bin is app:v2's alone; shared.txt is still app:v1's.
	if err != nil || stats.Files != 2 || stats.ContentFreed != 1 || stats.BytesFreed == 0 {
		t.Fatalf("Delete(app:v2) = %+v, %v; want 2 files, one object freed", stats, err)
	}
	_, err = s.Inspect(context.Background(), snapshotter.InspectRequest{Ref: "app:v2"})
	checkError(t, "inspecting a deleted snapshot", err, snapshotter.ErrNotFound, "app:v2")
	_, err = s.Delete(context.Background(), snapshotter.DeleteRequest{Name: "app", Version: "v2"})
	checkError(t, "deleting it again", err, snapshotter.ErrNotFound, "app:v2")
	s.Close()
	_, err = s.List(context.Background(), snapshotter.ListRequest{})
	checkError(t, "List after Close", err, snapshotter.ErrClosed, "closed")
}

func TestRemoteListingAndDeletionThroughAnOciLayout(t *testing.T) {
	shared := t.TempDir()
	options := snapshotter.Options{
		Registry: &snapshotter.RegistryOptions{URL: "oci:" + filepath.Join(shared, "layout")},
		Content:  &snapshotter.ContentOptions{Dir: filepath.Join(shared, "content")},
	}
	first := open(t, options)
	second := open(t, options)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "a.txt"), []byte("a"), 0o644)
	for _, version := range []string{"v1", "v2"} {
		writeFile(t, filepath.Join(src, "a.txt"), []byte(version), 0o644)
		if _, err := first.Snapshot(context.Background(), snapshotter.SnapshotRequest{Name: "app", Version: version, BaseDir: src,
			Files: []snapshotter.File{{RelativePath: "a.txt"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := second.Restore(context.Background(), snapshotter.RestoreRequest{Ref: "app:v1"}); err != nil {
		t.Fatal(err)
	}
	listed, err := second.List(context.Background(), snapshotter.ListRequest{Name: "app", Remote: true})
	if err != nil || len(listed) != 2 || listed[0].Version != "v1" || listed[0].Place != snapshotter.SnapshotLocal|snapshotter.SnapshotRemote ||
		listed[1].Version != "v2" || listed[1].Place != snapshotter.SnapshotRemote {
		t.Fatalf("List(Remote) = %+v, %v", listed, err)
	}
	stats, err := first.Delete(context.Background(), snapshotter.DeleteRequest{Ref: "app:v2", Remote: true})
	if err != nil || stats.ManifestsDeleted != 1 || stats.Files != 1 {
		t.Fatalf("Delete(Remote) = %+v, %v", stats, err)
	}
	listed, err = second.List(context.Background(), snapshotter.ListRequest{Name: "app", Remote: true})
	if err != nil || len(listed) != 1 {
		t.Fatalf("after the remote delete, List(Remote) = %+v, %v", listed, err)
	}
}
