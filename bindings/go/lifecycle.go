package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import (
	"context"
	"sort"
	"time"
	"unsafe"
)

// LifecycleKind is snapshotter_lifecycle_info.kind, with containerd's values.
type LifecycleKind uint32

const (
	// LifecycleView: a read-only active, which cannot be committed.
	LifecycleView LifecycleKind = C.SNAPSHOTTER_LIFECYCLE_VIEW
	// LifecycleActive: a writable tree, prepared to be changed and committed.
	LifecycleActive LifecycleKind = C.SNAPSHOTTER_LIFECYCLE_ACTIVE
	// LifecycleCommitted: an immutable snapshot, the only kind that can be a parent.
	LifecycleCommitted LifecycleKind = C.SNAPSHOTTER_LIFECYCLE_COMMITTED
)

func (k LifecycleKind) String() string {
	switch k {
	case LifecycleView:
		return "view"
	case LifecycleActive:
		return "active"
	case LifecycleCommitted:
		return "committed"
	}
	return "unknown"
}

// Mount mirrors snapshotter_mount (and containerd's mount.Mount): mount(2) Source with filesystem Type
// ("bind" or "overlay") and Options ("ro", "rbind", "lowerdir=...").
type Mount struct {
	Type    string
	Source  string
	Options []string
}

// LifecycleInfo mirrors snapshotter_lifecycle_info (containerd's snapshots.Info).
type LifecycleInfo struct {
	Kind LifecycleKind
	Key  string
	// Parent is the committed parent's name; "" for none.
	Parent  string
	Labels  map[string]string
	Created time.Time
	Updated time.Time
	// SnapshotName and SnapshotVersion name a committed snapshot's files as a snapshot of the store
	// (restored, exported, published like any other); "" for actives and views.
	SnapshotName    string
	SnapshotVersion string
}

// LifecycleRequest mirrors snapshotter_lifecycle_request: what Prepare and View make.
type LifecycleRequest struct {
	// Key is the new snapshot's key: any non-empty string without NUL bytes, never a path.
	Key string
	// Parent is a committed snapshot's name; "" for none.
	Parent string
	// Labels set to "" are not kept; names and values take at most 4096 bytes together.
	Labels map[string]string
}

// CommitRequest mirrors snapshotter_lifecycle_commit_request.
type CommitRequest struct {
	// Name of the committed snapshot; Key the active committed (unmounted), which is gone afterwards.
	Name   string
	Key    string
	Labels map[string]string
	// SnapshotName and SnapshotVersion name the snapshot of the store its files are recorded as (rules
	// as for SnapshotRequest); "" for both: "lifecycle" and the snapshot's numeric id.
	SnapshotName    string
	SnapshotVersion string
	// Progress, when set, counts the changed files stored; it runs on a library thread, never
	// concurrently with itself for one call.
	Progress func(Progress)
}

// UpdateRequest mirrors snapshotter_lifecycle_update_request.
type UpdateRequest struct {
	Key    string
	Labels map[string]string
	// FieldPaths are containerd's: none or "labels" replace the labels with Labels; "labels.NAME" sets
	// NAME to its value in Labels, or removes it when absent there. Any other path is
	// ErrInvalidArgument.
	FieldPaths []string
}

// WalkRequest mirrors snapshotter_lifecycle_walk_request; the zero value keeps every snapshot.
type WalkRequest struct {
	// Kind keeps only this kind; 0 keeps any.
	Kind LifecycleKind
	// Parent keeps only the children of this name.
	Parent string
	// Label keeps only the snapshots with this label, set to LabelValue or, when LabelValue is "", to
	// any value (labels are never kept set to "").
	Label      string
	LabelValue string
}

// Usage mirrors snapshotter_usage: the disk a snapshot's own directory takes.
type Usage struct {
	// Bytes allocated, each inode counted once.
	Bytes  int64
	Inodes int64
}

