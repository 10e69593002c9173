using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Errors;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_restore_request_init")]
    public static int RestoreRequestInit(NativeRestoreRequest* request, uint version) =>
        InitStruct(request, version, NativeRestoreRequest.CurrentVersion, "snapshotter_restore_request", oldest: NativeRestoreRequest.OldestVersion);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_restore")]
    public static int Restore(NativeStats* stats, IntPtr handle, NativeRestoreRequest* request, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeRestoreRequest.OldestVersion, NativeRestoreRequest.CurrentVersion, "snapshotter_restore_request");
            CheckStats(stats);
            RequireKnownFlags(request->Flags, NativeRestoreRequest.KnownFlags, "flags");

            using var control = new CallControl(request->Cancel, request->Progress, request->ProgressPayload);
            var restoreRequest = new RestoreRequest
            {
                Name = Utf8.Optional(request->Name, "name"),
                Version = Utf8.Optional(request->SnapshotVersion, "snapshot_version"),
                Reference = Utf8.Optional(request->Ref, "ref") is { } reference ? SnapshotReference.Parse(reference) : null,
                OutputDir = Utf8.OptionalPath(request->OutputDir),
                Overwrite = (request->Flags & NativeRestoreRequest.OverwriteFlag) != 0,
                InPlace = (request->Flags & NativeRestoreRequest.InPlaceFlag) != 0,
                DeleteExtra = (request->Flags & NativeRestoreRequest.DeleteExtraFlag) != 0,
                SkipDevices = (request->Flags & NativeRestoreRequest.SkipDevicesFlag) != 0,
                Rehash = (request->Flags & NativeRestoreRequest.RehashFlag) != 0,
                Only = ReadStrings(request->Only, request->OnlyCount, "only"),
                Progress = control.Progress,
            };
            WriteStats(stats, engine.Restore(restoreRequest, control.Token));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    /// <summary>An optional array of strings: NULL with a count of 0 is none.</summary>
    private static string[] ReadStrings(byte** strings, nuint count, string field)
    {
        if (strings == null && count != 0)
        {
            throw SnapshotterException.InvalidArgument($"{field} is NULL but {field}_count is {count}");
        }

        if (count > MaxFileCount)
        {
            throw SnapshotterException.InvalidArgument($"{field}_count {count} is implausibly large");
        }

        var values = new string[(int)count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Utf8.RequiredPath(strings[i], $"{field}[{i}]");
        }

        return values;
    }
}
