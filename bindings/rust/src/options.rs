use std::ffi::c_int;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::arena::{init, Arena};
use crate::error::{Error, Result};
use crate::gc::GcOptions;
use crate::sys;

/// Builds `snapshotter_options`: how [`crate::Snapshotter::open`] opens a store.
#[derive(Debug, Clone)]
pub struct Options {
    root_dir: PathBuf,
    concurrency: u32,
    content: Option<ContentOptions>,
    gc: Option<GcOptions>,
    registry: Option<RegistryOptions>,
}

impl Options {
    /// A store rooted at `root_dir` (created if missing), with every other option at its default.
    pub fn new(root_dir: impl Into<PathBuf>) -> Options {
        Options { root_dir: root_dir.into(), concurrency: 0, content: None, gc: None, registry: None }
    }

    /// Files one call processes at once; 0 (the default) means the library's, 5.
    pub fn concurrency(mut self, files: u32) -> Options {
        self.concurrency = files;
        self
    }

    /// Where content lives beyond this machine; without it, content stays in the local store.
    pub fn content(mut self, content: ContentOptions) -> Options {
        self.content = Some(content);
        self
    }

    /// How the store is collected; without it, [`GcOptions::default`].
    pub fn gc(mut self, gc: GcOptions) -> Options {
        self.gc = Some(gc);
        self
    }

    /// Where snapshot metadata is published, and where restores find snapshots this store has never
    /// seen; without it, snapshots stay local.
    pub fn registry(mut self, registry: RegistryOptions) -> Options {
        self.registry = Some(registry);
        self
    }

    pub(crate) fn to_raw(&self, arena: &mut Arena) -> Result<sys::snapshotter_options> {
        let mut raw = init(sys::snapshotter_options_init, sys::SNAPSHOTTER_OPTIONS_VERSION, "snapshotter_options")?;
        raw.root_dir = arena.path(&self.root_dir, "root_dir")?;
        raw.concurrency = self.concurrency;
        if let Some(content) = &self.content {
            let content = content.to_raw(arena)?;
            raw.content = arena.keep(content);
        }
        if let Some(gc) = self.gc {
            let gc = gc.to_raw()?;
            raw.gc = arena.keep(gc);
        }
        if let Some(registry) = &self.registry {
            let registry = registry.to_raw(arena)?;
            raw.registry = arena.keep(registry);
        }
        Ok(raw)
    }
}

/// Builds `snapshotter_content_options`: where snapshots publish their content and restores fetch
/// what the local store lacks. A directory ([`ContentOptions::dir`]) or Dragonfly (every other setting),
/// not both. Its `Debug` output never shows the access key secret.
#[derive(Clone, Default)]
pub struct ContentOptions {
    dir: Option<PathBuf>,
    dfdaemon: Option<String>,
    provider: Option<String>,
    bucket: Option<String>,
    region: Option<String>,
    endpoint: Option<String>,
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
    insecure_skip_verify: bool,
    replica_count: u32,
    ttl_seconds: u32,
    timeout_seconds: u32,
    storage_dir: Option<PathBuf>,
}

impl ContentOptions {
    /// No content location set.
    pub fn new() -> ContentOptions {
        ContentOptions::default()
    }