// Prepare makes an active snapshot from Parent (or from nothing) and returns the mounts of its
// writable tree. It costs the same whatever the parent holds. The library cannot cancel this call:
// ctx is consulted before it starts, as for every lifecycle call but Commit.
func (s *Snapshotter) Prepare(ctx context.Context, req LifecycleRequest) ([]Mount, error) {
	return s.makeActive(ctx, req, func(out **C.snapshotter_mount_list, handle *C.snapshotter, c *C.snapshotter_lifecycle_request, cerr **C.snapshotter_error) C.snapshotter_code {
		return C.snapshotter_lifecycle_prepare(out, handle, c, cerr)
	})
}

// View makes a read-only view of Parent and returns its mounts.
func (s *Snapshotter) View(ctx context.Context, req LifecycleRequest) ([]Mount, error) {
	return s.makeActive(ctx, req, func(out **C.snapshotter_mount_list, handle *C.snapshotter, c *C.snapshotter_lifecycle_request, cerr **C.snapshotter_error) C.snapshotter_code {
		return C.snapshotter_lifecycle_view(out, handle, c, cerr)
	})
}

func (s *Snapshotter) makeActive(ctx context.Context, req LifecycleRequest,
	invoke func(**C.snapshotter_mount_list, *C.snapshotter, *C.snapshotter_lifecycle_request, **C.snapshotter_error) C.snapshotter_code) ([]Mount, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_lifecycle_request](&a)
	a.init(C.snapshotter_lifecycle_request_init(c, C.SNAPSHOTTER_LIFECYCLE_REQUEST_VERSION), "snapshotter_lifecycle_request")
	c.key = a.str(req.Key, "key")
	c.parent = a.str(req.Parent, "parent")
	c.labels, c.label_count = a.labels(req.Labels)
	if a.err != nil {
		return nil, a.err
	}
	var mounts []Mount
	err := s.call(ctx, func(handle *C.snapshotter, cerr **C.snapshotter_error) (code C.snapshotter_code) {
		mounts, code = takeMounts(func(out **C.snapshotter_mount_list) C.snapshotter_code { return invoke(out, handle, c, cerr) })
		return code
	})
	return mounts, err
}

// Mounts returns the mounts of an active snapshot or a view, as Prepare or View returned them.
func (s *Snapshotter) Mounts(ctx context.Context, key string) ([]Mount, error) {
	var mounts []Mount
	err := s.callWithKey(ctx, key, func(handle *C.snapshotter, ckey *C.char, cerr **C.snapshotter_error) (code C.snapshotter_code) {
		mounts, code = takeMounts(func(out **C.snapshotter_mount_list) C.snapshotter_code {
			return C.snapshotter_lifecycle_mounts(out, handle, ckey, cerr)
		})
		return code
	})
	return mounts, err
}

// Commit records an active snapshot's tree as the committed snapshot Name, whose parent is the
// active's parent, and removes the active. Only the files that changed are read and hashed; the stats
// count those stored. The caller unmounts the active first. Cancelling ctx stops the call, which then
// changes nothing.
func (s *Snapshotter) Commit(ctx context.Context, req CommitRequest) (Stats, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_lifecycle_commit_request](&a)
	a.init(C.snapshotter_lifecycle_commit_request_init(c, C.SNAPSHOTTER_LIFECYCLE_COMMIT_REQUEST_VERSION), "snapshotter_lifecycle_commit_request")
	c.name = a.str(req.Name, "name")
	c.key = a.str(req.Key, "key")
	c.labels, c.label_count = a.labels(req.Labels)
	c.snapshot_name = a.str(req.SnapshotName, "snapshot_name")
	c.snapshot_version = a.str(req.SnapshotVersion, "snapshot_version")
	if a.err != nil {
		return Stats{}, a.err
	}
	return s.runForStats(ctx, req.Progress, func(handle *C.snapshotter, ctl control, stats *C.snapshotter_stats, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel, c.progress, c.progress_payload = ctl.cancel, ctl.progress, ctl.payload
		return C.snapshotter_lifecycle_commit(stats, handle, c, cerr)
	})
}

// Remove removes a snapshot and its directory (the caller unmounts it first); ErrFailedPrecondition
// while other snapshots have it as their parent.
func (s *Snapshotter) Remove(ctx context.Context, key string) error {
	return s.callWithKey(ctx, key, func(handle *C.snapshotter, ckey *C.char, cerr **C.snapshotter_error) C.snapshotter_code {
		return C.snapshotter_lifecycle_remove(handle, ckey, cerr)
	})
}

