package snapshotter_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	snapshotter "libsnapshotter.dev/bindings/go"
)

// Snapshot metadata through RegistryOptions: an oci: layout carries a snapshot from one store to
// another (content through a shared content dir), and registry failures map to their sentinels.
func TestRegistryOptionsCarrySnapshotsBetweenStores(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	files := smallTree(t, src, 9)
	content := &snapshotter.ContentOptions{Dir: filepath.Join(dir, "content")}
	registry := &snapshotter.RegistryOptions{URL: "oci:" + filepath.Join(dir, "layout"), Namespace: "team"}
	ctx := context.Background()
	a := open(t, snapshotter.Options{RootDir: filepath.Join(dir, "a"), Content: content, Registry: registry})
	if _, err := a.Snapshot(ctx, snapshotter.SnapshotRequest{Name: "vm", Version: "v1", BaseDir: src, Files: files}); err != nil {
		t.Fatal(err)
	}

	b := open(t, snapshotter.Options{RootDir: filepath.Join(dir, "b"), Content: content, Registry: registry})
	out := filepath.Join(dir, "out")
	stats, err := b.Restore(ctx, snapshotter.RestoreRequest{Name: "vm", Version: "v1", OutputDir: out})
	if err != nil || stats.Files != 2 {
		t.Fatalf("restore on another store: %+v, %v", stats, err)
	}
	for _, f := range files {
		want, _ := os.ReadFile(filepath.Join(src, f.RelativePath))
		got, _ := os.ReadFile(filepath.Join(out, f.RelativePath))
		if string(want) != string(got) {
			t.Fatalf("%s differs after the round trip", f.RelativePath)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "layout", "index.json")); err != nil {
		t.Fatalf("no OCI layout was written: %v", err)
	}
}

func TestRegistryFailuresAreErrorsOfTheirKind(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := fmt.Sprintf("http://%s", listener.Addr())
	listener.Close()
	s := open(t, snapshotter.Options{Registry: &snapshotter.RegistryOptions{URL: unreachable, MaxAttempts: 1}})
	_, err = s.Restore(context.Background(), snapshotter.RestoreRequest{Name: "vm", Version: "v1"})
	checkError(t, "an unreachable registry", err, snapshotter.ErrUnavailable, unreachable)

	_, err = snapshotter.Open(snapshotter.Options{RootDir: t.TempDir(), Registry: &snapshotter.RegistryOptions{URL: "ftp://example"}})
	checkError(t, "a URL of another scheme", err, snapshotter.ErrInvalidArgument, "registry.url")
	const password = "se\x00cret-pw"
	_, err = snapshotter.Open(snapshotter.Options{RootDir: t.TempDir(), Registry: &snapshotter.RegistryOptions{URL: unreachable, Password: password}})
	checkError(t, "a NUL byte in the password", err, snapshotter.ErrInvalidArgument, "registry.password")
	if strings.Contains(err.Error(), "cret-pw") {
		t.Fatalf("the password appears in %q", err.Error())
	}
	_, err = snapshotter.Open(snapshotter.Options{RootDir: t.TempDir(), Registry: &snapshotter.RegistryOptions{URL: unreachable, RequestTimeout: -1}})
	checkError(t, "a negative timeout", err, snapshotter.ErrInvalidArgument, "registry.request_timeout")
}
