using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Errors;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    /// <summary>Above this a file count is a caller bug (an uninitialised size_t), not a request.</summary>
    private const ulong MaxFileCount = 1UL << 31;

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_snapshot_request_init")]
    public static int SnapshotRequestInit(NativeSnapshotRequest* request, uint version) =>
        InitStruct(request, version, NativeSnapshotRequest.CurrentVersion, "snapshotter_snapshot_request", oldest: NativeSnapshotRequest.OldestVersion);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_file_init")]
    public static int FileInit(NativeFile* file, uint version) =>
        InitStruct(file, version, NativeFile.CurrentVersion, "snapshotter_file");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_snapshot")]
    public static int Snapshot(NativeStats* stats, IntPtr handle, NativeSnapshotRequest* request, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeSnapshotRequest.OldestVersion, NativeSnapshotRequest.CurrentVersion, "snapshotter_snapshot_request");
            CheckStats(stats);
            RequireKnownFlags(request->Flags, NativeSnapshotRequest.KnownFlags, "flags");

            using var control = new CallControl(request->Cancel, request->Progress, request->ProgressPayload);
            var snapshotRequest = new SnapshotRequest
            {
                Name = Utf8.Required(request->Name, "name"),
                Version = Utf8.Required(request->SnapshotVersion, "snapshot_version"),
                BaseDir = Utf8.RequiredPath(request->BaseDir, "base_dir"),
                Files = ReadFiles(request->Files, request->FileCount),
                Progress = control.Progress,
                Rehash = (request->Flags & NativeSnapshotRequest.RehashFlag) != 0,
                AllowEmpty = (request->Flags & NativeSnapshotRequest.AllowEmptyFlag) != 0,
            };
            WriteStats(stats, engine.Snapshot(snapshotRequest, control.Token));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    private static FileSpec[] ReadFiles(NativeFile* files, nuint count)
    {
        if (files == null && count != 0)
        {
            throw SnapshotterException.InvalidArgument($"files is NULL but file_count is {count}");
        }

        if (count > MaxFileCount)
        {
            throw SnapshotterException.InvalidArgument($"file_count {count} is implausibly large");
        }

        var specs = new FileSpec[(int)count];
        if (count == 0)
        {
            return specs;
        }

        // The first element's version fixes the array's stride, each version having one size (version 1, the only
        // one so far, is NativeFile's); every other element must agree.
        uint version = files[0].Version;
        RequireVersion(version, NativeFile.CurrentVersion, "files[0]: snapshotter_file");
        for (int i = 0; i < specs.Length; i++)
        {
            NativeFile* file = &files[i];
            if (file->Version != version)
            {
                throw SnapshotterException.InvalidArgument($"files[{i}].version is {file->Version} but files[0].version is {version}: every element of the array must have the same version");
            }

            RequireKnownFlags(file->Flags, NativeFile.KnownFlags, $"files[{i}].flags");
            specs[i] = new FileSpec(
                Utf8.RequiredPath(file->RelativePath, $"files[{i}].relative_path"),
                (file->Flags & NativeFile.ReadOnlyFlag) != 0);
        }

        return specs;
    }
}
