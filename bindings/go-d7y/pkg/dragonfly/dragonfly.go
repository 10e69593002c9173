// Package dragonfly holds the Dragonfly settings of d7y.io/snapshotter: the dfdaemon a snapshotter
// talks to and the object storage its content lives in.
package dragonfly

// Dragonfly defines the Dragonfly configuration for the snapshotter.
type Dragonfly struct {
	// Endpoint is the endpoint of the Dragonfly, such as unix:///var/run/dragonfly.sock.
	Endpoint string
}

// ContentProvider defines the content configuration for the snapshotter.
type ContentProvider struct {
	// Provider is the provider of the content.
	Provider string

	// Bucket is the bucket of the content.
	Bucket string

	// Region is the region of the content.
	Region string

	// Endpoint is the endpoint of the content.
	Endpoint string

	// AccessKeyID is the access key ID for the content.
	AccessKeyID string

	// AccessKeySecret is the access key secret for the content.
	AccessKeySecret string
}
