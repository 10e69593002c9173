package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import (
	"context"
	"time"
)

// FileContentLocal is set in FileInfo.Flags when the file's content object is in the local store;
// without it, a restore fetches the content from the content provider. Never valid in a request.
const FileContentLocal FileFlags = C.SNAPSHOTTER_FILE_CONTENT_LOCAL

// SnapshotPlace is snapshotter_snapshot_info.flags: where a listed snapshot is.
type SnapshotPlace uint32

const (
	// SnapshotLocal: in the local store.
	SnapshotLocal SnapshotPlace = C.SNAPSHOTTER_SNAPSHOT_LOCAL
	// SnapshotRemote: tagged in the registry (ListRequest.Remote only).
	SnapshotRemote SnapshotPlace = C.SNAPSHOTTER_SNAPSHOT_REMOTE
)

// SnapshotInfo mirrors snapshotter_snapshot_info. A version known only from the registry has only its
// name, version and Place.
type SnapshotInfo struct {
	Name    string
	Version string
	Created time.Time
	// LastUsed is the last snapshot or restore of it.
	LastUsed time.Time
	// Files and Bytes: its files and their logical size.
	Files uint64
	Bytes uint64
	// StoredBytes is the stored size of its distinct content; content shared with other snapshots
	// counts for each of them.
	StoredBytes uint64
	Place       SnapshotPlace
}

// FileInfo mirrors snapshotter_file_info: one file of a snapshot, as recorded.
type FileInfo struct {
	RelativePath string
	Digest       string // "xxh3:<hex>"
	Size         uint64
	ModTime      time.Time
	Mode         uint32 // permission bits, as chmod takes them
	UID, GID     uint32
	Flags        FileFlags // FileReadOnly, FileContentLocal
}

// Inspection is one snapshot and its files, ordered by path.
type Inspection struct {
	Snapshot SnapshotInfo
	Files    []FileInfo
}

// ListRequest mirrors snapshotter_list_request.
type ListRequest struct {
	// Name, when set, lists only the snapshots of this name.
	Name string
	// Remote also lists the versions of Name (required) the registry tags.
	Remote bool
}

// InspectRequest mirrors snapshotter_inspect_request: the snapshot is Ref ("name:version",
// "name@latest", "name@<RFC 3339 time>"), or Name and Version, never both.
type InspectRequest struct {
	Ref     string
	Name    string
	Version string
}

// DeleteRequest mirrors snapshotter_delete_request; the snapshot is named as in InspectRequest.
type DeleteRequest struct {
	Ref     string
	Name    string
	Version string
	// Remote first deletes the manifest the registry tags the snapshot with (by digest: other tags
	// of that very manifest go with it).
	Remote bool
}

// DeleteStats mirror snapshotter_delete_stats.
type DeleteStats struct {
	// Files the deleted snapshot had.
	Files uint64
	// ContentFreed content objects no other snapshot referenced were removed, BytesFreed bytes.
	ContentFreed uint64
	BytesFreed   uint64
	// ManifestsDeleted is 1 when DeleteRequest.Remote deleted a manifest from the registry.
	ManifestsDeleted uint64
}

// List returns the local snapshots ordered by name, then creation time, then version; with Remote,
// then the versions only the registry has. Cancelling ctx stops a remote listing.
func (s *Snapshotter) List(ctx context.Context, req ListRequest) ([]SnapshotInfo, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_list_request](&a)
	a.init(C.snapshotter_list_request_init(c, C.SNAPSHOTTER_LIST_REQUEST_VERSION), "snapshotter_list_request")
	c.name = a.str(req.Name, "name")
	if req.Remote {
		c.flags = C.SNAPSHOTTER_LIST_REMOTE
	}
	if a.err != nil {
		return nil, a.err
	}
	var snapshots []SnapshotInfo
	err := s.run(ctx, nil, func(handle *C.snapshotter, ctl control, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel = ctl.cancel
		var list *C.snapshotter_snapshot_list
		code := C.snapshotter_list(&list, handle, c, cerr)
		defer C.snapshotter_snapshot_list_free(list)
		if code == C.SNAPSHOTTER_OK {
			n := C.snapshotter_snapshot_list_count(list)
			for i := C.size_t(0); i < n; i++ {
				snapshots = append(snapshots, snapshotInfoFrom(C.snapshotter_snapshot_list_get(list, i)))
			}
		}
		return code
	})
	return snapshots, err
}

