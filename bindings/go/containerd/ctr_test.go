package containerd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/snapshots"
)

// ctrSnapshotLifecycle drives snapshotter through `ctr snapshot`: the design notes' scenario (P0,
// then P1 and P2 both prepared from P0), mounts, a read-only view, tree, usage, a refused removal of a
// parent, and removal of everything.
func ctrSnapshotLifecycle(t *testing.T, d *daemon, snapshotter string) {
	sn := func(args ...string) string {
		t.Helper()
		return d.ctr(t, append([]string{"snapshot", "--snapshotter", snapshotter}, args...)...)
	}
	// Keys as containerd's own look: paths, digests, dot-dot segments are names, never paths.
	const (
		activeA = "k8s.io/3/extract-1 sha256:aa"
		p0      = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
		activeB = "../b"
		p1      = "default/P1"
		activeC = "c/../../c"
		p2      = "P2"
		view    = "view/of/P1"
	)

	root, unmount := mountAt(t, mountsOf(t, sn("prepare", "--mounts", activeA)))
	writeTree(t, root, map[string]string{"etc/os-release": "P0\n", "bin/tool": "tool v1\n", "data/kept": "kept\n"})
	unmount()
	sn("commit", p0, activeA)

	// This active is mounted through what `ctr snapshot mounts` prints.
	sn("prepare", activeB, p0)
	root, unmount = mountAt(t, mountsFromCommands(t, sn("mounts", "/target", activeB)))
	expectTree(t, root, map[string]string{"etc/os-release": "P0\n", "bin/tool": "tool v1\n", "data/kept": "kept\n"})
	writeTree(t, root, map[string]string{"bin/tool": "tool v2\n", "new/file": "new\n"})
	if err := os.Remove(filepath.Join(root, "data/kept")); err != nil {
		t.Fatal(err)
	}
	unmount()
	sn("commit", p1, activeB)

	root, unmount = mountAt(t, mountsOf(t, sn("prepare", "--mounts", activeC, p0)))
	expectTree(t, root, map[string]string{"etc/os-release": "P0\n", "bin/tool": "tool v1\n", "data/kept": "kept\n"})
	writeTree(t, root, map[string]string{"etc/os-release": "P2\n"})
	unmount()
	sn("commit", p2, activeC)

	// P2 was prepared from P0 after P1 was committed: its parent is P0, not P1.
	for name, parent := range map[string]string{p1: p0, p2: p0, p0: ""} {
		info := infoOf(t, sn("info", name))
		if info.Kind != snapshots.KindCommitted || info.Parent != parent || info.Name != name {
			t.Errorf("ctr snapshot info %q: %+v, want a committed snapshot with parent %q", name, info, parent)
		}
	}

	root, unmount = mountAt(t, d.view(t, snapshotter, view, p1))
	expectTree(t, root, map[string]string{"etc/os-release": "P0\n", "bin/tool": "tool v2\n", "new/file": "new\n"})
	if err := os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("changed"), 0o644); err == nil {
		t.Errorf("a view of %s was writable", p1)
	}
	unmount()

	parents := treeOf(t, sn("tree"))
	for name, parent := range map[string]string{p0: "", p1: p0, p2: p0, view: p1} {
		if got, ok := parents[name]; !ok || got != parent {
			t.Errorf("ctr snapshot tree: %q under %q (listed: %v), want under %q", name, got, ok, parent)
		}
	}

	fields := strings.Fields(strings.Split(strings.TrimSpace(sn("usage", "-b", p1)), "\n")[1])
	if len(fields) != 3 || fields[0] != p1 {
		t.Fatalf("ctr snapshot usage -b %s printed %v", p1, fields)
	}
	if size, err := strconv.ParseInt(fields[1], 10, 64); err != nil || size <= 0 {
		t.Errorf("usage of %s: size %q", p1, fields[1])
	}
	if inodes, err := strconv.ParseInt(fields[2], 10, 64); err != nil || inodes <= 0 {
		t.Errorf("usage of %s: inodes %q", p1, fields[2])
	}

	if _, err := d.ctrOutput("snapshot", "--snapshotter", snapshotter, "rm", p0); err == nil {
		t.Errorf("removing %s, the parent of %s and %s, succeeded", p0, p1, p2)
	} else if !strings.Contains(err.Error(), "failed precondition") {
		t.Errorf("removing a parent: %v, want a failed precondition", err)
	}
	if _, err := d.ctrOutput("snapshot", "--snapshotter", snapshotter, "commit", "P3", view); err == nil {
		t.Errorf("committing the view %s succeeded", view)
	}
	if _, err := d.ctrOutput("snapshot", "--snapshotter", snapshotter, "info", "no such key"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("info of an unknown key: %v, want not found", err)
	}
	sn("rm", view, p1, p2, p0)
	if listed := strings.Split(strings.TrimSpace(sn("ls")), "\n"); len(listed) != 1 {
		t.Errorf("snapshots left after removing all: %q", listed)
	}
}

