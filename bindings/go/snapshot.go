package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import "context"

// FileFlags are snapshotter_file.flags.
type FileFlags uint32

// FileReadOnly: the file is captured and restored as a hardlink of one stored inode (zero copy);
// without it the file is copied, and restored as a private, writable copy.
const FileReadOnly FileFlags = C.SNAPSHOTTER_FILE_READ_ONLY

// SnapshotFlags are snapshotter_snapshot_request.flags.
type SnapshotFlags uint32

// SnapshotRehash: read every file, taking no digest remembered for an unchanged file on trust; what
// is read is still remembered for later snapshots.
const SnapshotRehash SnapshotFlags = C.SNAPSHOTTER_SNAPSHOT_REHASH

// SnapshotAllowEmpty: record a snapshot of no files when Files is empty (refused otherwise).
const SnapshotAllowEmpty SnapshotFlags = C.SNAPSHOTTER_SNAPSHOT_ALLOW_EMPTY

// File mirrors snapshotter_file: one file of a snapshot.
type File struct {
	// RelativePath is relative to the request's BaseDir: no "..", not absolute.
	RelativePath string
	Flags        FileFlags
}

// SnapshotRequest mirrors snapshotter_snapshot_request.
type SnapshotRequest struct {
	// Name is an OCI repository path component, Version an OCI tag.
	Name    string
	Version string
	// BaseDir is the directory the files' relative paths are resolved against.
	BaseDir string
	Files   []File
	Flags   SnapshotFlags
	// Progress, when set, is called as work advances. It runs on a library thread, never
	// concurrently with itself for one call.
	Progress func(Progress)
}

// Snapshot captures req.Files into the store as req.Name:req.Version. The snapshot becomes visible
// atomically once all of its content is durable; a failed or cancelled call leaves nothing behind.
func (s *Snapshotter) Snapshot(ctx context.Context, req SnapshotRequest) (Stats, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_snapshot_request](&a)
	a.init(C.snapshotter_snapshot_request_init(c, C.SNAPSHOTTER_SNAPSHOT_REQUEST_VERSION), "snapshotter_snapshot_request")
	c.name = a.str(req.Name, "name")
	c.snapshot_version = a.str(req.Version, "snapshot_version")
	c.base_dir = a.str(req.BaseDir, "base_dir")
	c.flags = C.uint32_t(req.Flags)
	if files := cnewArray[C.snapshotter_file](&a, len(req.Files)); files != nil {
		for i, f := range req.Files {
			a.init(C.snapshotter_file_init(&files[i], C.SNAPSHOTTER_FILE_VERSION), "snapshotter_file")
			files[i].relative_path = a.str(f.RelativePath, "files[].relative_path")
			files[i].flags = C.uint32_t(f.Flags)
		}
		c.files, c.file_count = &files[0], C.size_t(len(files))
	}
	if a.err != nil {
		return Stats{}, a.err
	}

	return s.runForStats(ctx, req.Progress, func(handle *C.snapshotter, ctl control, stats *C.snapshotter_stats, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel, c.progress, c.progress_payload = ctl.cancel, ctl.progress, ctl.payload
		return C.snapshotter_snapshot(stats, handle, c, cerr)
	})
}
