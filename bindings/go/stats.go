package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import (
	"context"
	"time"
)

// Stats mirror snapshotter_stats: what a snapshot or restore call did.
type Stats struct {
	// Files in the snapshot and their logical size in bytes.
	Files uint64
	Bytes uint64
	// Bytes read from the source files (snapshot) or the store (restore).
	BytesRead uint64
	// Bytes written into the store (snapshot) or the output dir (restore).
	BytesWritten uint64
	// Files whose content was already stored (snapshot) or already matched in the output dir (restore).
	FilesReused uint64
	// Files captured or restored as hardlinks rather than copies.
	FilesLinked uint64
	// Elapsed is the wall-clock time of the call.
	Elapsed time.Duration
	// FilesRemoved are the extra files a RestoreDeleteExtra restore removed.
	FilesRemoved uint64
}

// runForStats is run for the calls that fill a snapshotter_stats.
func (s *Snapshotter) runForStats(ctx context.Context, onProgress func(Progress),
	invoke func(handle *C.snapshotter, ctl control, stats *C.snapshotter_stats, cerr **C.snapshotter_error) C.snapshotter_code) (Stats, error) {
	stats := C.snapshotter_stats{version: C.SNAPSHOTTER_STATS_VERSION}
	err := s.run(ctx, onProgress, func(handle *C.snapshotter, ctl control, cerr **C.snapshotter_error) C.snapshotter_code {
		return invoke(handle, ctl, &stats, cerr)
	})
	if err != nil {
		return Stats{}, err
	}
	return statsFrom(&stats), nil
}

func statsFrom(c *C.snapshotter_stats) Stats {
	return Stats{
		Files:        uint64(c.files),
		Bytes:        uint64(c.bytes),
		BytesRead:    uint64(c.bytes_read),
		BytesWritten: uint64(c.bytes_written),
		FilesReused:  uint64(c.files_reused),
		FilesLinked:  uint64(c.files_linked),
		Elapsed:      time.Duration(c.elapsed_ns),
		FilesRemoved: uint64(c.files_removed),
	}
}