// mountsFromCommands reads the mounts back from what `ctr snapshot mounts TARGET KEY` prints, one
// "mount -t TYPE SOURCE TARGET -o OPTIONS" line per mount.
func mountsFromCommands(t *testing.T, printed string) []mount.Mount {
	t.Helper()
	var mounts []mount.Mount
	for _, line := range strings.Split(strings.TrimSpace(printed), "\n") {
		f := strings.Fields(line)
		if len(f) != 7 || f[0] != "mount" || f[1] != "-t" || f[5] != "-o" {
			t.Fatalf("ctr snapshot mounts printed %q", line)
		}
		mounts = append(mounts, mount.Mount{Type: f[2], Source: f[3], Options: strings.Split(f[6], ",")})
	}
	return mounts
}

func infoOf(t *testing.T, printed string) snapshots.Info {
	t.Helper()
	var info snapshots.Info
	if err := json.Unmarshal([]byte(printed), &info); err != nil {
		t.Fatalf("ctr snapshot info printed %q: %v", printed, err)
	}
	return info
}

// treeOf reads what `ctr snapshot tree` draws into child -> parent ("" for a root).
func treeOf(t *testing.T, printed string) map[string]string {
	t.Helper()
	parents := map[string]string{}
	var path []string // the names on the way to the current line, one per level
	for _, line := range strings.Split(strings.TrimRight(printed, "\n"), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		level := (len(line) - len(trimmed)) / 2
		name := strings.TrimPrefix(strings.TrimPrefix(trimmed, "\\_"), " ")
		if level > len(path) {
			t.Fatalf("ctr snapshot tree skipped a level at %q:\n%s", line, printed)
		}
		path = append(path[:level], name)
		if level > 0 {
			parents[name] = path[level-1]
		} else {
			parents[name] = ""
		}
	}
	return parents
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// expectTree fails the test unless root holds exactly files (and the directories leading to them).
func expectTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	got := map[string]string{}
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		got[rel] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if got[name] != content {
			t.Errorf("%s: %q, want %q", name, got[name], content)
		}
	}
	for name := range got {
		if _, ok := files[name]; !ok {
			t.Errorf("%s: present, want absent", name)
		}
	}
}

func TestCtrSnapshotLifecycle(t *testing.T) {
	socket, _ := startPlugin(t)
	d := startContainerd(t, map[string]string{"libsnapshotter": socket})
	ctrSnapshotLifecycle(t, d, "libsnapshotter")
}

// TestCtrSnapshotLifecycleOverlayfs holds containerd's overlayfs snapshotter to the same scenario: the
// control that the scenario asks what containerd's own snapshotters do.
func TestCtrSnapshotLifecycleOverlayfs(t *testing.T) {
	d := startContainerd(t, nil)
	ctrSnapshotLifecycle(t, d, "overlayfs")
}