// Inspect describes one snapshot and its files. The library cannot cancel this call: ctx is
// consulted before it starts.
func (s *Snapshotter) Inspect(ctx context.Context, req InspectRequest) (Inspection, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_inspect_request](&a)
	a.init(C.snapshotter_inspect_request_init(c, C.SNAPSHOTTER_INSPECT_REQUEST_VERSION), "snapshotter_inspect_request")
	c.ref = a.str(req.Ref, "ref")
	c.name = a.str(req.Name, "name")
	c.snapshot_version = a.str(req.Version, "snapshot_version")
	if a.err != nil {
		return Inspection{}, a.err
	}
	var inspection Inspection
	err := s.call(ctx, func(handle *C.snapshotter, cerr **C.snapshotter_error) C.snapshotter_code {
		var out *C.snapshotter_inspection
		code := C.snapshotter_inspect(&out, handle, c, cerr)
		defer C.snapshotter_inspection_free(out)
		if code == C.SNAPSHOTTER_OK {
			inspection = inspectionFrom(out)
		}
		return code
	})
	return inspection, err
}

// Delete removes a local snapshot: its metadata at once, then the content no other snapshot
// references; with Remote, first its manifest in the registry. Cancelling ctx stops a registry request.
func (s *Snapshotter) Delete(ctx context.Context, req DeleteRequest) (DeleteStats, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_delete_request](&a)
	a.init(C.snapshotter_delete_request_init(c, C.SNAPSHOTTER_DELETE_REQUEST_VERSION), "snapshotter_delete_request")
	c.ref = a.str(req.Ref, "ref")
	c.name = a.str(req.Name, "name")
	c.snapshot_version = a.str(req.Version, "snapshot_version")
	if req.Remote {
		c.flags = C.SNAPSHOTTER_DELETE_REMOTE
	}
	if a.err != nil {
		return DeleteStats{}, a.err
	}
	stats := C.snapshotter_delete_stats{version: C.SNAPSHOTTER_DELETE_STATS_VERSION}
	err := s.run(ctx, nil, func(handle *C.snapshotter, ctl control, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel = ctl.cancel
		return C.snapshotter_delete(&stats, handle, c, cerr)
	})
	if err != nil {
		return DeleteStats{}, err
	}
	return DeleteStats{Files: uint64(stats.files), ContentFreed: uint64(stats.content_freed), BytesFreed: uint64(stats.bytes_freed),
		ManifestsDeleted: uint64(stats.manifests_deleted)}, nil
}

// inspectionFrom copies what the library owns out of an inspection.
func inspectionFrom(out *C.snapshotter_inspection) Inspection {
	inspection := Inspection{Snapshot: snapshotInfoFrom(C.snapshotter_inspection_snapshot(out))}
	n := C.snapshotter_inspection_file_count(out)
	inspection.Files = make([]FileInfo, 0, int(n))
	for i := C.size_t(0); i < n; i++ {
		inspection.Files = append(inspection.Files, fileInfoFrom(C.snapshotter_inspection_file_get(out, i)))
	}
	return inspection
}

// snapshotInfoFrom copies what the library owns; nil (never returned for a valid index) is zero.
func snapshotInfoFrom(c *C.snapshotter_snapshot_info) SnapshotInfo {
	if c == nil {
		return SnapshotInfo{}
	}
	return SnapshotInfo{
		Name:        C.GoString(c.name),
		Version:     C.GoString(c.snapshot_version),
		Created:     time.Unix(0, int64(c.created_ns)),
		LastUsed:    time.Unix(0, int64(c.last_used_ns)),
		Files:       uint64(c.files),
		Bytes:       uint64(c.bytes),
		StoredBytes: uint64(c.stored_bytes),
		Place:       SnapshotPlace(c.flags),
	}
}

func fileInfoFrom(c *C.snapshotter_file_info) FileInfo {
	if c == nil {
		return FileInfo{}
	}
	return FileInfo{
		RelativePath: C.GoString(c.relative_path),
		Digest:       C.GoString(c.digest),
		Size:         uint64(c.size),
		ModTime:      time.Unix(0, int64(c.mtime_ns)),
		Mode:         uint32(c.mode),
		UID:          uint32(c.uid),
		GID:          uint32(c.gid),
		Flags:        FileFlags(c.flags),
	}
}
