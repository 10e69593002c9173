// The tree-fidelity suite's program for the Go binding: snapshots a whole directory into a store and
// restores it into another directory. The library's warnings (such as a skipped socket) go to stderr.
//
//	roundtrip ROOT BASE_DIR OUTPUT_DIR
package main

import (
	"context"
	"fmt"
	"os"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintf(os.Stderr, "usage: %s ROOT BASE_DIR OUTPUT_DIR\n", os.Args[0])
		os.Exit(2)
	}
	if err := roundtrip(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err)
		os.Exit(1)
	}
}

func roundtrip(root, baseDir, outputDir string) error {
	err := snapshotter.SetLogger(snapshotter.LogWarning, func(_ snapshotter.LogLevel, message string) {
		fmt.Fprintln(os.Stderr, "warning:", message)
	})
	if err != nil {
		return err
	}
	s, err := snapshotter.Open(snapshotter.Options{RootDir: root})
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	stats, err := s.Snapshot(ctx, snapshotter.SnapshotRequest{
		Name: "tree", Version: "go", BaseDir: baseDir,
		Files: []snapshotter.File{{RelativePath: "."}},
	})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	fmt.Printf("snapshot: %d entries, %d bytes\n", stats.Files, stats.Bytes)
	if _, err := s.Restore(ctx, snapshotter.RestoreRequest{Ref: "tree:go", OutputDir: outputDir}); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}
