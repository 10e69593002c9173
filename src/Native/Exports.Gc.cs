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
        InitStruct(options, version, NativeGcOptions.CurrentVersion, "snapshotter_gc_options");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc_request_init")]
    public static int GcRequestInit(NativeGcRequest* request, uint version) =>
        InitStruct(request, version, NativeGcRequest.CurrentVersion, "snapshotter_gc_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc")]
    public static int Gc(NativeGcReport** report, IntPtr handle, NativeGcRequest* request, NativeError** err)
    {
        try
        {
            RequireOut(report, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            NativeGcRequest effective = request == null ? new NativeGcRequest { Version = NativeGcRequest.CurrentVersion } : *request;
            RequireVersion(effective.Version, NativeGcRequest.CurrentVersion, "snapshotter_gc_request");
            RequireKnownFlags(effective.Flags, NativeGcRequest.KnownFlags, "req.flags");
            using var control = new CallControl(effective.Cancel, null, null);
            *report = ToNative(engine.Collect((effective.Flags & NativeGcRequest.DryRunFlag) != 0, control.Token));
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc_report_summary")]
    public static NativeGcSummary* GcReportSummary(NativeGcReport* report) =>
        NativeGcReport.SummaryOf(report);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc_report_evicted_count")]
    public static nuint GcReportEvictedCount(NativeGcReport* report) =>
        NativeGcReport.CountOf(report);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc_report_evicted_get")]
    public static NativeGcEvicted* GcReportEvictedGet(NativeGcReport* report, nuint index) =>
        NativeGcReport.Get(report, index);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_gc_report_free")]
    public static void GcReportFree(NativeGcReport* report) =>
        Arena.Release(report);

    /// <summary>
    /// The collector's options; 0 in a field means its default (GcOptions'), and a flag turns off what 0 cannot.
    /// </summary>
    private static GcOptions ReadGcOptions(NativeGcOptions* gc)
    {
        var defaults = new GcOptions();
        if (gc == null)
        {
            return defaults;
        }

        RequireVersion(gc->Version, NativeGcOptions.CurrentVersion, "snapshotter_gc_options");
        RequireKnownFlags(gc->Flags, NativeGcOptions.KnownFlags, "gc.flags");
        bool Flag(uint flag) => (gc->Flags & flag) != 0;
        int high = gc->HighWatermarkPercent == 0 ? defaults.HighWatermarkPercent : Percent(gc->HighWatermarkPercent, "gc.high_watermark_percent");
        return defaults with
        {
            Background = !Flag(NativeGcOptions.NoBackgroundFlag),
            Interval = gc->IntervalSeconds == 0 ? defaults.Interval : Seconds(gc->IntervalSeconds, "gc.interval_seconds"),
            HighWatermarkPercent = Flag(NativeGcOptions.NoDiskEvictionFlag) ? 0 : high,
            LowWatermarkPercent = gc->LowWatermarkPercent == 0 ? Math.Min(defaults.LowWatermarkPercent, high) : Percent(gc->LowWatermarkPercent, "gc.low_watermark_percent"),
            BatchSize = gc->BatchSize == 0 ? defaults.BatchSize : (int)Math.Min(gc->BatchSize, int.MaxValue),
            MaxBatches = gc->MaxBatches == 0 ? defaults.MaxBatches : (int)Math.Min(gc->MaxBatches, int.MaxValue),
            KeepLastVersions = (int)Math.Min(gc->KeepLast, int.MaxValue),
            MinRetention = Flag(NativeGcOptions.NoMinRetentionFlag) ? TimeSpan.Zero
                : gc->MinRetentionSeconds == 0 ? defaults.MinRetention : Seconds(gc->MinRetentionSeconds, "gc.min_retention_seconds"),
            MaxAge = Seconds(gc->MaxAgeSeconds, "gc.max_age_seconds"),
            MaxStoreBytes = gc->MaxStoreBytes <= long.MaxValue ? (long)gc->MaxStoreBytes : throw SnapshotterException.InvalidArgument($"gc.max_store_bytes {gc->MaxStoreBytes} is too large"),
            OrphanGracePeriod = Flag(NativeGcOptions.NoOrphanGraceFlag) ? TimeSpan.Zero
                : gc->OrphanGraceSeconds == 0 ? defaults.OrphanGracePeriod : Seconds(gc->OrphanGraceSeconds, "gc.orphan_grace_seconds"),
        };
    }

    private static int Percent(uint percent, string field) =>
        percent <= 100 ? (int)percent : throw SnapshotterException.InvalidArgument($"{field} {percent} is out of range 1..100 (0 means the default)");

    private static TimeSpan Seconds(ulong seconds, string field) =>
        seconds <= MaxSeconds ? TimeSpan.FromSeconds(seconds) : throw SnapshotterException.InvalidArgument($"{field} {seconds} is out of range 0..{MaxSeconds}");

    private static void RequireKnownFlags(uint flags, uint known, string field)
    {
        if ((flags & ~known) != 0)
        {
            throw SnapshotterException.InvalidArgument($"{field} 0x{flags:x} has unknown bits");
        }
    }

    private static NativeGcReport* ToNative(GcReport result) => Arena.Report(
        0,
        (ref Arena arena) => new NativeGcSummary
        {
            Version = NativeGcSummary.CurrentVersion,
            DryRun = result.DryRun ? 1u : 0u,
            DiskTotalBytes = (ulong)result.DiskUsage.TotalBytes,
            DiskUsedBytes = (ulong)result.DiskUsage.UsedBytes,
            StoreBytes = (ulong)result.StoreBytes,
            Batches = (ulong)result.Batches,
            ContentRemoved = (ulong)result.ContentRemoved,
            ContentBytesFreed = (ulong)result.ContentBytesFreed,
            OrphanTempFiles = (ulong)result.OrphanTempFiles,
            OrphanContent = (ulong)result.OrphanContent,
            OrphanSnapshotFiles = (ulong)result.OrphanSnapshotFiles,
            OrphanRecords = (ulong)result.OrphanRecords,
            OrphanBytesFreed = (ulong)result.OrphanBytesFreed,
        },
        result.Evicted,
        evicted => Arena.SizeOf(evicted.Name) + Arena.SizeOf(evicted.Version),
        (EvictedSnapshot evicted, ref Arena arena) => new NativeGcEvicted
        {
            Version = NativeGcEvicted.CurrentVersion,
            Name = arena.String(evicted.Name),
            SnapshotVersion = arena.String(evicted.Version),
            Reason = (uint)evicted.Reason,
            LastUsedNs = (ulong)Math.Max(0, evicted.LastUsedNs),
            ContentRemoved = (ulong)evicted.ContentRemoved,
            BytesFreed = (ulong)evicted.BytesFreed,
        });
}
