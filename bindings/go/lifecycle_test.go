package snapshotter_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	snapshotter "libsnapshotter.dev/bindings/go"
)

// mounted mounts mounts (as the library returns them) on a new directory, runs fn on it and unmounts it.
// Mounting needs root: without it the test is skipped.
func mounted(t *testing.T, mounts []snapshotter.Mount, fn func(dir string)) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a lifecycle snapshot needs root")
	}
	target := t.TempDir()
	for _, m := range mounts {
		var flags uintptr
		var data []string
		for _, option := range m.Options {
			switch option {
			case "ro":
				flags |= syscall.MS_RDONLY
			case "rw":
			case "bind":
				flags |= syscall.MS_BIND
			case "rbind":
				flags |= syscall.MS_BIND | syscall.MS_REC
			default:
				data = append(data, option)
			}
		}
		if err := syscall.Mount(m.Source, target, m.Type, flags, strings.Join(data, ",")); err != nil {
			t.Fatalf("mounting %+v: %v", m, err)
		}
		// A bind mount ignores MS_RDONLY until it is remounted.
		if flags&syscall.MS_BIND != 0 && flags&syscall.MS_RDONLY != 0 {
			if err := syscall.Mount("", target, "", flags|syscall.MS_REMOUNT, ""); err != nil {
				syscall.Unmount(target, syscall.MNT_DETACH)
				t.Fatalf("remounting %+v read-only: %v", m, err)
			}
		}
	}
	defer func() {
		for range mounts {
			if err := syscall.Unmount(target, 0); err != nil {
				t.Errorf("unmounting %s: %v", target, err)
			}
		}
	}()
	fn(target)
}

func keysOf(infos []snapshotter.LifecycleInfo) []string {
	keys := make([]string, 0, len(infos))
	for _, info := range infos {
		keys = append(keys, info.Key)
	}
	sort.Strings(keys)
	return keys
}

func walkKeys(t *testing.T, s *snapshotter.Snapshotter, req snapshotter.WalkRequest) []string {
	t.Helper()
	infos, err := s.Walk(context.Background(), req)
	if err != nil {
		t.Fatalf("Walk(%+v): %v", req, err)
	}
	return keysOf(infos)
}

