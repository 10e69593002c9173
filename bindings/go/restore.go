package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import "context"

// RestoreFlags are snapshotter_restore_request.flags.
type RestoreFlags uint32

const (
	// RestoreOverwrite replaces files in the output dir that differ from the snapshot; without it such
	// a file fails the restore with ErrAlreadyExists before anything is written.
	RestoreOverwrite RestoreFlags = C.SNAPSHOTTER_RESTORE_OVERWRITE
	// RestoreInPlace restores into an existing tree touching only what differs: differing files are
	// replaced (it implies RestoreOverwrite), files whose content matches but whose mode, owner or
	// mtime differ get only those set, identical files are left alone. Kept files are read once,
	// unless their digest is remembered for their unchanged identity (see RestoreRehash).
	RestoreInPlace RestoreFlags = C.SNAPSHOTTER_RESTORE_IN_PLACE
	// RestoreDeleteExtra, with RestoreInPlace, then removes what the output dir holds beyond the
	// snapshot (within Only), never following symlinks.
	RestoreDeleteExtra RestoreFlags = C.SNAPSHOTTER_RESTORE_DELETE_EXTRA
	// RestoreSkipDevices leaves out the snapshot's character and block devices instead of failing
	// with ErrPermissionDenied when not running as root; each one skipped is logged as a warning.
	RestoreSkipDevices RestoreFlags = C.SNAPSHOTTER_RESTORE_SKIP_DEVICES
	// RestoreRehash reads and hashes every existing file whose content is compared, taking no
	// remembered digest on trust, as SnapshotRehash does for a snapshot.
	RestoreRehash RestoreFlags = C.SNAPSHOTTER_RESTORE_REHASH
)

// RestoreRequest mirrors snapshotter_restore_request. The snapshot is Name and Version, or Ref
// ("name:version", "name@latest", "name@<RFC 3339 time>"), never both.
type RestoreRequest struct {
	Name    string
	Version string
	Ref     string
	// OutputDir is where the files go (created if missing). "" only makes sure all of the
	// snapshot's content is in the local store.
	OutputDir string
	Flags     RestoreFlags
	// Only, when set, restores only the files these paths or globs select ('*', '?', '[a-z]', '**';
	// a directory selects all below it). A pattern that selects nothing is ErrNotFound.
	Only []string
	// Progress, when set, is called as work advances. It runs on a library thread, never
	// concurrently with itself for one call.
	Progress func(Progress)
}

// Restore writes the snapshot into req.OutputDir. Each file appears only when complete; a
// failed or cancelled call leaves no partial file behind.
func (s *Snapshotter) Restore(ctx context.Context, req RestoreRequest) (Stats, error) {
	var a arena
	defer a.free()
	c := cnew[C.snapshotter_restore_request](&a)
	a.init(C.snapshotter_restore_request_init(c, C.SNAPSHOTTER_RESTORE_REQUEST_VERSION), "snapshotter_restore_request")
	c.name = a.str(req.Name, "name")
	c.snapshot_version = a.str(req.Version, "snapshot_version")
	c.output_dir = a.str(req.OutputDir, "output_dir")
	c.flags = C.uint32_t(req.Flags)
	c.ref = a.str(req.Ref, "ref")
	if only := cnewArray[*C.char](&a, len(req.Only)); only != nil {
		for i, pattern := range req.Only {
			only[i] = a.str(pattern, "only[]")
		}
		c.only, c.only_count = &only[0], C.size_t(len(only))
	}
	if a.err != nil {
		return Stats{}, a.err
	}

	return s.runForStats(ctx, req.Progress, func(handle *C.snapshotter, ctl control, stats *C.snapshotter_stats, cerr **C.snapshotter_error) C.snapshotter_code {
		c.cancel, c.progress, c.progress_payload = ctl.cancel, ctl.progress, ctl.payload
		return C.snapshotter_restore(stats, handle, c, cerr)
	})
}