    /// A directory, local or NFS (absolute path), holding xxh3/<hex> objects.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> ContentOptions {
        self.dir = Some(dir.into());
        self
    }

    /// Content through Dragonfly: objects are persistent tasks of dfdaemon over
    /// `<provider>://<bucket>/xxh3/<hex>`. `provider` is s3, gs, abs, oss, obs or cos; `bucket` may be
    /// followed by a key prefix ("bucket/prefix").
    pub fn object_storage(mut self, provider: impl Into<String>, bucket: impl Into<String>) -> ContentOptions {
        self.provider = Some(provider.into());
        self.bucket = Some(bucket.into());
        self
    }

    /// dfdaemon's gRPC address, `unix:///path` or `http://host:port`; the library's default is
    /// `unix:///var/run/dragonfly/dfdaemon.sock`.
    pub fn dfdaemon(mut self, target: impl Into<String>) -> ContentOptions {
        self.dfdaemon = Some(target.into());
        self
    }

    /// The object storage region.
    pub fn region(mut self, region: impl Into<String>) -> ContentOptions {
        self.region = Some(region.into());
        self
    }

    /// The object storage endpoint URL (no credentials in it).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> ContentOptions {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The object storage credentials.
    pub fn access_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> ContentOptions {
        self.access_key_id = Some(id.into());
        self.access_key_secret = Some(secret.into());
        self
    }

    /// Lets dfdaemon skip TLS verification of the endpoint.
    pub fn insecure_skip_verify(mut self, skip: bool) -> ContentOptions {
        self.insecure_skip_verify = skip;
        self
    }

    /// Replicas the P2P network keeps of each object; 0 (the default) means 2.
    pub fn replica_count(mut self, replicas: u32) -> ContentOptions {
        self.replica_count = replicas;
        self
    }

    /// How long the P2P network keeps an uploaded object, 60 to 604800 seconds; 0 (the default)
    /// leaves it to dfdaemon (1 day).
    pub fn ttl_seconds(mut self, seconds: u32) -> ContentOptions {
        self.ttl_seconds = seconds;
        self
    }

    /// The longest one object's upload or download may take; 0 (the default) means 1800.
    pub fn timeout_seconds(mut self, seconds: u32) -> ContentOptions {
        self.timeout_seconds = seconds;
        self
    }

    /// Where dfdaemon sees the root directory, when it runs with it mounted elsewhere.
    pub fn storage_dir(mut self, dir: impl Into<PathBuf>) -> ContentOptions {
        self.storage_dir = Some(dir.into());
        self
    }

    fn to_raw(&self, arena: &mut Arena) -> Result<sys::snapshotter_content_options> {
        let mut raw = init(
            sys::snapshotter_content_options_init,
            sys::SNAPSHOTTER_CONTENT_OPTIONS_VERSION,
            "snapshotter_content_options",
        )?;
        raw.dir = arena.optional_path(self.dir.as_deref().map(Path::new), "content.dir")?;
        raw.dfdaemon = arena.optional_str(self.dfdaemon.as_deref(), "content.dfdaemon")?;
        raw.provider = arena.optional_str(self.provider.as_deref(), "content.provider")?;
        raw.bucket = arena.optional_str(self.bucket.as_deref(), "content.bucket")?;
        raw.region = arena.optional_str(self.region.as_deref(), "content.region")?;
        raw.endpoint = arena.optional_str(self.endpoint.as_deref(), "content.endpoint")?;
        raw.access_key_id = arena.optional_str(self.access_key_id.as_deref(), "content.access_key_id")?;
        raw.access_key_secret = arena.secret(self.access_key_secret.as_deref(), "content.access_key_secret")?;
        raw.insecure_skip_verify = c_int::from(self.insecure_skip_verify);
        raw.replica_count = self.replica_count;
        raw.ttl_seconds = self.ttl_seconds;
        raw.timeout_seconds = self.timeout_seconds;
        raw.storage_dir = arena.optional_path(self.storage_dir.as_deref(), "content.storage_dir")?;
        Ok(raw)
    }
}

impl fmt::Debug for ContentOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContentOptions")
            .field("dir", &self.dir)
            .field("dfdaemon", &self.dfdaemon)
            .field("provider", &self.provider)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret.as_ref().map(|_| "<set>"))
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("replica_count", &self.replica_count)
            .field("ttl_seconds", &self.ttl_seconds)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("storage_dir", &self.storage_dir)
            .finish()
    }
}

/// Builds `snapshotter_registry_options`: an OCI registry (`http://host[:port]`, `https://host[:port]`)
/// or an OCI image layout directory (`oci:/absolute/dir`) holding snapshot metadata. A snapshot
/// name:version is the artifact tagged version in the repository namespace/name.
#[derive(Clone)]
pub struct RegistryOptions {
    url: String,
    namespace: Option<String>,
    username: Option<String>,
    password: Option<String>,
    insecure_skip_verify: bool,
    ca_file: Option<PathBuf>,
    request_timeout: Duration,
    max_attempts: u32,
    retry_time_limit: Duration,
}

