package snapshotter

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"d7y.io/snapshotter/pkg/dragonfly"
)

// A content provider given per call replaces the one in use as a registry does. Needs a dfdaemon:
// e2e/test.sh runs this test against the stand-in, with D7Y_TEST_DFDAEMON (its socket) and
// D7Y_TEST_OBJECTS (its object storage directory) set.
func TestAContentProviderGivenPerCallReplacesTheOneInUse(t *testing.T) {
	socket, objects := os.Getenv("D7Y_TEST_DFDAEMON"), os.Getenv("D7Y_TEST_OBJECTS")
	if socket == "" || objects == "" {
		t.Skip("needs a dfdaemon: run by e2e/test.sh")
	}
	dir := t.TempDir()
	bucket := func(name string) dragonfly.ContentProvider {
		return dragonfly.ContentProvider{Provider: "s3", Bucket: name, Region: "us-east-1", Endpoint: "http://127.0.0.1:9000"}
	}
	s, err := New(Config{RootDir: filepath.Join(dir, "root"), Dragonfly: dragonfly.Dragonfly{Endpoint: "unix://" + socket}, Content: bucket("one")})
	if err != nil {
		t.Fatal(err)
	}
	snapshot := func(version string, seed int64, opts ...Option) error {
		src := filepath.Join(dir, version)
		files := tree(t, src, 4096, seed)
		return s.Snapshot(context.Background(), &SnapshotRequest{Name: "vm", Version: version, BaseDir: src, Files: files}, opts...)
	}
	objectsIn := func(bucket string) int {
		entries, _ := os.ReadDir(filepath.Join(objects, bucket, "xxh3"))
		return len(entries)
	}

	if err := snapshot("v1", 10); err != nil {
		t.Fatal(err)
	}
	if err := snapshot("v2", 20, WithContent(bucket("two"))); err != nil {
		t.Fatal(err)
	}
	// Only its non-empty fields are compared: the bucket in use already, so nothing changes.
	if err := snapshot("v3", 30, WithContent(dragonfly.ContentProvider{Bucket: "two"})); err != nil {
		t.Fatal(err)
	}
	if one, two := objectsIn("one"), objectsIn("two"); one != 2 || two != 4 {
		t.Fatalf("objects: %d in bucket one (want 2), %d in bucket two (want 4)", one, two)
	}

	err = snapshot("v4", 40, WithContent(dragonfly.ContentProvider{Bucket: "three"}))
	if err == nil || err.Error() != "failed to initialize: content provider is required" {
		t.Fatalf("a content provider without a provider: %v", err)
	}
}
