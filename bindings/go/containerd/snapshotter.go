// Package containerd implements containerd's snapshots.Snapshotter (containerd 1.6) over libsnapshotter:
// committed snapshots are snapshots of the store, their content deduplicated across every snapshot and
// verified when read, and can be restored, exported and published like any other.
//
// It builds in GOPATH mode against Debian's containerd sources (golang-github-containerd-containerd-dev);
// see docs/containerd.md.
package containerd

import (
	"context"
	"errors"
	"strings"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/filters"
	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/snapshots"
	lib "libsnapshotter.dev/bindings/go"
)

type snapshotter struct {
	store *lib.Snapshotter
}

// NewSnapshotter opens (creating it if needed) the store at root and returns it as containerd's
// snapshotter, as containerd's native.NewSnapshotter does for its own directory layout.
func NewSnapshotter(root string) (snapshots.Snapshotter, error) {
	store, err := lib.Open(lib.Options{RootDir: root})
	if err != nil {
		return nil, classify(err)
	}
	return &snapshotter{store: store}, nil
}

func (s *snapshotter) Stat(ctx context.Context, key string) (snapshots.Info, error) {
	info, err := s.store.Stat(ctx, key)
	if err != nil {
		return snapshots.Info{}, classify(err)
	}
	return infoOf(info), nil
}

// Update changes labels only, with containerd's field paths ("labels", "labels.NAME"); Kind, Parent and
// the times cannot be changed, as in containerd's own snapshotters.
func (s *snapshotter) Update(ctx context.Context, info snapshots.Info, fieldpaths ...string) (snapshots.Info, error) {
	updated, err := s.store.Update(ctx, lib.UpdateRequest{Key: info.Name, Labels: info.Labels, FieldPaths: fieldpaths})
	if err != nil {
		return snapshots.Info{}, classify(err)
	}
	return infoOf(updated), nil
}

func (s *snapshotter) Usage(ctx context.Context, key string) (snapshots.Usage, error) {
	usage, err := s.store.Usage(ctx, key)
	if err != nil {
		return snapshots.Usage{}, classify(err)
	}
	return snapshots.Usage{Size: usage.Bytes, Inodes: usage.Inodes}, nil
}

func (s *snapshotter) Mounts(ctx context.Context, key string) ([]mount.Mount, error) {
	mounts, err := s.store.Mounts(ctx, key)
	if err != nil {
		return nil, classify(err)
	}
	return mountsOf(mounts), nil
}

func (s *snapshotter) Prepare(ctx context.Context, key, parent string, opts ...snapshots.Opt) ([]mount.Mount, error) {
	labels, err := labelsOf(opts)
	if err != nil {
		return nil, err
	}
	mounts, err := s.store.Prepare(ctx, lib.LifecycleRequest{Key: key, Parent: parent, Labels: labels})
	if err != nil {
		return nil, classify(err)
	}
	return mountsOf(mounts), nil
}

func (s *snapshotter) View(ctx context.Context, key, parent string, opts ...snapshots.Opt) ([]mount.Mount, error) {
	labels, err := labelsOf(opts)
	if err != nil {
		return nil, err
	}
	mounts, err := s.store.View(ctx, lib.LifecycleRequest{Key: key, Parent: parent, Labels: labels})
	if err != nil {
		return nil, classify(err)
	}
	return mountsOf(mounts), nil
}

func (s *snapshotter) Commit(ctx context.Context, name, key string, opts ...snapshots.Opt) error {
	labels, err := labelsOf(opts)
	if err != nil {
		return err
	}
	_, err = s.store.Commit(ctx, lib.CommitRequest{Name: name, Key: key, Labels: labels})
	return classify(err)
}

func (s *snapshotter) Remove(ctx context.Context, key string) error {
	return classify(s.store.Remove(ctx, key))
}

