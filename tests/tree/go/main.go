// The tree-fidelity suite's program for the Go binding (tests/c/tree_fidelity_test.sh): takes a whole
// directory through one of the ways a tree comes back, with the modes and arguments of
// tests/tree/roundtrip.c:
//
//	roundtrip restore ROOT BASE_DIR OUTPUT_DIR
//	roundtrip export  ROOT BASE_DIR ARCHIVE
//	roundtrip import  ROOT ARCHIVE OUTPUT_DIR
//	roundtrip publish ROOT BASE_DIR REGISTRY NAMESPACE CONTENT_DIR
//	roundtrip pull    ROOT OUTPUT_DIR REGISTRY NAMESPACE CONTENT_DIR
//
// The snapshot is tree:go; an import is recorded as imported:go. The library's warnings (such as a
// skipped socket) go to stderr.
package main

import (
	"context"
	"fmt"
	"os"

	snapshotter "libsnapshotter.dev/bindings/go"
)

const usage = `usage: %[1]s restore|export ROOT BASE_DIR OUTPUT_DIR|ARCHIVE
       %[1]s import ROOT ARCHIVE OUTPUT_DIR
       %[1]s publish|pull ROOT BASE_DIR|OUTPUT_DIR REGISTRY NAMESPACE CONTENT_DIR
`

func main() {
	args := os.Args[1:]
	var mode string
	if len(args) > 0 {
		mode = args[0]
	}
	local := mode == "restore" || mode == "export" || mode == "import"
	registry := mode == "publish" || mode == "pull"
	if !(local && len(args) == 4) && !(registry && len(args) == 6) {
		fmt.Fprintf(os.Stderr, usage, os.Args[0])
		os.Exit(2)
	}
	options := snapshotter.Options{RootDir: args[1]}
	if registry {
		options.Registry = &snapshotter.RegistryOptions{URL: args[3], Namespace: args[4]}
		options.Content = &snapshotter.ContentOptions{Dir: args[5]}
	}
	if err := roundtrip(options, mode, args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "roundtrip:", err)
		os.Exit(1)
	}
}

// roundtrip runs one mode on the store of options; args are the mode's arguments after ROOT.
func roundtrip(options snapshotter.Options, mode string, args []string) error {
	err := snapshotter.SetLogger(snapshotter.LogWarning, func(_ snapshotter.LogLevel, message string) {
		fmt.Fprintln(os.Stderr, "warning:", message)
	})
	if err != nil {
		return err
	}
	s, err := snapshotter.Open(options)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	if mode != "import" && mode != "pull" {
		if err := snapshotTree(ctx, s, args[0]); err != nil {
			return err
		}
	}
	switch mode {
	case "restore":
		return restoreTree(ctx, s, "tree:go", args[1])
	case "export":
		return exportTree(ctx, s, args[1])
	case "import":
		archive, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer archive.Close()
		req := snapshotter.ImportRequest{Input: archive, Name: "imported", Version: "go"}
		if _, _, err := s.Import(ctx, req); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		return restoreTree(ctx, s, "imported:go", args[1])
	case "pull":
		return restoreTree(ctx, s, "tree:go", args[0])
	}
	// publish: the snapshot, published to the registry as it was made.
	return nil
}

// snapshotTree snapshots the whole of baseDir as tree:go.
func snapshotTree(ctx context.Context, s *snapshotter.Snapshotter, baseDir string) error {
	stats, err := s.Snapshot(ctx, snapshotter.SnapshotRequest{
		Name: "tree", Version: "go", BaseDir: baseDir,
		Files: []snapshotter.File{{RelativePath: "."}},
	})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	fmt.Printf("snapshot: %d entries, %d bytes\n", stats.Files, stats.Bytes)
	return nil
}

func restoreTree(ctx context.Context, s *snapshotter.Snapshotter, ref, outputDir string) error {
	if _, err := s.Restore(ctx, snapshotter.RestoreRequest{Ref: ref, OutputDir: outputDir}); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// exportTree exports tree:go as the tar file archive, which must not exist yet.
func exportTree(ctx context.Context, s *snapshotter.Snapshotter, archive string) error {
	f, err := os.OpenFile(archive, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = s.Export(ctx, snapshotter.ExportRequest{Ref: "tree:go", Output: f})
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
