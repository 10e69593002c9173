using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Errors;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_diff_request_init")]
    public static int DiffRequestInit(NativeDiffRequest* request, uint version) =>
        InitStruct(request, version, NativeDiffRequest.CurrentVersion, "snapshotter_diff_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_diff")]
    public static int Diff(NativeList<NativeDiffEntry>** result, IntPtr handle, NativeDiffRequest* request, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeDiffRequest.CurrentVersion, "snapshotter_diff_request");
            string? otherRef = Utf8.Optional(request->OtherRef, "other_ref");
            string? otherDir = Utf8.OptionalPath(request->OtherDir);
            if ((otherRef is null) == (otherDir is null))
            {
                throw SnapshotterException.InvalidArgument("give exactly one of other_ref (a snapshot) and other_dir (a directory) to compare with");
            }

            using var control = new CallControl(request->Cancel, request->Progress, request->ProgressPayload);
            var diffRequest = new DiffRequest
            {
                From = ReadReference(request->Ref, request->Name, request->SnapshotVersion),
                To = otherRef is null ? null : SnapshotReference.Parse(otherRef, "other_ref"),
                Directory = otherDir,
                Progress = control.Progress,
            };
            *result = Arena.List(engine.Diff(diffRequest, control.Token), entry => Arena.SizeOf(entry.RelativePath), (DiffEntry entry, ref Arena arena) => new NativeDiffEntry
            {
                Version = NativeDiffEntry.CurrentVersion,
                RelativePath = arena.String(entry.RelativePath),
                Kind = (uint)entry.Kind,
                Reasons = (uint)entry.Reasons,
            });
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_diff_list_count")]
    public static nuint DiffListCount(NativeList<NativeDiffEntry>* list) =>
        NativeList<NativeDiffEntry>.CountOf(list);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_diff_list_get")]
    public static NativeDiffEntry* DiffListGet(NativeList<NativeDiffEntry>* list, nuint index) =>
        NativeList<NativeDiffEntry>.Get(list, index);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_diff_list_free")]
    public static void DiffListFree(NativeList<NativeDiffEntry>* list) =>
        Arena.Release(list);
}
