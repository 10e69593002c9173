// The example program of d7y.io/snapshotter v0.0.1 (its examples/e2e.go), written the same way against
// the same API: three checkpoints are generated, then each is snapshotted and restored concurrently
// with the others, every call given the registry and the content provider. Settings come from the
// environment, with the same names and defaults.
//
// Unlike that program it checks what it did and exits 1 on any failure: every restored file has its
// source's bytes and mode, a second Snapshot of a version returns ErrSnapshotAlreadyExists, and a
// snapshotter with an empty store restores every checkpoint from the registry and Dragonfly alone.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"time"

	"d7y.io/snapshotter"
	"d7y.io/snapshotter/pkg/dragonfly"
	"d7y.io/snapshotter/pkg/oci"
)

const (
	// defaultMemSize is the default size of memory dump file in bytes (10MB).
	defaultMemSize = 10 * 1024 * 1024

	// defaultStateSize is the default size of state file in bytes (256KB).
	defaultStateSize = 256 * 1024

	// defaultImgSize is the default size of image file in bytes (50MB).
	defaultImgSize = 50 * 1024 * 1024
)

// checkpointMetadata represents the metadata of a checkpoint.
type checkpointMetadata struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	NumCPU    int       `json:"numCpu"`
	MemoryMB  int       `json:"memoryMb"`
}

// snapshotInfo represents the snapshot information.
type snapshotInfo struct {
	RootfsPath string   `json:"rootfsPath"`
	Layers     []string `json:"layers"`
	Config     string   `json:"config"`
}

// testCheckpoint holds the generated test checkpoint information.
type testCheckpoint struct {
	baseDir string
	name    string
	files   []snapshotter.File
}

// getEnv returns the environment variable value or the default.
func getEnv(key, defaultValue string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return defaultValue
}

// getConfig reads configuration from environment variables.
func getConfig() snapshotter.Config {
	return snapshotter.Config{
		RootDir: getEnv("SNAPSHOTTER_ROOT_DIR", filepath.Join(os.TempDir(), "snapshotter")),
		Dragonfly: dragonfly.Dragonfly{
			Endpoint: getEnv("DRAGONFLY_ENDPOINT", "unix:///var/run/dragonfly.sock"),
		},
	}
}

// newID is a random identifier, standing in for a UUID.
func newID() string {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		panic(err)
	}
	return hex.EncodeToString(id)
}

// generateTestCheckpoint creates a test checkpoint directory with mock files.
func generateTestCheckpoint(baseDir, name string, cpuCount, memoryMB int) (*testCheckpoint, error) {
	checkpointDir := filepath.Join(baseDir, name)
	if err := os.MkdirAll(checkpointDir, 0o755); err != nil {
		return nil, fmt.Errorf("failed to create checkpoint directory: %w", err)
	}

	files := make([]snapshotter.File, 0, 5)

	// Generate memory dump file (read-only).
	memFilename := fmt.Sprintf("mem_%dC_%dM", cpuCount, memoryMB)
	if err := generateRandomFile(filepath.Join(checkpointDir, memFilename), defaultMemSize); err != nil {
		return nil, fmt.Errorf("failed to generate memory dump: %w", err)
	}
	files = append(files, snapshotter.File{
		RelativePath: filepath.Join(name, memFilename),
		ReadOnly:     true,
	})

	// Generate state file (read-only).
	stateFilename := fmt.Sprintf("state_%dC_%dM", cpuCount, memoryMB)
	if err := generateRandomFile(filepath.Join(checkpointDir, stateFilename), defaultStateSize); err != nil {
		return nil, fmt.Errorf("failed to generate state file: %w", err)
	}
	files = append(files, snapshotter.File{
		RelativePath: filepath.Join(name, stateFilename),
		ReadOnly:     true,
	})

	// Generate image file (not read-only).
	if err := generateRandomFile(filepath.Join(checkpointDir, "img"), defaultImgSize); err != nil {
		return nil, fmt.Errorf("failed to generate image file: %w", err)
	}
	files = append(files, snapshotter.File{
		RelativePath: filepath.Join(name, "img"),
		ReadOnly:     false,
	})

	// Generate metadata.json (read-only).
	metadata := checkpointMetadata{
		ID:        newID(),
		Name:      name,
		Version:   "1.0.0",
		CreatedAt: time.Now(),
		NumCPU:    cpuCount,
		MemoryMB:  memoryMB,
	}
	if err := writeJSONFile(filepath.Join(checkpointDir, "metadata.json"), metadata); err != nil {
		return nil, fmt.Errorf("failed to generate metadata.json: %w", err)
	}
	files = append(files, snapshotter.File{
		RelativePath: filepath.Join(name, "metadata.json"),
		ReadOnly:     true,
	})

	// Generate snapshot.json (read-only).
	snapshot := snapshotInfo{
		RootfsPath: "/var/lib/containers/storage/overlay",
		Layers:     []string{newID(), newID(), newID()},
		Config:     "config.json",
	}
	if err := writeJSONFile(filepath.Join(checkpointDir, "snapshot.json"), snapshot); err != nil {
		return nil, fmt.Errorf("failed to generate snapshot.json: %w", err)
	}
	files = append(files, snapshotter.File{
		RelativePath: filepath.Join(name, "snapshot.json"),
		ReadOnly:     true,
	})

	log.Printf("generated test checkpoint path=%s files=%d", checkpointDir, len(files))
	return &testCheckpoint{baseDir: baseDir, name: name, files: files}, nil
}