// Walk calls fn for the snapshots the filters keep, in containerd's filter syntax ("kind==committed",
// "parent==NAME", `labels."NAME"==VALUE`, regular expressions with ~=; any one of several filters
// keeps a snapshot). The filters are evaluated by containerd's own filters package, so that they mean
// exactly what they mean to containerd's snapshotters.
func (s *snapshotter) Walk(ctx context.Context, fn snapshots.WalkFunc, fs ...string) error {
	filter, err := filters.ParseAll(fs...)
	if err != nil {
		return err
	}
	infos, err := s.store.Walk(ctx, lib.WalkRequest{})
	if err != nil {
		return classify(err)
	}
	for _, info := range infos {
		info := infoOf(info)
		if !filter.Match(adaptInfo(info)) {
			continue
		}
		if err := fn(ctx, info); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the store; it is idempotent.
func (s *snapshotter) Close() error {
	return s.store.Close()
}

// adaptInfo exposes info's fields to containerd's filters, as containerd's snapshot metadata does.
func adaptInfo(info snapshots.Info) filters.Adaptor {
	return filters.AdapterFunc(func(fieldpath []string) (string, bool) {
		if len(fieldpath) == 0 {
			return "", false
		}
		switch fieldpath[0] {
		case "kind":
			switch info.Kind {
			case snapshots.KindActive:
				return "active", true
			case snapshots.KindView:
				return "view", true
			case snapshots.KindCommitted:
				return "committed", true
			}
		case "name":
			return info.Name, true
		case "parent":
			return info.Parent, true
		case "labels":
			value, ok := info.Labels[strings.Join(fieldpath[1:], ".")]
			return value, ok
		}
		return "", false
	})
}

func labelsOf(opts []snapshots.Opt) (map[string]string, error) {
	var info snapshots.Info
	for _, opt := range opts {
		if err := opt(&info); err != nil {
			return nil, err
		}
	}
	return info.Labels, nil
}

func infoOf(info lib.LifecycleInfo) snapshots.Info {
	kind := snapshots.KindUnknown
	switch info.Kind {
	case lib.LifecycleView:
		kind = snapshots.KindView
	case lib.LifecycleActive:
		kind = snapshots.KindActive
	case lib.LifecycleCommitted:
		kind = snapshots.KindCommitted
	}
	return snapshots.Info{
		Kind:    kind,
		Name:    info.Key,
		Parent:  info.Parent,
		Labels:  info.Labels,
		Created: info.Created.UTC(),
		Updated: info.Updated.UTC(),
	}
}

func mountsOf(mounts []lib.Mount) []mount.Mount {
	converted := make([]mount.Mount, len(mounts))
	for i, m := range mounts {
		converted[i] = mount.Mount{Type: m.Type, Source: m.Source, Options: m.Options}
	}
	return converted
}

// classifiedError is a library error that also matches the containerd errdefs class of its code, so
// that errdefs.IsNotFound and friends (and errdefs.ToGRPC, over a proxy plugin) see what happened,
// while errors.Is against the binding's sentinels keeps working.
type classifiedError struct {
	cause *lib.Error
	class error
}

func (e *classifiedError) Error() string        { return e.cause.Error() }
func (e *classifiedError) Unwrap() error        { return e.class }
func (e *classifiedError) Is(target error) bool { return errors.Is(e.cause, target) }

// classify maps the library's codes to containerd's errdefs; nil stays nil.
func classify(err error) error {
	var e *lib.Error
	if !errors.As(err, &e) {
		return err
	}
	var class error
	switch e.Code {
	case lib.CodeNotFound:
		class = errdefs.ErrNotFound
	case lib.CodeAlreadyExists:
		class = errdefs.ErrAlreadyExists
	case lib.CodeFailedPrecondition:
		class = errdefs.ErrFailedPrecondition
	case lib.CodeInvalidArgument:
		class = errdefs.ErrInvalidArgument
	case lib.CodeUnsupported:
		class = errdefs.ErrNotImplemented
	case lib.CodeClosed, lib.CodeUnavailable:
		class = errdefs.ErrUnavailable
	case lib.CodeCancelled:
		// A call cancelled through its context wraps the context's error, which containerd maps to
		// its own Canceled and DeadlineExceeded.
		if cause := e.Unwrap(); cause != nil {
			class = cause
		} else {
			class = context.Canceled
		}
	default:
		class = errdefs.ErrUnknown
	}
	return &classifiedError{cause: e, class: class}
}
