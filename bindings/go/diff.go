package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import "context"

// DiffKind says how a path differs from the first side of a diff to the second.
type DiffKind uint32

const (
	DiffAdded   DiffKind = C.SNAPSHOTTER_DIFF_ADDED   // only on the second side
	DiffRemoved DiffKind = C.SNAPSHOTTER_DIFF_REMOVED // only on the first side
	DiffChanged DiffKind = C.SNAPSHOTTER_DIFF_CHANGED // on both, different for DiffEntry.Reasons
)

// DiffReasons are what differs in a DiffChanged entry.
type DiffReasons uint32

const (
	// DiffContent: the digest differs (other bytes, or the same bytes with other holes).
	DiffContent  DiffReasons = C.SNAPSHOTTER_DIFF_CONTENT
	DiffSize     DiffReasons = C.SNAPSHOTTER_DIFF_SIZE
	DiffMode     DiffReasons = C.SNAPSHOTTER_DIFF_MODE
	DiffMtime    DiffReasons = C.SNAPSHOTTER_DIFF_MTIME
	DiffReadOnly DiffReasons = C.SNAPSHOTTER_DIFF_READ_ONLY
	// DiffOwner: uid or gid; against a directory only when running as root.
	DiffOwner DiffReasons = C.SNAPSHOTTER_DIFF_OWNER
	// DiffType: the entry is of another type (a regular file on one side, a directory or a symlink
	// on the other...).
	DiffType DiffReasons = C.SNAPSHOTTER_DIFF_TYPE
	// DiffLinkTarget: a symlink points elsewhere, or a hardlink shares another path's inode.
	DiffLinkTarget DiffReasons = C.SNAPSHOTTER_DIFF_LINK_TARGET
	// DiffXattrs: an extended attribute present on one side only, or with another value.
	DiffXattrs DiffReasons = C.SNAPSHOTTER_DIFF_XATTRS
	// DiffDevice: a device node's major or minor number.
	DiffDevice DiffReasons = C.SNAPSHOTTER_DIFF_DEVICE
)

// DiffEntry mirrors snapshotter_diff_entry.
type DiffEntry struct {
	RelativePath string
	Kind         DiffKind
	Reasons      DiffReasons
}

// DiffRequest mirrors snapshotter_diff_request. The first side is Ref, or Name and Version; the
// second is exactly one of OtherRef (another snapshot) and OtherDir (a directory).
type DiffRequest struct {
	Ref      string
	Name     string
	Version  string
	OtherRef string
	OtherDir string
	// Progress, when set, counts the files read to compare content with a directory.
	Progress func(Progress)
}

// Diff lists the paths that differ, ordered by path; none is an empty slice and no error.
func (s *Snapshotter) Diff(ctx context.Context, req DiffRequest) ([]DiffEntry, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_diff_request](&a)
	a.init(C.snapshotter_diff_request_init(c, C.SNAPSHOTTER_DIFF_REQUEST_VERSION), "snapshotter_diff_request")
	c.ref = a.str(req.Ref, "ref")
	c.name = a.str(req.Name, "name")
	c.snapshot_version = a.str(req.Version, "snapshot_version")
	c.other_ref = a.str(req.OtherRef, "other_ref")
	c.other_dir = a.str(req.OtherDir, "other_dir")
	if a.err != nil {
		return nil, a.err
	}
	entries := []DiffEntry{}
	err := s.run(ctx, req.Progress, func(handle *C.snapshotter, ctl control, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel, c.progress, c.progress_payload = ctl.cancel, ctl.progress, ctl.payload
		var list *C.snapshotter_diff_list
		code := C.snapshotter_diff(&list, handle, c, cerr)
		defer C.snapshotter_diff_list_free(list)
		if code == C.SNAPSHOTTER_OK {
			n := C.snapshotter_diff_list_count(list)
			for i := C.size_t(0); i < n; i++ {
				entry := C.snapshotter_diff_list_get(list, i)
				entries = append(entries, DiffEntry{
					RelativePath: C.GoString(entry.relative_path),
					Kind:         DiffKind(entry.kind),
					Reasons:      DiffReasons(entry.reasons),
				})
			}
		}
		return code
	})
	if err != nil {
		return nil, err
	}
	return entries, nil
}
