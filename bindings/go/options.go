package snapshotter

/*
#include <snapshotter.h>
*/
import "C"

import (
	"fmt"
	"time"
)

// Options mirror snapshotter_options.
type Options struct {
	// RootDir is the root of the store, created if missing. Required.
	RootDir string
	// Concurrency is how many files one call processes at once; 0 means the library's default (5).
	Concurrency int
	// Content, when set, is where content lives beyond this machine; nil keeps it in the local store.
	Content *ContentOptions
	// GC, when set, is how the store is collected (its zero value and nil are the defaults, with a
	// background collector running).
	GC *GCOptions
	// Registry, when set, is where snapshot metadata is published and where restores find snapshots
	// this store has never seen; nil keeps snapshots local.
	Registry *RegistryOptions
}

// ContentOptions mirror snapshotter_content_options: a directory (Dir), or Dragonfly (any other field),
// not both. Empty fields and zero durations mean the library's defaults. String never shows the secret.
type ContentOptions struct {
	// Dir is a directory, local or NFS (absolute path), holding xxh3/<hex> objects.
	Dir string
	// Dfdaemon is dfdaemon's gRPC address, unix:///path or http://host:port.
	Dfdaemon string
	// Provider (s3, gs, abs, oss, obs, cos) and Bucket ("bucket" or "bucket/prefix") are required with Dragonfly.
	Provider, Bucket string
	// Region and Endpoint of the object storage.
	Region, Endpoint string
	// AccessKeyID and AccessKeySecret are the object storage credentials.
	AccessKeyID, AccessKeySecret string
	// InsecureSkipVerify lets dfdaemon skip TLS verification of the endpoint.
	InsecureSkipVerify bool
	// ReplicaCount is how many replicas the P2P network keeps (0: 2).
	ReplicaCount int
	// TTL is how long it keeps them, 60 s to 7 days in whole seconds (0: dfdaemon's default, 1 day).
	TTL time.Duration
	// Timeout bounds one object's upload or download, in whole seconds (0: 30 minutes).
	Timeout time.Duration
	// StorageDir is where dfdaemon sees RootDir, when it runs with it mounted elsewhere.
	StorageDir string
}

// String shows the options without the access key secret.
func (o ContentOptions) String() string {
	secret := "unset"
	if o.AccessKeySecret != "" {
		secret = "set"
	}
	return fmt.Sprintf("{Dir:%q Dfdaemon:%q Provider:%q Bucket:%q Region:%q Endpoint:%q AccessKeyID:%q AccessKeySecret:%s InsecureSkipVerify:%t ReplicaCount:%d TTL:%v Timeout:%v StorageDir:%q}",
		o.Dir, o.Dfdaemon, o.Provider, o.Bucket, o.Region, o.Endpoint, o.AccessKeyID, secret, o.InsecureSkipVerify, o.ReplicaCount, o.TTL, o.Timeout, o.StorageDir)
}

// GoString is String, so that %#v does not show the secret either.
func (o ContentOptions) GoString() string { return o.String() }

func (o *Options) toC(a *arena) *C.snapshotter_options {
	c := cnew[C.snapshotter_options](a)
	a.init(C.snapshotter_options_init(c, C.SNAPSHOTTER_OPTIONS_VERSION), "snapshotter_options")
	c.root_dir = a.str(o.RootDir, "root_dir")
	c.concurrency = a.uint(o.Concurrency, "concurrency")
	if o.Content != nil {
		c.content = o.Content.toC(a)
	}
	if o.GC != nil {
		c.gc = o.GC.toC(a)
	}
	if o.Registry != nil {
		c.registry = o.Registry.toC(a)
	}
	return c
}