// Stat describes one snapshot.
func (s *Snapshotter) Stat(ctx context.Context, key string) (LifecycleInfo, error) {
	var info LifecycleInfo
	err := s.callWithKey(ctx, key, func(handle *C.snapshotter, ckey *C.char, cerr **C.snapshotter_error) (code C.snapshotter_code) {
		info, code = takeInfo(func(out **C.snapshotter_lifecycle_list) C.snapshotter_code {
			return C.snapshotter_lifecycle_stat(out, handle, ckey, cerr)
		})
		return code
	})
	return info, err
}

// Update changes a snapshot's labels as req.FieldPaths say and returns the snapshot as updated.
func (s *Snapshotter) Update(ctx context.Context, req UpdateRequest) (LifecycleInfo, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_lifecycle_update_request](&a)
	a.init(C.snapshotter_lifecycle_update_request_init(c, C.SNAPSHOTTER_LIFECYCLE_UPDATE_REQUEST_VERSION), "snapshotter_lifecycle_update_request")
	c.key = a.str(req.Key, "key")
	c.labels, c.label_count = a.labels(req.Labels)
	paths := cnewArray[*C.char](&a, len(req.FieldPaths))
	for i, p := range req.FieldPaths {
		paths[i] = a.str(p, "field_paths")
	}
	if len(paths) > 0 {
		c.field_paths, c.field_path_count = &paths[0], C.size_t(len(paths))
	}
	if a.err != nil {
		return LifecycleInfo{}, a.err
	}
	var info LifecycleInfo
	err := s.call(ctx, func(handle *C.snapshotter, cerr **C.snapshotter_error) (code C.snapshotter_code) {
		info, code = takeInfo(func(out **C.snapshotter_lifecycle_list) C.snapshotter_code {
			return C.snapshotter_lifecycle_update(out, handle, c, cerr)
		})
		return code
	})
	return info, err
}

// Walk returns the snapshots req keeps, ordered by key.
func (s *Snapshotter) Walk(ctx context.Context, req WalkRequest) ([]LifecycleInfo, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_lifecycle_walk_request](&a)
	a.init(C.snapshotter_lifecycle_walk_request_init(c, C.SNAPSHOTTER_LIFECYCLE_WALK_REQUEST_VERSION), "snapshotter_lifecycle_walk_request")
	c.kind = C.uint32_t(req.Kind)
	c.parent = a.str(req.Parent, "parent")
	c.label_name = a.str(req.Label, "label_name")
	c.label_value = a.str(req.LabelValue, "label_value")
	if a.err != nil {
		return nil, a.err
	}
	var infos []LifecycleInfo
	err := s.call(ctx, func(handle *C.snapshotter, cerr **C.snapshotter_error) C.snapshotter_code {
		var list *C.snapshotter_lifecycle_list
		code := C.snapshotter_lifecycle_walk(&list, handle, c, cerr)
		defer C.snapshotter_lifecycle_list_free(list)
		if code == C.SNAPSHOTTER_OK {
			n := C.snapshotter_lifecycle_list_count(list)
			infos = make([]LifecycleInfo, 0, int(n))
			for i := C.size_t(0); i < n; i++ {
				infos = append(infos, lifecycleInfoFrom(C.snapshotter_lifecycle_list_get(list, i)))
			}
		}
		return code
	})
	return infos, err
}

// Usage returns the disk a snapshot's own directory takes: an active's changes, a committed
// snapshot's layer, nothing for a view.
func (s *Snapshotter) Usage(ctx context.Context, key string) (Usage, error) {
	usage := C.snapshotter_usage{version: C.SNAPSHOTTER_USAGE_VERSION}
	err := s.callWithKey(ctx, key, func(handle *C.snapshotter, ckey *C.char, cerr **C.snapshotter_error) C.snapshotter_code {
		return C.snapshotter_lifecycle_usage(&usage, handle, ckey, cerr)
	})
	if err != nil {
		return Usage{}, err
	}
	return Usage{Bytes: int64(usage.bytes), Inodes: int64(usage.inodes)}, nil
}

