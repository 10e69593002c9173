// Package snapshotter is the API of Dragonfly's Go snapshotter (d7y.io/snapshotter v0.0.1) on
// libsnapshotter: a program written against that module builds and runs unchanged with replace lines
// in its go.mod pointing at this module and at libsnapshotter's Go binding.
//
// The store under RootDir, the digests, the OCI artifact in the registry and the objects in Dragonfly
// are those of d7y.io/snapshotter, so both libraries share snapshots through a registry and a bucket.
// Where the two differ (an empty registry or content provider keeps snapshots or content local; GC
// thresholds are whole percents and durations whole seconds), the package documentation of each name
// says so.
package snapshotter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	lib "libsnapshotter.dev/bindings/go"

	"d7y.io/snapshotter/pkg/dragonfly"
	"d7y.io/snapshotter/pkg/oci"
)

var (
	// ErrSnapshotAlreadyExists indicates that the snapshot already exists. Snapshot returns this very
	// value, so callers may compare with ==.
	ErrSnapshotAlreadyExists = errors.New("snapshot already exists")
)

const (
	// defaultSnapshotConcurrency is the default concurrency limit for snapshot operations.
	defaultSnapshotConcurrency = 5

	// defaultRestoreConcurrency is the default concurrency limit for restore operations.
	defaultRestoreConcurrency = 5

	// uploadReplicaCount is the persistent replica count d7y.io/snapshotter v0.0.1 asks dfdaemon for.
	uploadReplicaCount = 3
)

// Option is a function that configures the snapshotter.
type Option func(*Config)

// Snapshotter is an interface that defines the methods for snapshotting and restoring files.
type Snapshotter interface {
	// Snapshot creates a snapshot of the specified files. It returns ErrSnapshotAlreadyExists when
	// Name:Version exists already.
	Snapshot(ctx context.Context, req *SnapshotRequest, opts ...Option) error

	// Restore restores the specified files from the snapshot, fetching it from the registry and its
	// content through Dragonfly when the local store does not have it.
	Restore(ctx context.Context, req *RestoreRequest, opts ...Option) error
}

// SnapshotRequest defines the request parameters for creating a snapshot.
type SnapshotRequest struct {
	// Name is the name of the snapshot.
	Name string

	// Version is the version of the snapshot.
	Version string

	// BaseDir is the base directory of the snapshot.
	BaseDir string

	// Files is the list of files to be included in the snapshot.
	Files []File
}

// RestoreRequest defines the request parameters for restoring files from a snapshot.
type RestoreRequest struct {
	// Name is the name of the snapshot.
	Name string

	// Version is the version of the snapshot.
	Version string

	// OutputDir is the directory where the files will be restored. Files already there are replaced.
	OutputDir string
}

// Config defines the configuration for the snapshotter.
type Config struct {
	// GC is the garbage collection configuration for the snapshotter.
	GC GC

	// RootDir is the root directory for the snapshotter.
	RootDir string

	// Metadata is the metadata configuration for the snapshotter. Without a registry endpoint,
	// snapshots stay in the local store.
	Metadata Metadata

	// Content is the content configuration for the snapshotter. Without a provider, content stays in
	// the local store.
	Content dragonfly.ContentProvider

	// Dragonfly is the Dragonfly configuration for the snapshotter.
	Dragonfly dragonfly.Dragonfly

	// SnapshotConcurrency is the maximum number of files one snapshot processes at once (nil: 5).
	SnapshotConcurrency *int

	// RestoreConcurrency is the maximum number of files one restore processes at once (nil: 5).
	RestoreConcurrency *int
}

// Metadata defines the metadata configuration for the snapshotter.
type Metadata struct {
	// Registry is the OCI registry configuration for the snapshotter.
	Registry oci.Registry
}

// File defines the file information for snapshotting and restoring.
type File struct {
	// RelativePath is the relative path of the file.
	RelativePath string

	// ReadOnly indicates whether the file is read-only: it is then stored and restored as a hardlink
	// of one stored inode, without a copy.
	ReadOnly bool
}

