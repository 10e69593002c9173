using System.Runtime.InteropServices;
using Snapshotter.Engine;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_list_request_init")]
    public static int ListRequestInit(NativeListRequest* request, uint version) =>
        InitStruct(request, version, NativeListRequest.CurrentVersion, "snapshotter_list_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_inspect_request_init")]
    public static int InspectRequestInit(NativeInspectRequest* request, uint version) =>
        InitStruct(request, version, NativeInspectRequest.CurrentVersion, "snapshotter_inspect_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_delete_request_init")]
    public static int DeleteRequestInit(NativeDeleteRequest* request, uint version) =>
        InitStruct(request, version, NativeDeleteRequest.CurrentVersion, "snapshotter_delete_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_list")]
    public static int List(NativeList<NativeSnapshotInfo>** result, IntPtr handle, NativeListRequest* request, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            NativeListRequest effective = request == null ? new NativeListRequest { Version = NativeListRequest.CurrentVersion } : *request;
            RequireVersion(effective.Version, NativeListRequest.CurrentVersion, "snapshotter_list_request");
            RequireKnownFlags(effective.Flags, NativeListRequest.KnownFlags, "flags");
            using var control = new CallControl(effective.Cancel, null, null);
            IReadOnlyList<SnapshotInfo> snapshots = engine.List(Utf8.Optional(effective.Name, "name"), (effective.Flags & NativeListRequest.RemoteFlag) != 0, control.Token);
            *result = Arena.List(snapshots, StringsSize, ToNative);
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_snapshot_list_count")]
    public static nuint SnapshotListCount(NativeList<NativeSnapshotInfo>* list) =>
        NativeList<NativeSnapshotInfo>.CountOf(list);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_snapshot_list_get")]
    public static NativeSnapshotInfo* SnapshotListGet(NativeList<NativeSnapshotInfo>* list, nuint index) =>
        NativeList<NativeSnapshotInfo>.Get(list, index);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_snapshot_list_free")]
    public static void SnapshotListFree(NativeList<NativeSnapshotInfo>* list) =>
        Arena.Release(list);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_inspect")]
    public static int Inspect(NativeInspection** result, IntPtr handle, NativeInspectRequest* request, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeInspectRequest.CurrentVersion, "snapshotter_inspect_request");
            SnapshotReference reference = ReadReference(request->Ref, request->Name, request->SnapshotVersion);
            *result = ToNative(engine.Inspect(reference));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_inspection_snapshot")]
    public static NativeSnapshotInfo* InspectionSnapshot(NativeInspection* inspection) =>
        NativeInspection.SummaryOf(inspection);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_inspection_file_count")]
    public static nuint InspectionFileCount(NativeInspection* inspection) =>
        NativeInspection.CountOf(inspection);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_inspection_file_get")]
    public static NativeFileInfo* InspectionFileGet(NativeInspection* inspection, nuint index) =>
        NativeInspection.Get(inspection, index);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_inspection_free")]
    public static void InspectionFree(NativeInspection* inspection) =>
        Arena.Release(inspection);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_delete")]
    public static int Delete(NativeDeleteStats* stats, IntPtr handle, NativeDeleteRequest* request, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeDeleteRequest.CurrentVersion, "snapshotter_delete_request");
            if (stats != null)
            {
                RequireVersion(stats->Version, NativeDeleteStats.CurrentVersion, "snapshotter_delete_stats");
            }

            RequireKnownFlags(request->Flags, NativeDeleteRequest.KnownFlags, "flags");
            using var control = new CallControl(request->Cancel, null, null);
            DeleteStats deleted = engine.Delete(ReadReference(request->Ref, request->Name, request->SnapshotVersion), (request->Flags & NativeDeleteRequest.RemoteFlag) != 0, control.Token);
            if (stats != null)
            {
                stats->Files = (ulong)deleted.Files;
                stats->ContentFreed = (ulong)deleted.ContentFreed;
                stats->BytesFreed = (ulong)deleted.BytesFreed;
                stats->ManifestsDeleted = deleted.RemoteManifest is null ? 0UL : 1UL;
            }

            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    /// <summary>The snapshot a request names with `ref`, or with `name` and `snapshot_version`; never both.</summary>
    private static SnapshotReference ReadReference(byte* reference, byte* name, byte* version) =>
        SnapshotReference.FromRequest(Utf8.Optional(reference, "ref"), Utf8.Optional(name, "name"), Utf8.Optional(version, "snapshot_version"));

    /// <summary>One allocation holding the inspection, its file array and all their strings.</summary>
    private static NativeInspection* ToNative(SnapshotDetails details) => Arena.Report(
        StringsSize(details.Snapshot),
        (ref Arena arena) => ToNative(details.Snapshot, ref arena),
        details.Files,
        file => Arena.SizeOf(file.RelativePath) + Arena.SizeOf(file.Digest),
        (SnapshotFileInfo file, ref Arena arena) => new NativeFileInfo
        {
            Version = NativeFileInfo.CurrentVersion,
            RelativePath = arena.String(file.RelativePath),
            Digest = arena.String(file.Digest),
            Size = (ulong)file.Size,
            MtimeNs = file.ModificationTimeNs,
            Mode = file.Mode,
            Uid = file.Uid,
            Gid = file.Gid,
            Flags = (file.ReadOnly ? NativeFile.ReadOnlyFlag : 0) | (file.ContentLocal ? NativeFileInfo.ContentLocalFlag : 0),
        });

    private static nuint StringsSize(SnapshotInfo snapshot) => Arena.SizeOf(snapshot.Name) + Arena.SizeOf(snapshot.Version);

    private static NativeSnapshotInfo ToNative(SnapshotInfo snapshot, ref Arena arena) => new()
    {
        Version = NativeSnapshotInfo.CurrentVersion,
        Name = arena.String(snapshot.Name),
        SnapshotVersion = arena.String(snapshot.Version),
        CreatedNs = snapshot.CreatedNs,
        LastUsedNs = snapshot.LastUsedNs,
        Files = (ulong)snapshot.Files,
        Bytes = (ulong)snapshot.Bytes,
        StoredBytes = (ulong)snapshot.StoredBytes,
        Flags = (snapshot.Local ? NativeSnapshotInfo.LocalFlag : 0) | (snapshot.Remote ? NativeSnapshotInfo.RemoteFlag : 0),
    };
}