// callWithKey makes one library call about the snapshot key.
func (s *Snapshotter) callWithKey(ctx context.Context, key string,
	invoke func(handle *C.snapshotter, ckey *C.char, cerr **C.snapshotter_error) C.snapshotter_code) error {
	var a arena
	defer a.free()
	ckey := a.str(key, "key")
	if a.err != nil {
		return a.err
	}
	return s.call(ctx, func(handle *C.snapshotter, cerr **C.snapshotter_error) C.snapshotter_code {
		return invoke(handle, ckey, cerr)
	})
}

// takeMounts makes a call that returns a mount list, copies the list out and frees it.
func takeMounts(invoke func(out **C.snapshotter_mount_list) C.snapshotter_code) ([]Mount, C.snapshotter_code) {
	var list *C.snapshotter_mount_list
	code := invoke(&list)
	defer C.snapshotter_mount_list_free(list)
	if code != C.SNAPSHOTTER_OK {
		return nil, code
	}
	return mountsFrom(list), code
}

// takeInfo makes a call that returns a list of one snapshot, copies it out and frees the list.
func takeInfo(invoke func(out **C.snapshotter_lifecycle_list) C.snapshotter_code) (LifecycleInfo, C.snapshotter_code) {
	var list *C.snapshotter_lifecycle_list
	code := invoke(&list)
	defer C.snapshotter_lifecycle_list_free(list)
	if code != C.SNAPSHOTTER_OK {
		return LifecycleInfo{}, code
	}
	return lifecycleInfoFrom(C.snapshotter_lifecycle_list_get(list, 0)), code
}

// labels copies labels into C memory, ordered by name so that the library sees the same request
// whatever Go's map order.
func (a *arena) labels(labels map[string]string) (*C.snapshotter_label, C.size_t) {
	if len(labels) == 0 {
		return nil, 0
	}
	names := make([]string, 0, len(labels))
	for name := range labels {
		names = append(names, name)
	}
	sort.Strings(names)
	c := cnewArray[C.snapshotter_label](a, len(names))
	for i, name := range names {
		a.init(C.snapshotter_label_init(&c[i], C.SNAPSHOTTER_LABEL_VERSION), "snapshotter_label")
		c[i].name = a.str(name, "label name")
		c[i].value = a.str(labels[name], "label "+name)
	}
	return &c[0], C.size_t(len(c))
}

// mountsFrom copies what the library owns out of a mount list.
func mountsFrom(list *C.snapshotter_mount_list) []Mount {
	n := C.snapshotter_mount_list_count(list)
	mounts := make([]Mount, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		m := C.snapshotter_mount_list_get(list, i)
		if m == nil {
			continue
		}
		mount := Mount{Type: C.GoString(m._type), Source: C.GoString(m.source)}
		if m.option_count > 0 {
			for _, option := range unsafe.Slice(m.options, int(m.option_count)) {
				mount.Options = append(mount.Options, C.GoString(option))
			}
		}
		mounts = append(mounts, mount)
	}
	return mounts
}

// lifecycleInfoFrom copies what the library owns; nil (never returned for a valid index) is zero.
func lifecycleInfoFrom(c *C.snapshotter_lifecycle_info) LifecycleInfo {
	if c == nil {
		return LifecycleInfo{}
	}
	info := LifecycleInfo{
		Kind:            LifecycleKind(c.kind),
		Key:             C.GoString(c.key),
		Parent:          C.GoString(c.parent),
		Created:         time.Unix(0, int64(c.created_ns)),
		Updated:         time.Unix(0, int64(c.updated_ns)),
		SnapshotName:    C.GoString(c.snapshot_name),
		SnapshotVersion: C.GoString(c.snapshot_version),
	}
	if c.label_count > 0 {
		info.Labels = make(map[string]string, int(c.label_count))
		for _, label := range unsafe.Slice(c.labels, int(c.label_count)) {
			info.Labels[C.GoString(label.name)] = C.GoString(label.value)
		}
	}
	return info
}
