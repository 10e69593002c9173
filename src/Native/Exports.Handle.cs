using System.Runtime.InteropServices;
using Snapshotter.Dragonfly;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Registry;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_options_init")]
    public static int OptionsInit(NativeOptions* options, uint version) =>
        InitStruct(options, version, NativeOptions.CurrentVersion, "snapshotter_options");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_content_options_init")]
    public static int ContentOptionsInit(NativeContentOptions* options, uint version) =>
        InitStruct(options, version, NativeContentOptions.CurrentVersion, "snapshotter_content_options");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_registry_options_init")]
    public static int RegistryOptionsInit(NativeRegistryOptions* options, uint version) =>
        InitStruct(options, version, NativeRegistryOptions.CurrentVersion, "snapshotter_registry_options");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_open")]
    public static int Open(IntPtr* result, NativeOptions* options, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            NativeOptions effective = options == null ? new NativeOptions { Version = NativeOptions.CurrentVersion } : *options;
            RequireVersion(effective.Version, NativeOptions.CurrentVersion, "snapshotter_options");
            (string? contentDirectory, DragonflyOptions? dragonfly) = ReadContentOptions(effective.Content);
            var engineOptions = new EngineOptions
            {
                RootDir = Utf8.Required(effective.RootDir, "root_dir"),
                Concurrency = effective.Concurrency == 0 ? EngineOptions.DefaultConcurrency : (int)Math.Min(effective.Concurrency, int.MaxValue),
                ContentDirectory = contentDirectory,
                Dragonfly = dragonfly,
                Gc = ReadGcOptions(effective.Gc),
                Registry = ReadRegistryOptions(effective.Registry),
            };
            *result = Handles.Create(SnapshotEngine.Open(engineOptions));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_close")]
    public static void Close(IntPtr handle)
    {
        if (handle == IntPtr.Zero)
        {
            return;
        }

        try
        {
            // Dispose first: calls racing with close still find the engine and get CLOSED from it. Anything but an
            // open handle (closed already, not from this library) is refused by Engine and left alone.
            Handles.Engine(handle).Dispose();
            Handles.Free<SnapshotEngine>(handle);
        }
        catch (Exception)
        {
            // Closing releases what it can; there is no error channel and nothing may cross the boundary.
        }
    }

    /// <summary>The directory, or the Dragonfly settings when any of them is set (Core refuses both at once).</summary>
    private static (string? Directory, DragonflyOptions? Dragonfly) ReadContentOptions(NativeContentOptions* content)
    {
        if (content == null)
        {
            return (null, null);
        }

        RequireVersion(content->Version, NativeContentOptions.CurrentVersion, "snapshotter_content_options");
        string? directory = Utf8.Optional(content->Dir, "content.dir");
        string? target = Utf8.Optional(content->Dfdaemon, "content.dfdaemon");
        string? provider = Utf8.Optional(content->Provider, "content.provider");
        string? bucket = Utf8.Optional(content->Bucket, "content.bucket");
        string? region = Utf8.Optional(content->Region, "content.region");
        string? endpoint = Utf8.Optional(content->Endpoint, "content.endpoint");
        string? accessKeyId = Utf8.Optional(content->AccessKeyId, "content.access_key_id");
        string? accessKeySecret = Utf8.Optional(content->AccessKeySecret, "content.access_key_secret");
        string? storageDir = Utf8.Optional(content->StorageDir, "content.storage_dir");
        bool anyDragonfly = target is not null || provider is not null || bucket is not null || region is not null || endpoint is not null
            || accessKeyId is not null || accessKeySecret is not null || storageDir is not null || content->InsecureSkipVerify != 0
            || content->ReplicaCount != 0 || content->TtlSeconds != 0 || content->TimeoutSeconds != 0;
        if (!anyDragonfly)
        {
            return (directory, null);
        }

        var dragonfly = new DragonflyOptions
        {
            Target = target ?? DragonflyOptions.DefaultTarget,
            Provider = provider ?? "",
            Bucket = bucket ?? "",
            Region = region ?? "",
            Endpoint = endpoint ?? "",
            AccessKeyId = accessKeyId,
            AccessKeySecret = accessKeySecret,
            InsecureSkipVerify = content->InsecureSkipVerify != 0,
            ReplicaCount = content->ReplicaCount == 0 ? DragonflyOptions.DefaultReplicaCount : (int)Math.Min(content->ReplicaCount, int.MaxValue),
            Ttl = content->TtlSeconds == 0 ? null : TimeSpan.FromSeconds(content->TtlSeconds),
            Timeout = content->TimeoutSeconds == 0 ? DragonflyOptions.DefaultTimeout : TimeSpan.FromSeconds(content->TimeoutSeconds),
            StorageDir = storageDir,
        };
        return (directory, dragonfly);
    }

    private static RegistryOptions? ReadRegistryOptions(NativeRegistryOptions* registry)
    {
        if (registry == null)
        {
            return null;
        }

        RequireVersion(registry->Version, NativeRegistryOptions.CurrentVersion, "snapshotter_registry_options");
        return new RegistryOptions
        {
            Url = Utf8.Required(registry->Url, "registry.url"),
            Namespace = Utf8.Optional(registry->RepositoryNamespace, "registry.repository_namespace"),
            Username = Utf8.Optional(registry->Username, "registry.username"),
            Password = Utf8.Optional(registry->Password, "registry.password"),
            Insecure = registry->InsecureSkipVerify != 0,
            CaFile = Utf8.Optional(registry->CaFile, "registry.ca_file"),
            RequestTimeout = registry->RequestTimeoutMs == 0 ? RegistryOptions.DefaultRequestTimeout : TimeSpan.FromMilliseconds(registry->RequestTimeoutMs),
            MaxAttempts = registry->MaxAttempts == 0 ? RegistryOptions.DefaultMaxAttempts : (int)Math.Min(registry->MaxAttempts, int.MaxValue),
            RetryTimeLimit = registry->RetryTimeLimitMs == 0 ? RegistryOptions.DefaultRetryTimeLimit : TimeSpan.FromMilliseconds(registry->RetryTimeLimitMs),
        };
    }

    private static void WriteStats(NativeStats* stats, OperationStats result)
    {
        if (stats == null)
        {
            return;
        }

        stats->Files = (ulong)result.Files;
        stats->Bytes = (ulong)result.Bytes;
        stats->BytesRead = (ulong)result.BytesRead;
        stats->BytesWritten = (ulong)result.BytesWritten;
        stats->FilesReused = (ulong)result.FilesReused;
        stats->FilesLinked = (ulong)result.FilesLinked;
        stats->ElapsedNs = (ulong)(result.Elapsed.Ticks * TimeSpan.NanosecondsPerTick);
        stats->FilesRemoved = (ulong)result.FilesRemoved;
    }

    private static void CheckStats(NativeStats* stats)
    {
        if (stats != null)
        {
            RequireVersion(stats->Version, NativeStats.CurrentVersion, "snapshotter_stats");
        }
    }
}
