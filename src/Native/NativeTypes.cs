global using NativeGcReport = Snapshotter.Native.NativeReport<Snapshotter.Native.NativeGcSummary, Snapshotter.Native.NativeGcEvicted>;
global using NativeInspection = Snapshotter.Native.NativeReport<Snapshotter.Native.NativeSnapshotInfo, Snapshotter.Native.NativeFileInfo>;
global using NativeVerifyReport = Snapshotter.Native.NativeReport<Snapshotter.Native.NativeVerifySummary, Snapshotter.Native.NativeVerifyProblem>;
using System.Runtime.InteropServices;

namespace Snapshotter.Native;

// Mirrors of include/snapshotter.h, each named after its C struct (snapshotter_gc_options: NativeGcOptions) with
// the header's fields in the header's order. tests/Core.Tests/Abi/NativeLayoutTests.cs checks names, order, sizes
// and offsets against what a C compiler makes of the header; tests/c/abi_layout_test.c pins the header's offsets
// and sizes; docs/abi.md says how structs may change.

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeOptions
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* RootDir;
    public uint Concurrency;
    public NativeContentOptions* Content;
    public NativeGcOptions* Gc;
    public NativeRegistryOptions* Registry;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeContentOptions
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Dir;
    public byte* Dfdaemon;
    public byte* Provider;
    public byte* Bucket;
    public byte* Region;
    public byte* Endpoint;
    public byte* AccessKeyId;
    public byte* AccessKeySecret;
    public int InsecureSkipVerify;
    public uint ReplicaCount;
    public uint TtlSeconds;
    public uint TimeoutSeconds;
    public byte* StorageDir;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeRegistryOptions
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Url;
    public byte* RepositoryNamespace;
    public byte* Username;
    public byte* Password;
    public int InsecureSkipVerify;
    public byte* CaFile;
    public uint RequestTimeoutMs;
    public uint MaxAttempts;
    public uint RetryTimeLimitMs;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeStats
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public ulong Files;
    public ulong Bytes;
    public ulong BytesRead;
    public ulong BytesWritten;
    public ulong FilesReused;
    public ulong FilesLinked;
    public ulong ElapsedNs;
    public ulong FilesRemoved;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeFile
{
    public const uint CurrentVersion = 1;
    public const uint ReadOnlyFlag = 0x1;
    public const uint KnownFlags = ReadOnlyFlag;

    public uint Version;
    public byte* RelativePath;
    public uint Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeProgress
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public ulong FilesDone;
    public ulong FilesTotal;
    public ulong BytesDone;
    public ulong BytesTotal;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeSnapshotRequest
{
    /// <summary>Version 1 had `flags` last: a different layout, refused.</summary>
    public const uint OldestVersion = 2;
    public const uint CurrentVersion = 2;
    public const uint RehashFlag = 0x1;
    public const uint AllowEmptyFlag = 0x2;
    public const uint KnownFlags = RehashFlag | AllowEmptyFlag;

    public uint Version;
    public byte* Name;
    public byte* SnapshotVersion;
    public byte* BaseDir;
    public NativeFile* Files;
    public nuint FileCount;
    public uint Flags;
    public delegate* unmanaged<NativeProgress*, void*, int> Progress;
    public void* ProgressPayload;
    public IntPtr Cancel;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeRestoreRequest
{
    /// <summary>Version 1 had `ref` after `cancel`: a different layout, refused.</summary>
    public const uint OldestVersion = 2;
    public const uint CurrentVersion = 2;
    public const uint OverwriteFlag = 0x1;
    public const uint InPlaceFlag = 0x2;
    public const uint DeleteExtraFlag = 0x4;
    public const uint SkipDevicesFlag = 0x8;
    public const uint RehashFlag = 0x10;
    public const uint KnownFlags = OverwriteFlag | InPlaceFlag | DeleteExtraFlag | SkipDevicesFlag | RehashFlag;

    public uint Version;
    public byte* Ref;
    public byte* Name;
    public byte* SnapshotVersion;
    public byte* OutputDir;
    public byte** Only;
    public nuint OnlyCount;
    public uint Flags;
    public delegate* unmanaged<NativeProgress*, void*, int> Progress;
    public void* ProgressPayload;
    public IntPtr Cancel;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeSnapshotInfo
{
    public const uint CurrentVersion = 1;
    public const uint LocalFlag = 0x1;
    public const uint RemoteFlag = 0x2;

    public uint Version;
    public byte* Name;
    public byte* SnapshotVersion;
    public long CreatedNs;
    public long LastUsedNs;
    public ulong Files;
    public ulong Bytes;
    public ulong StoredBytes;
    public uint Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeFileInfo
{
    public const uint CurrentVersion = 1;
    public const uint ContentLocalFlag = 0x2;

    public uint Version;
    public byte* RelativePath;
    public byte* Digest;
    public ulong Size;
    public long MtimeNs;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    public uint Flags;
}

/// <summary>snapshotter_snapshot_list, snapshotter_diff_list: the header of a list's arena block.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeList<T>
    where T : unmanaged
{
    public nuint Count;
    public T* Items;

    /// <summary>The item count; 0 for anything but a live list. Never throws: the *_count exports return it as it is.</summary>
    public static nuint CountOf(NativeList<T>* list)
    {
        try
        {
            return Handles.IsLive(list) ? list->Count : 0;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    /// <summary>The index-th item, or null when the list is not a live list or the index out of range. Never throws.</summary>
    public static T* Get(NativeList<T>* list, nuint index)
    {
        try
        {
            return Handles.IsLive(list) ? list->ItemAt(index) : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>The index-th item, or null when the index is out of range.</summary>
    public readonly T* ItemAt(nuint index) => index < Count ? &Items[index] : null;
}

/// <summary>
/// snapshotter_inspection, snapshotter_gc_report, snapshotter_verify_report: the header of a report's arena block,
/// a summary followed by a list of items.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeReport<TSummary, TItem>
    where TSummary : unmanaged
    where TItem : unmanaged
{
    public TSummary Summary;
    public NativeList<TItem> Items;

    /// <summary>The summary; null for anything but a live report of this type. Never throws.</summary>
    public static TSummary* SummaryOf(NativeReport<TSummary, TItem>* report)
    {
        try
        {
            return Handles.IsLive(report) ? &report->Summary : null;
        }
        catch (Exception)
        {
            return null;
        }
    }

    /// <summary>The item count; 0 for anything but a live report of this type. Never throws.</summary>
    public static nuint CountOf(NativeReport<TSummary, TItem>* report)
    {
        try
        {
            return Handles.IsLive(report) ? report->Items.Count : 0;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    /// <summary>The index-th item, or null when the report is not a live report of this type or the index out of range.
    /// Never throws.</summary>
    public static TItem* Get(NativeReport<TSummary, TItem>* report, nuint index)
    {
        try
        {
            return Handles.IsLive(report) ? report->Items.ItemAt(index) : null;
        }
        catch (Exception)
        {
            return null;
        }
    }
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeListRequest
{
    public const uint CurrentVersion = 1;
    public const uint RemoteFlag = 0x1;
    public const uint KnownFlags = RemoteFlag;

    public uint Version;
    public byte* Name;
    public uint Flags;
    public IntPtr Cancel;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeInspectRequest
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Ref;
    public byte* Name;
    public byte* SnapshotVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeDeleteRequest
{
    public const uint CurrentVersion = 1;
    public const uint RemoteFlag = 0x1;
    public const uint KnownFlags = RemoteFlag;

    public uint Version;
    public byte* Ref;
    public byte* Name;
    public byte* SnapshotVersion;
    public uint Flags;
    public IntPtr Cancel;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeDeleteStats
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public ulong Files;
    public ulong ContentFreed;
    public ulong BytesFreed;
    public ulong ManifestsDeleted;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeDiffEntry
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* RelativePath;
    public uint Kind;
    public uint Reasons;
}


[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeDiffRequest
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Ref;
    public byte* Name;
    public byte* SnapshotVersion;
    public byte* OtherRef;
    public byte* OtherDir;
    public delegate* unmanaged<NativeProgress*, void*, int> Progress;
    public void* ProgressPayload;
    public IntPtr Cancel;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeGcOptions
{
    public const uint CurrentVersion = 1;
    public const uint NoBackgroundFlag = 0x1;
    public const uint NoDiskEvictionFlag = 0x2;
    public const uint NoMinRetentionFlag = 0x4;
    public const uint NoOrphanGraceFlag = 0x8;
    public const uint KnownFlags = NoBackgroundFlag | NoDiskEvictionFlag | NoMinRetentionFlag | NoOrphanGraceFlag;

    public uint Version;
    public uint Flags;
    public ulong IntervalSeconds;
    public uint HighWatermarkPercent;
    public uint LowWatermarkPercent;
    public uint BatchSize;
    public uint MaxBatches;
    public uint KeepLast;
    public ulong MinRetentionSeconds;
    public ulong MaxAgeSeconds;
    public ulong MaxStoreBytes;
    public ulong OrphanGraceSeconds;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeGcRequest
{
    public const uint CurrentVersion = 1;
    public const uint DryRunFlag = 0x1;
    public const uint KnownFlags = DryRunFlag;

    public uint Version;
    public uint Flags;
    public IntPtr Cancel;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeGcSummary
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public uint DryRun;
    public ulong DiskTotalBytes;
    public ulong DiskUsedBytes;
    public ulong StoreBytes;
    public ulong Batches;
    public ulong ContentRemoved;
    public ulong ContentBytesFreed;
    public ulong OrphanTempFiles;
    public ulong OrphanContent;
    public ulong OrphanSnapshotFiles;
    public ulong OrphanRecords;
    public ulong OrphanBytesFreed;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeGcEvicted
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Name;
    public byte* SnapshotVersion;
    public uint Reason;
    public ulong LastUsedNs;
    public ulong ContentRemoved;
    public ulong BytesFreed;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeVerifyRequest
{
    public const uint CurrentVersion = 1;
    public const uint RepairFlag = 0x1;
    public const uint KnownFlags = RepairFlag;

    public uint Version;
    public uint Flags;
    public delegate* unmanaged<NativeProgress*, void*, int> Progress;
    public void* ProgressPayload;
    public IntPtr Cancel;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeVerifySummary
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public ulong SnapshotsChecked;
    public ulong ContentChecked;
    public ulong SnapshotFilesChecked;
    public ulong BytesChecked;
    public ulong UnreferencedContent;
    public ulong ProblemsUnrepaired;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeVerifyProblem
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public uint Kind;
    public uint Repaired;
    public byte* Subject;
    public byte* Message;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeExportRequest
{
    public const uint CurrentVersion = 1;
    public const uint GzipFlag = 0x1;
    public const uint KnownFlags = GzipFlag;

    public uint Version;
    public byte* Ref;
    public byte* Name;
    public byte* SnapshotVersion;
    public int Fd;
    public byte* OutputDir;
    public uint Flags;
    public delegate* unmanaged<NativeProgress*, void*, int> Progress;
    public void* ProgressPayload;
    public IntPtr Cancel;

    /// <summary>The defaults besides the version (SNAPSHOTTER_EXPORT_REQUEST_INIT): no descriptor.</summary>
    public static void SetDefaults(NativeExportRequest* request) => request->Fd = -1;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeImportRequest
{
    /// <summary>Version 1 had `fd` and `input_dir` first: a different layout, refused.</summary>
    public const uint OldestVersion = 2;
    public const uint CurrentVersion = 2;

    public uint Version;
    public byte* Name;
    public byte* SnapshotVersion;
    public int Fd;
    public byte* InputDir;
    public delegate* unmanaged<NativeProgress*, void*, int> Progress;
    public void* ProgressPayload;
    public IntPtr Cancel;

    /// <summary>The defaults besides the version (SNAPSHOTTER_IMPORT_REQUEST_INIT): no descriptor.</summary>
    public static void SetDefaults(NativeImportRequest* request) => request->Fd = -1;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeLabel
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Name;
    public byte* Value;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeMount
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Type;
    public byte* Source;
    public byte** Options;
    public nuint OptionCount;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeLifecycleInfo
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public uint Kind;
    public byte* Key;
    public byte* Parent;
    public NativeLabel* Labels;
    public nuint LabelCount;
    public long CreatedNs;
    public long UpdatedNs;
    public byte* SnapshotName;
    public byte* SnapshotVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeLifecycleRequest
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Key;
    public byte* Parent;
    public NativeLabel* Labels;
    public nuint LabelCount;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeLifecycleUpdateRequest
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Key;
    public NativeLabel* Labels;
    public nuint LabelCount;
    public byte** FieldPaths;
    public nuint FieldPathCount;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeLifecycleWalkRequest
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public uint Kind;
    public byte* Parent;
    public byte* LabelName;
    public byte* LabelValue;
}

[StructLayout(LayoutKind.Sequential)]
internal struct NativeUsage
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public long Bytes;
    public long Inodes;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeLifecycleCommitRequest
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public byte* Name;
    public byte* Key;
    public NativeLabel* Labels;
    public nuint LabelCount;
    public byte* SnapshotName;
    public byte* SnapshotVersion;
    public delegate* unmanaged<NativeProgress*, void*, int> Progress;
    public void* ProgressPayload;
    public IntPtr Cancel;
}
