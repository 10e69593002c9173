package snapshotter

import (
	"context"
	"errors"
	"fmt"

	lib "libsnapshotter.dev/bindings/go"

	"d7y.io/snapshotter/pkg/dragonfly"
	"d7y.io/snapshotter/pkg/oci"
)

// Snapshot creates a snapshot of the specified files.
func (s *snapshotter) Snapshot(ctx context.Context, req *SnapshotRequest, opts ...Option) error {
	if req == nil {
		return errors.New("invalid snapshot request")
	}
	h, err := s.begin(opts)
	if err != nil {
		return fmt.Errorf("failed to initialize: %w", err)
	}
	defer s.end(h)

	files := make([]lib.File, len(req.Files))
	for i, file := range req.Files {
		files[i].RelativePath = file.RelativePath
		if file.ReadOnly {
			files[i].Flags = lib.FileReadOnly
		}
	}
	// Upstream records a snapshot of no files like any other: so does the drop-in.
	_, err = h.snapshots.Snapshot(ctx, lib.SnapshotRequest{Name: req.Name, Version: req.Version, BaseDir: req.BaseDir, Files: files, Flags: lib.SnapshotAllowEmpty})
	if errors.Is(err, lib.ErrAlreadyExists) {
		return ErrSnapshotAlreadyExists
	}
	return err
}

// Restore restores the specified files from the snapshot.
func (s *snapshotter) Restore(ctx context.Context, req *RestoreRequest, opts ...Option) error {
	if req == nil {
		return errors.New("invalid restore request")
	}
	h, err := s.begin(opts)
	if err != nil {
		return fmt.Errorf("failed to initialize: %w", err)
	}
	defer s.end(h)

	// d7y.io/snapshotter writes over the files it finds in OutputDir.
	_, err = h.restores.Restore(ctx, lib.RestoreRequest{Name: req.Name, Version: req.Version, OutputDir: req.OutputDir, Flags: lib.RestoreOverwrite})
	return err
}

// begin applies a call's options and returns the handles to run it on; end must follow. A registry or
// content provider given to the call replaces the one in use when any of its non-empty fields (or
// Insecure) differs; the handles opened with the old one are closed once their last call ends.
func (s *snapshotter) begin(opts []Option) (*handles, error) {
	var given Config
	for _, opt := range opts {
		opt(&given)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	registry, content := s.registry, s.content
	if replacesRegistry(given.Metadata.Registry, registry) {
		if given.Metadata.Registry.Endpoint == "" {
			return nil, errors.New("registry endpoint is required")
		}
		registry = given.Metadata.Registry
	}
	if replacesContent(given.Content, content) {
		if given.Content.Provider == "" {
			return nil, errors.New("content provider is required")
		}
		content = given.Content
	}
	if registry != s.registry || content != s.content {
		next, err := s.open(registry, content)
		if err != nil {
			return nil, err
		}
		s.current.retired = true
		if s.current.calls == 0 {
			s.current.close()
		}
		s.current, s.registry, s.content = next, registry, content
	}
	s.current.calls++
	return s.current, nil
}

// end is the end of a call begun on h.
func (s *snapshotter) end(h *handles) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h.calls--
	if h.retired && h.calls == 0 {
		h.close()
	}
}

func replacesRegistry(given, current oci.Registry) bool {
	if given == (oci.Registry{}) {
		return false
	}
	return differs(given.Endpoint, current.Endpoint) || differs(given.Namespace, current.Namespace) ||
		differs(given.Username, current.Username) || differs(given.Password, current.Password) ||
		given.Insecure != current.Insecure
}

func replacesContent(given, current dragonfly.ContentProvider) bool {
	return differs(given.Provider, current.Provider) || differs(given.Bucket, current.Bucket) ||
		differs(given.Region, current.Region) || differs(given.Endpoint, current.Endpoint) ||
		differs(given.AccessKeyID, current.AccessKeyID) || differs(given.AccessKeySecret, current.AccessKeySecret)
}

// differs: a field given a value other than the one in use.
func differs(given, current string) bool {
	return given != "" && given != current
}

// open opens the handles of a registry and a content provider; an empty registry endpoint keeps
// snapshots local, an empty provider keeps content local.
func (s *snapshotter) open(registry oci.Registry, content dragonfly.ContentProvider) (*handles, error) {
	options := s.options
	if registry.Endpoint != "" {
		options.Registry = &lib.RegistryOptions{
			URL:                registry.Endpoint,
			Namespace:          registry.Namespace,
			Username:           registry.Username,
			Password:           registry.Password,
			InsecureSkipVerify: registry.Insecure,
		}
	}
	if content.Provider != "" {
		options.Content = &lib.ContentOptions{
			Dfdaemon:        s.dragonfly.Endpoint,
			Provider:        content.Provider,
			Bucket:          content.Bucket,
			Region:          content.Region,
			Endpoint:        content.Endpoint,
			AccessKeyID:     content.AccessKeyID,
			AccessKeySecret: content.AccessKeySecret,
			ReplicaCount:    uploadReplicaCount,
		}
	}
	options.Concurrency = s.snapshotConcurrency
	snapshots, err := lib.Open(options)
	if err != nil {
		return nil, err
	}
	h := &handles{snapshots: snapshots, restores: snapshots}
	if s.restoreConcurrency != s.snapshotConcurrency {
		options.Concurrency = s.restoreConcurrency
		// The snapshots' handle runs the store's one background collector.
		gc := *options.GC
		gc.NoBackground = true
		options.GC = &gc
		if h.restores, err = lib.Open(options); err != nil {
			snapshots.Close()
			return nil, err
		}
	}
	return h, nil
}

func (h *handles) close() {
	h.snapshots.Close()
	if h.restores != h.snapshots {
		h.restores.Close()
	}
}