// GC defines the garbage collection configuration for the snapshotter. A nil field keeps the default;
// a value the field does not allow is ignored, as d7y.io/snapshotter ignores it.
type GC struct {
	// Interval is the interval at which garbage collection is performed (default 5 minutes; whole
	// seconds).
	Interval *time.Duration

	// DiskHighThresholdPercent is the percentage of disk space that triggers garbage collection
	// (default 90; whole percents).
	DiskHighThresholdPercent *float64

	// DiskLowThresholdPercent is the percentage of disk space garbage collection frees down to
	// (default 70; whole percents from 1 to DiskHighThresholdPercent).
	DiskLowThresholdPercent *float64

	// BatchSize is the number of snapshots to process in each batch (default 10).
	BatchSize *int

	// MinRetentionPeriod is the minimum retention period for snapshots: those used more recently are
	// never collected (default 5 minutes; whole seconds).
	MinRetentionPeriod *time.Duration
}

// WithMetadata configures the snapshotter with metadata.
func WithMetadata(metadata Metadata) Option {
	return func(c *Config) {
		c.Metadata = metadata
	}
}

// WithContent configures the snapshotter with content.
func WithContent(content dragonfly.ContentProvider) Option {
	return func(c *Config) {
		c.Content = content
	}
}

// snapshotter is the implementation of Snapshotter on libsnapshotter handles.
type snapshotter struct {
	// options are those of every handle, but for the registry and the content provider, which come
	// from registry and content.
	options lib.Options

	// snapshotConcurrency and restoreConcurrency are the files one call processes at once.
	snapshotConcurrency, restoreConcurrency int

	// dragonfly is the dfdaemon every content provider is reached through.
	dragonfly dragonfly.Dragonfly

	// mu guards what follows.
	mu sync.Mutex

	// registry and content are the registry and content provider in use.
	registry oci.Registry
	content  dragonfly.ContentProvider

	// current are the handles opened with them.
	current *handles
}

// handles are the library handles of one registry and content provider. A handle has one concurrency
// for all of its calls: snapshots and restores each have their own unless both concurrencies are equal.
type handles struct {
	snapshots, restores *lib.Snapshotter

	// calls counts the calls running on these handles (guarded by snapshotter.mu).
	calls int

	// retired: a call changed the registry or content provider; the last call to end closes them.
	retired bool
}

// New creates a new snapshotter instance. Its store under config.RootDir is created if missing, and a
// garbage collector runs in the background.
func New(config Config, opts ...Option) (Snapshotter, error) {
	for _, opt := range opts {
		opt(&config)
	}

	if err := validate(config); err != nil {
		return nil, err
	}

	snapshotConcurrency, err := concurrency(config.SnapshotConcurrency, defaultSnapshotConcurrency, "snapshot")
	if err != nil {
		return nil, err
	}
	restoreConcurrency, err := concurrency(config.RestoreConcurrency, defaultRestoreConcurrency, "restore")
	if err != nil {
		return nil, err
	}

	gc := gcOptions(config.GC)

	s := &snapshotter{
		options: lib.Options{
			RootDir: config.RootDir,
			GC:      &gc,
		},
		snapshotConcurrency: snapshotConcurrency,
		restoreConcurrency:  restoreConcurrency,
		dragonfly:           config.Dragonfly,
		registry:            config.Metadata.Registry,
		content:             config.Content,
	}
	if s.current, err = s.open(s.registry, s.content); err != nil {
		return nil, err
	}
	return s, nil
}

// validate validates the configuration of the snapshotter.
func validate(config Config) error {
	if config.RootDir == "" {
		return errors.New("root directory is required")
	}

	return nil
}

// concurrency is *value, or fallback when nil; below 1 is an error naming the operation.
func concurrency(value *int, fallback int, operation string) (int, error) {
	if value == nil {
		return fallback, nil
	}
	if *value < 1 {
		return 0, fmt.Errorf("%s concurrency must be at least 1, got %d", operation, *value)
	}
	return *value, nil
}