impl RegistryOptions {
    /// The registry or layout at `url`, anonymous, every other option at the library's default.
    pub fn new(url: impl Into<String>) -> RegistryOptions {
        RegistryOptions {
            url: url.into(),
            namespace: None,
            username: None,
            password: None,
            insecure_skip_verify: false,
            ca_file: None,
            request_timeout: Duration::ZERO,
            max_attempts: 0,
            retry_time_limit: Duration::ZERO,
        }
    }

    /// A prefix of every repository ("team/snapshots").
    pub fn namespace(mut self, namespace: impl Into<String>) -> RegistryOptions {
        self.namespace = Some(namespace.into());
        self
    }

    /// Credentials for HTTP Basic or the registry's token service, whichever it asks for.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> RegistryOptions {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }

    /// TLS without certificate verification.
    pub fn insecure_skip_verify(mut self, skip: bool) -> RegistryOptions {
        self.insecure_skip_verify = skip;
        self
    }

    /// A PEM bundle (absolute path) of the certificate authorities to trust instead of the system's.
    pub fn ca_file(mut self, ca_file: impl Into<PathBuf>) -> RegistryOptions {
        self.ca_file = Some(ca_file.into());
        self
    }

    /// Bound on one request; zero (the default) means the library's, 30 s. Whole milliseconds.
    pub fn request_timeout(mut self, timeout: Duration) -> RegistryOptions {
        self.request_timeout = timeout;
        self
    }

    /// Attempts per request on connection errors, timeouts, 429 and 5xx; 0 means the library's, 5.
    pub fn max_attempts(mut self, attempts: u32) -> RegistryOptions {
        self.max_attempts = attempts;
        self
    }

    /// Bound on one request across all of its attempts; zero means the library's, 2 minutes.
    pub fn retry_time_limit(mut self, limit: Duration) -> RegistryOptions {
        self.retry_time_limit = limit;
        self
    }

    fn to_raw(&self, arena: &mut Arena) -> Result<sys::snapshotter_registry_options> {
        let mut raw = init(
            sys::snapshotter_registry_options_init,
            sys::SNAPSHOTTER_REGISTRY_OPTIONS_VERSION,
            "snapshotter_registry_options",
        )?;
        raw.url = arena.str(&self.url, "registry.url")?;
        raw.repository_namespace = arena.optional_str(self.namespace.as_deref(), "registry.namespace")?;
        raw.username = arena.optional_str(self.username.as_deref(), "registry.username")?;
        raw.password = arena.secret(self.password.as_deref(), "registry.password")?;
        raw.insecure_skip_verify = c_int::from(self.insecure_skip_verify);
        raw.ca_file = arena.optional_path(self.ca_file.as_deref(), "registry.ca_file")?;
        raw.request_timeout_ms = millis(self.request_timeout, "registry.request_timeout")?;
        raw.max_attempts = self.max_attempts;
        raw.retry_time_limit_ms = millis(self.retry_time_limit, "registry.retry_time_limit")?;
        Ok(raw)
    }
}

/// Never prints the password.
impl fmt::Debug for RegistryOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryOptions")
            .field("url", &self.url)
            .field("namespace", &self.namespace)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<set>"))
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("ca_file", &self.ca_file)
            .field("request_timeout", &self.request_timeout)
            .field("max_attempts", &self.max_attempts)
            .field("retry_time_limit", &self.retry_time_limit)
            .finish()
    }
}

fn millis(duration: Duration, field: &str) -> Result<u32> {
    u32::try_from(duration.as_millis()).map_err(|_| {
        Error::new(sys::SNAPSHOTTER_ERROR_INVALID_ARGUMENT, format!("{field} {duration:?} is out of range"))
    })
}
