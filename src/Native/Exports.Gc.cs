using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Gc;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    /// <summary>Seconds above this (about 300 years) are refused rather than overflowing a TimeSpan.</summary>
    private const ulong MaxSeconds = 10_000_000_000;

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc_options_init")]
    public static int GcOptionsInit(NativeGcOptions* options, uint version) =>
        InitStruct(options, version, NativeGcOptions.CurrentVersion, "snapshotter_gc_options", &SetGcDefaults);

    private static void SetGcDefaults(NativeGcOptions* options)
    {
        var defaults = new GcOptions();
        options->IntervalSeconds = (ulong)defaults.Interval.TotalSeconds;
        options->HighWatermarkPercent = (uint)defaults.HighWatermarkPercent;
        options->LowWatermarkPercent = (uint)defaults.LowWatermarkPercent;
        options->BatchSize = (uint)defaults.BatchSize;
        options->MaxBatches = (uint)defaults.MaxBatches;
        options->MinRetentionSeconds = (ulong)defaults.MinRetention.TotalSeconds;
        options->OrphanGraceSeconds = (ulong)defaults.OrphanGracePeriod.TotalSeconds;
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc_request_init")]
    public static int GcRequestInit(NativeGcRequest* request, uint version) =>
        InitStruct(request, version, NativeGcRequest.CurrentVersion, "snapshotter_gc_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc")]
    public static int Gc(NativeGcReport* report, IntPtr handle, NativeGcRequest* request, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(report, "out");
            RequireVersion(report->Version, NativeGcReport.CurrentVersion, "snapshotter_gc_report");
            NativeGcRequest effective = request == null ? new NativeGcRequest { Version = NativeGcRequest.CurrentVersion } : *request;
            RequireVersion(effective.Version, NativeGcRequest.CurrentVersion, "snapshotter_gc_request");
            RequireKnownFlags(effective.Flags, NativeGcRequest.KnownFlags, "req.flags");
            using var control = new CallControl(effective.Cancel, null, null);
            GcReport result = engine.Collect((effective.Flags & NativeGcRequest.DryRunFlag) != 0, control.Token);
            WriteGcReport(report, result);
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc_report_free")]
    public static void GcReportFree(NativeGcReport* report)
    {
        if (report != null)
        {
            Arena.Free(report->Evicted);
            report->Evicted = null;
            report->EvictedCount = 0;
        }
    }

    private static GcOptions ReadGcOptions(NativeGcOptions* gc)
    {
        if (gc == null)
        {
            return new GcOptions();
        }

        RequireVersion(gc->Version, NativeGcOptions.CurrentVersion, "snapshotter_gc_options");
        RequireKnownFlags(gc->Flags, NativeGcOptions.KnownFlags, "gc.flags");
        return new GcOptions
        {
            Background = (gc->Flags & NativeGcOptions.NoBackgroundFlag) == 0,
            Interval = Seconds(gc->IntervalSeconds, "gc.interval_seconds"),
            HighWatermarkPercent = (int)Math.Min(gc->HighWatermarkPercent, int.MaxValue),
            LowWatermarkPercent = (int)Math.Min(gc->LowWatermarkPercent, int.MaxValue),
            BatchSize = (int)Math.Min(gc->BatchSize, int.MaxValue),
            MaxBatches = (int)Math.Min(gc->MaxBatches, int.MaxValue),
            KeepLastVersions = (int)Math.Min(gc->KeepLast, int.MaxValue),
            MinRetention = Seconds(gc->MinRetentionSeconds, "gc.min_retention_seconds"),
            MaxAge = Seconds(gc->MaxAgeSeconds, "gc.max_age_seconds"),
            MaxStoreBytes = gc->MaxStoreBytes <= long.MaxValue ? (long)gc->MaxStoreBytes : throw SnapshotterException.InvalidArgument($"gc.max_store_bytes {gc->MaxStoreBytes} is too large"),
            OrphanGracePeriod = Seconds(gc->OrphanGraceSeconds, "gc.orphan_grace_seconds"),
        };
    }

    private static TimeSpan Seconds(ulong seconds, string field) =>
        seconds <= MaxSeconds ? TimeSpan.FromSeconds(seconds) : throw SnapshotterException.InvalidArgument($"{field} {seconds} is out of range 0..{MaxSeconds}");

    private static void RequireKnownFlags(uint flags, uint known, string field)
    {
        if ((flags & ~known) != 0)
        {
            throw SnapshotterException.InvalidArgument($"{field} 0x{flags:x} has unknown bits");
        }
    }

    private static void WriteGcReport(NativeGcReport* report, GcReport result)
    {
        IReadOnlyList<EvictedSnapshot> evicted = result.Evicted;
        NativeGcEvicted* array = null;
        if (evicted.Count > 0)
        {
            var arena = Arena.Allocate(Arena.SizeOf<NativeGcEvicted>((nuint)evicted.Count) + evicted.Aggregate((nuint)0, (n, e) => n + Arena.SizeOf(e.Name) + Arena.SizeOf(e.Version)));
            array = arena.Take<NativeGcEvicted>((nuint)evicted.Count);
            for (int i = 0; i < evicted.Count; i++)
            {
                array[i] = new NativeGcEvicted
                {
                    Name = arena.String(evicted[i].Name),
                    SnapshotVersion = arena.String(evicted[i].Version),
                    Reason = (uint)evicted[i].Reason,
                    LastUsedNs = (ulong)Math.Max(0, evicted[i].LastUsedNs),
                    ContentRemoved = (ulong)evicted[i].ContentRemoved,
                    BytesFreed = (ulong)evicted[i].BytesFreed,
                };
            }
        }

        report->DryRun = result.DryRun ? 1u : 0u;
        report->DiskTotalBytes = (ulong)result.DiskUsage.TotalBytes;
        report->DiskUsedBytes = (ulong)result.DiskUsage.UsedBytes;
        report->StoreBytes = (ulong)result.StoreBytes;
        report->Batches = (ulong)result.Batches;
        report->Evicted = array;
        report->EvictedCount = (nuint)evicted.Count;
        report->ContentRemoved = (ulong)result.ContentRemoved;
        report->ContentBytesFreed = (ulong)result.ContentBytesFreed;
        report->OrphanTempFiles = (ulong)result.OrphanTempFiles;
        report->OrphanContent = (ulong)result.OrphanContent;
        report->OrphanSnapshotFiles = (ulong)result.OrphanSnapshotFiles;
        report->OrphanRecords = (ulong)result.OrphanRecords;
        report->OrphanBytesFreed = (ulong)result.OrphanBytesFreed;
    }
}
