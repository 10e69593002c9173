package containerd_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/snapshots"
	lib "libsnapshotter.dev/bindings/go"
	"libsnapshotter.dev/bindings/go/containerd"
)

func newAdapter(t *testing.T) snapshots.Snapshotter {
	t.Helper()
	sn, err := containerd.NewSnapshotter(filepath.Join(t.TempDir(), "root"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sn.Close() })
	return sn
}

// Each refusal is the errdefs class containerd (and errdefs.ToGRPC, over the proxy plugin) expects, and
// still the binding's own error.
func TestErrorsAreContainerdsClasses(t *testing.T) {
	sn := newAdapter(t)
	ctx := context.Background()
	if _, err := sn.Prepare(ctx, "base-active", ""); err != nil {
		t.Fatal(err)
	}
	if err := sn.Commit(ctx, "base", "base-active"); err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Prepare(ctx, "child", "base"); err != nil {
		t.Fatal(err)
	}

	_, err := sn.Stat(ctx, "missing")
	expectClass(t, "Stat of an unknown key", err, errdefs.IsNotFound, lib.ErrNotFound)
	_, err = sn.Prepare(ctx, "child", "base")
	expectClass(t, "Prepare of a key in use", err, errdefs.IsAlreadyExists, lib.ErrAlreadyExists)
	err = sn.Remove(ctx, "base")
	expectClass(t, "Remove of a parent", err, errdefs.IsFailedPrecondition, lib.ErrFailedPrecondition)
	_, err = sn.Update(ctx, snapshots.Info{Name: "base", Parent: "other"}, "parent")
	expectClass(t, "Update of the parent", err, errdefs.IsInvalidArgument, lib.ErrInvalidArgument)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := sn.Stat(cancelled, "base"); !errors.Is(err, context.Canceled) || !errdefs.IsCanceled(err) {
		t.Errorf("Stat with a cancelled context: %v, want context.Canceled", err)
	}
}

func expectClass(t *testing.T, what string, err error, is func(error) bool, sentinel error) {
	t.Helper()
	if err == nil || !is(err) || !errors.Is(err, sentinel) {
		t.Errorf("%s: %v, want the errdefs class and %v", what, err, sentinel)
	}
}

// Label names with dots, which containerd's filter parser splits into field path parts, are matched
// whole; several filters keep what any of them keeps.
func TestWalkFiltersAsContainerdDoes(t *testing.T) {
	sn := newAdapter(t)
	ctx := context.Background()
	labelled := snapshots.WithLabels(map[string]string{"example.com/role": "base"})
	if _, err := sn.Prepare(ctx, "a", "", labelled); err != nil {
		t.Fatal(err)
	}
	if err := sn.Commit(ctx, "A", "a", labelled); err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Prepare(ctx, "b", "A"); err != nil {
		t.Fatal(err)
	}
	if _, err := sn.View(ctx, "v", "A"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		filters []string
		want    []string
	}{
		{nil, []string{"A", "b", "v"}},
		{[]string{`labels."example.com/role"==base`}, []string{"A"}},
		{[]string{"parent==A"}, []string{"b", "v"}},
		{[]string{"kind==view", "kind==committed"}, []string{"A", "v"}},
		{[]string{"parent==A,kind==active"}, []string{"b"}},
		{[]string{"name~=^[ab]$"}, []string{"b"}},
	} {
		var got []string
		err := sn.Walk(ctx, func(_ context.Context, info snapshots.Info) error {
			got = append(got, info.Name)
			return nil
		}, tc.filters...)
		if err != nil {
			t.Fatalf("Walk(%q): %v", tc.filters, err)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Walk(%q) = %q, want %q", tc.filters, got, tc.want)
		}
	}
	if err := sn.Walk(ctx, func(context.Context, snapshots.Info) error { return nil }, "kind=="); !errdefs.IsInvalidArgument(err) {
		t.Errorf("Walk with a malformed filter: %v, want invalid argument", err)
	}
}
