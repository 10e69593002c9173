// Restores a snapshot into a directory, printing progress; SIGINT or SIGTERM cancels it cleanly
// (nothing partial is left behind, exit status 130).
//
//	restore ROOT NAME VERSION OUTPUT_DIR
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	snapshotter "libsnapshotter.dev/bindings/go"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintf(os.Stderr, "usage: %s ROOT NAME VERSION OUTPUT_DIR\n", os.Args[0])
		os.Exit(2)
	}
	os.Exit(restore(os.Args[1], os.Args[2], os.Args[3], os.Args[4]))
}

func restore(root, name, version, outputDir string) int {
	// The context is cancelled by the first SIGINT or SIGTERM, and the library stops the call.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := snapshotter.Open(snapshotter.Options{RootDir: root})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	stats, err := s.Restore(ctx, snapshotter.RestoreRequest{
		Name: name, Version: version, OutputDir: outputDir,
		// Runs on a library thread, never concurrently with itself for one call.
		Progress: func(p snapshotter.Progress) {
			fmt.Fprintf(os.Stderr, "progress: %d/%d files, %d/%d MiB\n", p.FilesDone, p.FilesTotal, p.BytesDone>>20, p.BytesTotal>>20)
		},
	})
	switch {
	case errors.Is(err, snapshotter.ErrCancelled):
		fmt.Fprintln(os.Stderr, err)
		return 130
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("%s:%s: %d files, %d bytes written, %d hardlinked\n", name, version, stats.Files, stats.BytesWritten, stats.FilesLinked)
	return 0
}