// The design notes' scenario: P0, an active prepared from it and committed as P1, another prepared from
// P0 again and committed as P2, whose parent is P0, not P1; a view of P1 shows both layers, read-only.
func TestLifecycleParentsFollowThePreparedParent(t *testing.T) {
	s := open(t, snapshotter.Options{})
	ctx := context.Background()

	mounts, err := s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "k8s.io/1/extract a", Labels: map[string]string{"team": "base"}})
	if err != nil {
		t.Fatal(err)
	}
	mounted(t, mounts, func(dir string) {
		writeFile(t, filepath.Join(dir, "etc/os-release"), []byte("P0\n"), 0o644)
		writeFile(t, filepath.Join(dir, "bin/tool"), []byte("v1\n"), 0o755)
	})
	if _, err := s.Commit(ctx, snapshotter.CommitRequest{Name: "sha256:P0", Key: "k8s.io/1/extract a"}); err != nil {
		t.Fatal(err)
	}

	for i, name := range []string{"P1", "P2"} {
		key := "../active/" + name
		mounts, err := s.Prepare(ctx, snapshotter.LifecycleRequest{Key: key, Parent: "sha256:P0"})
		if err != nil {
			t.Fatal(err)
		}
		mounted(t, mounts, func(dir string) {
			data, err := os.ReadFile(filepath.Join(dir, "bin/tool"))
			if err != nil || string(data) != "v1\n" {
				t.Fatalf("%s sees bin/tool as %q (%v), want P0's", key, data, err)
			}
			writeFile(t, filepath.Join(dir, "bin/tool"), []byte(name+"\n"), 0o755)
			if i == 0 {
				if err := os.Remove(filepath.Join(dir, "etc/os-release")); err != nil {
					t.Fatal(err)
				}
			}
		})
		active, err := s.Stat(ctx, key)
		if err != nil || active.Kind != snapshotter.LifecycleActive || active.Parent != "sha256:P0" {
			t.Fatalf("Stat(%q) = %+v, %v; want an active with parent sha256:P0", key, active, err)
		}
		if _, err := s.Commit(ctx, snapshotter.CommitRequest{Name: name, Key: key, Labels: map[string]string{"layer": name}}); err != nil {
			t.Fatal(err)
		}
	}

	p2, err := s.Stat(ctx, "P2")
	if err != nil {
		t.Fatal(err)
	}
	if p2.Kind != snapshotter.LifecycleCommitted || p2.Parent != "sha256:P0" || p2.Labels["layer"] != "P2" || p2.Created.IsZero() {
		t.Fatalf("Stat(P2) = %+v, want committed, parent sha256:P0, label layer=P2", p2)
	}
	// A committed lifecycle snapshot is a snapshot of the store like the others.
	inspection, err := s.Inspect(ctx, snapshotter.InspectRequest{Name: p2.SnapshotName, Version: p2.SnapshotVersion})
	if err != nil {
		t.Fatalf("Inspect of P2's store snapshot %s:%s: %v", p2.SnapshotName, p2.SnapshotVersion, err)
	}
	if len(inspection.Files) == 0 {
		t.Fatalf("P2's store snapshot has no files")
	}

	if got, want := walkKeys(t, s, snapshotter.WalkRequest{Parent: "sha256:P0"}), []string{"P1", "P2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children of sha256:P0: %q, want %q", got, want)
	}
	if got, want := walkKeys(t, s, snapshotter.WalkRequest{Label: "layer"}), []string{"P1", "P2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("snapshots labelled layer: %q, want %q", got, want)
	}
	if got, want := walkKeys(t, s, snapshotter.WalkRequest{Label: "layer", LabelValue: "P1"}), []string{"P1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("snapshots labelled layer=P1: %q, want %q", got, want)
	}

	mounts, err = s.View(ctx, snapshotter.LifecycleRequest{Key: "view of P1", Parent: "P1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Mounts(ctx, "view of P1")
	if err != nil || !reflect.DeepEqual(again, mounts) {
		t.Fatalf("Mounts(view of P1) = %+v, %v; want what View returned, %+v", again, err, mounts)
	}
	mounted(t, mounts, func(dir string) {
		if data, err := os.ReadFile(filepath.Join(dir, "bin/tool")); err != nil || string(data) != "P1\n" {
			t.Errorf("the view of P1 shows bin/tool as %q (%v)", data, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "etc/os-release")); !os.IsNotExist(err) {
			t.Errorf("the view of P1 shows etc/os-release, which P1 deleted (%v)", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "bin/tool"), []byte("changed"), 0o755); err == nil {
			t.Errorf("the view of P1 was writable")
		}
	})
	if got, want := walkKeys(t, s, snapshotter.WalkRequest{Kind: snapshotter.LifecycleView}), []string{"view of P1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("views: %q, want %q", got, want)
	}

	usage, err := s.Usage(ctx, "P1")
	if err != nil || usage.Bytes <= 0 || usage.Inodes <= 0 {
		t.Errorf("Usage(P1) = %+v, %v; want bytes and inodes", usage, err)
	}

	for _, key := range []string{"view of P1", "P1", "P2", "sha256:P0"} {
		if err := s.Remove(ctx, key); err != nil {
			t.Fatalf("Remove(%q): %v", key, err)
		}
	}
	if left := walkKeys(t, s, snapshotter.WalkRequest{}); len(left) != 0 {
		t.Errorf("left after removing everything: %q", left)
	}
}

// Bad input gets an error naming what was wrong and changes nothing.
func TestLifecycleRefusalsChangeNothing(t *testing.T) {
	s := open(t, snapshotter.Options{})
	ctx := context.Background()
	if _, err := s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "base-active"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, snapshotter.CommitRequest{Name: "base", Key: "base-active"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "child", Parent: "base"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.View(ctx, snapshotter.LifecycleRequest{Key: "a view", Parent: "base"}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Walk(ctx, snapshotter.WalkRequest{})
	if err != nil {
		t.Fatal(err)
	}

	_, err = s.Stat(ctx, "no such key")
	checkError(t, "an unknown key", err, snapshotter.ErrNotFound, "no such key")
	_, err = s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "orphan", Parent: "no such parent"})
	checkError(t, "an unknown parent", err, snapshotter.ErrNotFound, "no such parent")
	_, err = s.Commit(ctx, snapshotter.CommitRequest{Name: "base-again", Key: "base-active"})
	checkError(t, "committing an active twice", err, snapshotter.ErrNotFound, "base-active")
	_, err = s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "child"})
	checkError(t, "a key in use", err, snapshotter.ErrAlreadyExists, "child")
	err = s.Remove(ctx, "base")
	checkError(t, "removing a parent", err, snapshotter.ErrFailedPrecondition, "base")
	_, err = s.Commit(ctx, snapshotter.CommitRequest{Name: "from a view", Key: "a view"})
	checkError(t, "committing a view", err, snapshotter.ErrFailedPrecondition, "a view")
	_, err = s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "grandchild", Parent: "a view"})
	checkError(t, "a view as parent", err, snapshotter.ErrFailedPrecondition, "a view")
	_, err = s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "grandchild", Parent: "child"})
	checkError(t, "an active as parent", err, snapshotter.ErrFailedPrecondition, "child")
	_, err = s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "labelled", Labels: map[string]string{"big": strings.Repeat("x", 5000)}})
	checkError(t, "labels over 4 KiB", err, snapshotter.ErrInvalidArgument, "4096")
	_, err = s.Update(ctx, snapshotter.UpdateRequest{Key: "base", Labels: map[string]string{"x": "y"}, FieldPaths: []string{"parent"}})
	checkError(t, "updating the parent", err, snapshotter.ErrInvalidArgument, "parent")
	_, err = s.Prepare(ctx, snapshotter.LifecycleRequest{Key: ""})
	checkError(t, "an empty key", err, snapshotter.ErrInvalidArgument, "key")
	_, err = s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "nul\x00key"})
	checkError(t, "a key with a NUL byte", err, snapshotter.ErrInvalidArgument, "key")

	after, err := s.Walk(ctx, snapshotter.WalkRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("refused calls changed the snapshots:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestLifecycleUpdateFollowsContainerdsFieldPaths(t *testing.T) {
	s := open(t, snapshotter.Options{})
	ctx := context.Background()
	if _, err := s.Prepare(ctx, snapshotter.LifecycleRequest{Key: "a", Labels: map[string]string{"keep": "1", "drop": "2", "change": "3"}}); err != nil {
		t.Fatal(err)
	}
	info, err := s.Update(ctx, snapshotter.UpdateRequest{Key: "a", Labels: map[string]string{"change": "30", "ignored": "x"},
		FieldPaths: []string{"labels.change", "labels.drop"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"keep": "1", "change": "30"}; !reflect.DeepEqual(info.Labels, want) {
		t.Errorf("labels.NAME paths: %v, want %v", info.Labels, want)
	}
	info, err = s.Update(ctx, snapshotter.UpdateRequest{Key: "a", Labels: map[string]string{"only": "this"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"only": "this"}; !reflect.DeepEqual(info.Labels, want) {
		t.Errorf("no paths: %v, want %v", info.Labels, want)
	}
	if info.Updated.Before(info.Created) {
		t.Errorf("updated %v before created %v", info.Updated, info.Created)
	}
	stat, err := s.Stat(ctx, "a")
	if err != nil || !reflect.DeepEqual(stat, info) {
		t.Errorf("Stat after Update = %+v, %v; want %+v", stat, err, info)
	}
}
