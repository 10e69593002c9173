package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import "time"

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
}

func newStats() C.snapshotter_stats {
	return C.snapshotter_stats{version: C.SNAPSHOTTER_STATS_VERSION}
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
	}
}