// generateRandomFile creates a file with random content.
func generateRandomFile(path string, size int) error {
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// writeJSONFile writes a struct as JSON to the specified path.
func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// failures counts what went wrong; any makes the program exit 1.
var (
	failuresMu sync.Mutex
	failures   int
)

func fail(format string, args ...any) {
	failuresMu.Lock()
	defer failuresMu.Unlock()
	failures++
	log.Printf("FAIL "+format, args...)
}

// checkRestored fails unless every file of checkpoint is under outputDir with its source's bytes and mode.
func checkRestored(checkpoint *testCheckpoint, outputDir string) {
	for _, file := range checkpoint.files {
		source := filepath.Join(checkpoint.baseDir, file.RelativePath)
		restored := filepath.Join(outputDir, file.RelativePath)
		want, err := os.ReadFile(source)
		if err != nil {
			fail("%s: %v", source, err)
			continue
		}
		got, err := os.ReadFile(restored)
		if err != nil {
			fail("%s was not restored: %v", restored, err)
			continue
		}
		if !bytes.Equal(want, got) {
			fail("%s: %d bytes differ from its source's %d", restored, len(got), len(want))
		}
		sourceInfo, _ := os.Stat(source)
		restoredInfo, _ := os.Stat(restored)
		if sourceInfo.Mode().Perm() != restoredInfo.Mode().Perm() {
			fail("%s: mode %v, its source's is %v", restored, restoredInfo.Mode().Perm(), sourceInfo.Mode().Perm())
		}
	}
}

func main() {
	config := getConfig()
	log.Printf("initializing snapshotter root_dir=%s", config.RootDir)

	s, err := snapshotter.New(config)
	if err != nil {
		log.Fatalf("failed to create snapshotter: %v", err)
	}

	// Create temporary directory for test checkpoints.
	testDir, err := os.MkdirTemp("", "snapshotter-test-*")
	if err != nil {
		log.Fatalf("failed to create test directory: %v", err)
	}
	defer os.RemoveAll(testDir)

	// Create temporary directory for output.
	outputDir, err := os.MkdirTemp("", "snapshotter-restore-*")
	if err != nil {
		log.Fatalf("failed to create output directory: %v", err)
	}
	defer os.RemoveAll(outputDir)

	// Prepare snapshot and restore options.
	opts := []snapshotter.Option{
		snapshotter.WithMetadata(snapshotter.Metadata{
			Registry: oci.Registry{
				Endpoint:  getEnv("REGISTRY_ENDPOINT", "http://localhost:5000"),
				Username:  getEnv("REGISTRY_USERNAME", "admin"),
				Password:  getEnv("REGISTRY_PASSWORD", "admin"),
				Namespace: getEnv("REGISTRY_NAMESPACE", "snapshotter"),
				Insecure:  getEnv("REGISTRY_INSECURE", "false") == "true",
			},
		}),
		snapshotter.WithContent(dragonfly.ContentProvider{
			Provider:        getEnv("CONTENT_PROVIDER", "s3"),
			Bucket:          getEnv("CONTENT_BUCKET", "test-bucket"),
			Region:          getEnv("CONTENT_REGION", "us-east-1"),
			Endpoint:        getEnv("CONTENT_ENDPOINT", "localhost:9000"),
			AccessKeyID:     getEnv("CONTENT_ACCESS_KEY_ID", "minioadmin"),
			AccessKeySecret: getEnv("CONTENT_ACCESS_KEY_SECRET", "minioadmin"),
		}),
	}

	// Test cases with different configurations.
	testCases := []struct {
		name, version    string
		cpuCount, memory int
	}{
		{"ckpt1", "v1", 2, 1168},
		{"ckpt2", "v2", 2, 1168},
		{"ckpt3", "v3", 4, 2048},
	}
	checkpoints := make([]*testCheckpoint, len(testCases))

	var wg sync.WaitGroup
	started := time.Now()

	for i, tc := range testCases {
		i, tc := i, tc
		wg.Add(1)
		go func() {
			defer wg.Done()

			checkpoint, err := generateTestCheckpoint(testDir, tc.name, tc.cpuCount, tc.memory)
			if err != nil {
				fail("failed to generate checkpoint: %v", err)
				return
			}
			checkpoints[i] = checkpoint

			request := &snapshotter.SnapshotRequest{
				Name:    tc.name,
				Version: tc.version,
				BaseDir: checkpoint.baseDir,
				Files:   checkpoint.files,
			}
			if err := s.Snapshot(context.Background(), request, opts...); err != nil {
				fail("failed to snapshot name=%s version=%s: %v", tc.name, tc.version, err)
				return
			}

			if err := s.Restore(context.Background(), &snapshotter.RestoreRequest{
				Name:      tc.name,
				Version:   tc.version,
				OutputDir: filepath.Join(outputDir, tc.name, tc.version),
			}, opts...); err != nil {
				fail("failed to restore name=%s version=%s: %v", tc.name, tc.version, err)
				return
			}
			checkRestored(checkpoint, filepath.Join(outputDir, tc.name, tc.version))

			if err := s.Snapshot(context.Background(), request, opts...); err != snapshotter.ErrSnapshotAlreadyExists {
				fail("a second snapshot of name=%s version=%s returned %v, not ErrSnapshotAlreadyExists", tc.name, tc.version, err)
			}

			log.Printf("completed name=%s version=%s elapsed=%v", tc.name, tc.version, time.Since(started))
		}()
	}

	wg.Wait()
	log.Printf("all operations completed total_elapsed=%v", time.Since(started))

	// Another machine: an empty store finds the checkpoints through the registry and Dragonfly.
	otherRoot, err := os.MkdirTemp("", "snapshotter-other-*")
	if err != nil {
		log.Fatalf("failed to create another root directory: %v", err)
	}
	defer os.RemoveAll(otherRoot)
	otherConfig := config
	otherConfig.RootDir = otherRoot
	other, err := snapshotter.New(otherConfig)
	if err != nil {
		log.Fatalf("failed to create another snapshotter: %v", err)
	}
	for i, tc := range testCases {
		i, tc := i, tc
		if checkpoints[i] == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			output := filepath.Join(outputDir, "other", tc.name, tc.version)
			if err := other.Restore(context.Background(), &snapshotter.RestoreRequest{
				Name:      tc.name,
				Version:   tc.version,
				OutputDir: output,
			}, opts...); err != nil {
				fail("failed to restore name=%s version=%s into an empty store: %v", tc.name, tc.version, err)
				return
			}
			checkRestored(checkpoints[i], output)
			log.Printf("restored into an empty store name=%s version=%s", tc.name, tc.version)
		}()
	}
	wg.Wait()

	if failures > 0 {
		log.Printf("%d failure(s)", failures)
		// Deferred removals do not run on os.Exit.
		os.RemoveAll(testDir)
		os.RemoveAll(outputDir)
		os.RemoveAll(otherRoot)
		os.Exit(1)
	}
	log.Printf("all checks passed")
}
