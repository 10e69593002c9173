// Package oci holds the OCI registry settings of d7y.io/snapshotter and the types of the artifact a
// snapshot's metadata is published as.
package oci

const (
	// ArtifactTypeSnapshotterManifest specifies the artifact type for snapshotter.
	ArtifactTypeSnapshotterManifest = "application/vnd.cncf.dragonfly.snapshotter.manifest.v1+json"

	// MediaTypeSnapshotterConfig specifies the media type for snapshotter config.
	MediaTypeSnapshotterConfig = "application/vnd.cncf.dragonfly.snapshotter.config.v1+json"
)

// Registry defines the registry configuration for the snapshotter.
type Registry struct {
	// Endpoint is the registry's URL: http://host[:port] for plain HTTP, https://host[:port] for TLS.
	Endpoint string

	// Namespace, when set, prefixes every repository: a snapshot name:version is the tag version of
	// the repository Namespace/name.
	Namespace string

	// Username and Password are the registry's credentials.
	Username string
	Password string

	// Insecure skips the verification of the registry's TLS certificate.
	Insecure bool
}
