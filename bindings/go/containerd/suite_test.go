package containerd_test

import (
	"context"
	"testing"

	"github.com/containerd/containerd/pkg/testutil"
	"github.com/containerd/containerd/snapshots"
	"github.com/containerd/containerd/snapshots/native"
	"github.com/containerd/containerd/snapshots/testsuite"
	"libsnapshotter.dev/bindings/go/containerd"
)

// TestNativeSnapshotterSuite runs containerd's contract suite against containerd's own native
// snapshotter: the control that tells a broken harness (GOPATH build, root, mounts) from a broken
// adapter.
func TestNativeSnapshotterSuite(t *testing.T) {
	testutil.RequiresRoot(t)
	testsuite.SnapshotterSuite(t, "native", func(ctx context.Context, root string) (snapshots.Snapshotter, func() error, error) {
		sn, err := native.NewSnapshotter(root)
		if err != nil {
			return nil, nil, err
		}
		return sn, sn.Close, nil
	})
}

// TestSnapshotterSuite runs containerd's contract suite against the adapter.
func TestSnapshotterSuite(t *testing.T) {
	testutil.RequiresRoot(t)
	testsuite.SnapshotterSuite(t, "libsnapshotter", func(ctx context.Context, root string) (snapshots.Snapshotter, func() error, error) {
		sn, err := containerd.NewSnapshotter(root)
		if err != nil {
			return nil, nil, err
		}
		return sn, sn.Close, nil
	})
}
