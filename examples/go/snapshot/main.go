// Snapshots files of a directory into a store.
//
//	snapshot ROOT NAME VERSION BASE_DIR [--ro] FILE... [--rw] FILE...
//
// Files after --ro are read-only (hardlinked into the store), after --rw (the default) copied.
package main

import (
	"context"
	"fmt"
	"os"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func main() {
	if len(os.Args) < 6 {
		fmt.Fprintf(os.Stderr, "usage: %s ROOT NAME VERSION BASE_DIR [--ro] FILE... [--rw] FILE...\n", os.Args[0])
		os.Exit(2)
	}
	req := snapshotter.SnapshotRequest{Name: os.Args[2], Version: os.Args[3], BaseDir: os.Args[4]}
	var flags snapshotter.FileFlags
	for _, arg := range os.Args[5:] {
		switch arg {
		case "--ro":
			flags = snapshotter.FileReadOnly
		case "--rw":
			flags = 0
		default:
			req.Files = append(req.Files, snapshotter.File{RelativePath: arg, Flags: flags})
		}
	}

	s, err := snapshotter.Open(snapshotter.Options{RootDir: os.Args[1]})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stats, err := s.Snapshot(context.Background(), req)
	s.Close()
	if err != nil {
		// The message names the offending field, path or digest.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s:%s: %d files, %d bytes (%d hardlinked, %d already stored)\n",
		req.Name, req.Version, stats.Files, stats.Bytes, stats.FilesLinked, stats.FilesReused)
}
