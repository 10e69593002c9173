using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Errors;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_export_request_init")]
    public static int ExportRequestInit(NativeExportRequest* request, uint version) =>
        InitStruct(request, version, NativeExportRequest.CurrentVersion, "snapshotter_export_request", &NativeExportRequest.SetDefaults);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_import_request_init")]
    public static int ImportRequestInit(NativeImportRequest* request, uint version) =>
        InitStruct(request, version, NativeImportRequest.CurrentVersion, "snapshotter_import_request", &NativeImportRequest.SetDefaults, NativeImportRequest.OldestVersion);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_export")]
    public static int Export(NativeStats* stats, IntPtr handle, NativeExportRequest* request, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeExportRequest.CurrentVersion, "snapshotter_export_request");
            CheckStats(stats);
            RequireKnownFlags(request->Flags, NativeExportRequest.KnownFlags, "flags");

            using var control = new CallControl(request->Cancel, request->Progress, request->ProgressPayload);
            var exportRequest = new ExportRequest
            {
                Snapshot = ReadReference(request->Ref, request->Name, request->SnapshotVersion),
                Descriptor = ReadDescriptor(request->Fd),
                OutputDir = Utf8.OptionalPath(request->OutputDir),
                Gzip = (request->Flags & NativeExportRequest.GzipFlag) != 0,
                Progress = control.Progress,
            };
            WriteStats(stats, engine.Export(exportRequest, control.Token));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_import")]
    public static int Import(NativeStats* stats, NativeInspection** imported, IntPtr handle, NativeImportRequest* request, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(request, "req");
            RequireVersion(request->Version, NativeImportRequest.OldestVersion, NativeImportRequest.CurrentVersion, "snapshotter_import_request");
            CheckStats(stats);
            using var control = new CallControl(request->Cancel, request->Progress, request->ProgressPayload);
            var importRequest = new ImportRequest
            {
                Descriptor = ReadDescriptor(request->Fd),
                InputDir = Utf8.OptionalPath(request->InputDir),
                Name = Utf8.Optional(request->Name, "name"),
                Version = Utf8.Optional(request->SnapshotVersion, "snapshot_version"),
                Progress = control.Progress,
            };
            ImportResult result = engine.Import(importRequest, control.Token);
            NativeInspection* inspection = imported == null ? null : ToNative(engine.Inspect(SnapshotReference.Exact(result.Name, result.Version)));
            WriteStats(stats, result.Stats);
            if (imported != null)
            {
                *imported = inspection;
            }

            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    /// <summary>A descriptor field: -1 is "none"; other negative values are a caller's mistake.</summary>
    private static int? ReadDescriptor(int fd) =>
        fd == -1 ? null : fd >= 0 ? fd : throw SnapshotterException.InvalidArgument($"fd {fd} is not a file descriptor (-1 means none)");
}