func (o *ContentOptions) toC(a *arena) *C.snapshotter_content_options {
	c := cnew[C.snapshotter_content_options](a)
	a.init(C.snapshotter_content_options_init(c, C.SNAPSHOTTER_CONTENT_OPTIONS_VERSION), "snapshotter_content_options")
	c.dir = a.str(o.Dir, "content.dir")
	c.dfdaemon = a.str(o.Dfdaemon, "content.dfdaemon")
	c.provider = a.str(o.Provider, "content.provider")
	c.bucket = a.str(o.Bucket, "content.bucket")
	c.region = a.str(o.Region, "content.region")
	c.endpoint = a.str(o.Endpoint, "content.endpoint")
	c.access_key_id = a.str(o.AccessKeyID, "content.access_key_id")
	c.access_key_secret = a.secret(o.AccessKeySecret, "content.access_key_secret")
	if o.InsecureSkipVerify {
		c.insecure_skip_verify = 1
	}
	c.replica_count = C.uint32_t(a.uint(o.ReplicaCount, "content.replica_count"))
	c.ttl_seconds = C.uint32_t(a.uint(wholeSeconds(a, o.TTL, "content.ttl"), "content.ttl"))
	c.timeout_seconds = C.uint32_t(a.uint(wholeSeconds(a, o.Timeout, "content.timeout"), "content.timeout"))
	c.storage_dir = a.str(o.StorageDir, "content.storage_dir")
	return c
}

// RegistryOptions mirror snapshotter_registry_options. A snapshot name:version is the OCI artifact
// tagged version in the repository Namespace/name.
type RegistryOptions struct {
	// URL is "http://host[:port]", "https://host[:port]" or "oci:/absolute/dir" (an OCI image layout).
	URL string
	// Namespace, when set, prefixes every repository ("team/snapshots").
	Namespace string
	// Username and Password are sent to the registry or its token service, as it asks; never shown
	// in errors.
	Username, Password string
	// InsecureSkipVerify turns off TLS certificate verification.
	InsecureSkipVerify bool
	// CAFile is an absolute path to a PEM bundle of the certificate authorities to trust instead of
	// the system's.
	CAFile string
	// RequestTimeout bounds one request; 0 means the library's default (30 s).
	RequestTimeout time.Duration
	// MaxAttempts per request on connection errors, timeouts, 429 and 5xx; 0 means 5.
	MaxAttempts int
	// RetryTimeLimit bounds one request across all of its attempts; 0 means 2 minutes.
	RetryTimeLimit time.Duration
}

func (o *RegistryOptions) toC(a *arena) *C.snapshotter_registry_options {
	c := cnew[C.snapshotter_registry_options](a)
	a.init(C.snapshotter_registry_options_init(c, C.SNAPSHOTTER_REGISTRY_OPTIONS_VERSION), "snapshotter_registry_options")
	c.url = a.str(o.URL, "registry.url")
	c.repository_namespace = a.str(o.Namespace, "registry.namespace")
	c.username = a.str(o.Username, "registry.username")
	c.password = a.secret(o.Password, "registry.password")
	if o.InsecureSkipVerify {
		c.insecure_skip_verify = 1
	}
	c.ca_file = a.str(o.CAFile, "registry.ca_file")
	c.request_timeout_ms = a.millis(o.RequestTimeout, "registry.request_timeout")
	c.max_attempts = C.uint32_t(a.uint(o.MaxAttempts, "registry.max_attempts"))
	c.retry_time_limit_ms = a.millis(o.RetryTimeLimit, "registry.retry_time_limit")
	return c
}

// millis converts a duration for a uint32_t milliseconds field; negative or too long is an error
// naming it.
func (a *arena) millis(d time.Duration, field string) C.uint32_t {
	ms := d.Milliseconds()
	if d < 0 || ms > int64(^uint32(0)) {
		a.fail(field, fmt.Sprintf("%v is out of range", d))
		return 0
	}
	return C.uint32_t(ms)
}

// wholeSeconds is d in whole seconds; a fraction is an error naming the field rather than a silent rounding.
func wholeSeconds(a *arena, d time.Duration, field string) int {
	if d%time.Second != 0 {
		a.fail(field, fmt.Sprintf("%v is not a whole number of seconds", d))
		return 0
	}
	return int(d / time.Second)
}
