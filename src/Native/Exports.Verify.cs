using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Verify;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_verify_request_init")]
    public static int VerifyRequestInit(NativeVerifyRequest* request, uint version) =>
        InitStruct(request, version, NativeVerifyRequest.CurrentVersion, "snapshotter_verify_request");

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_verify")]
    public static int Verify(NativeVerifyReport** report, IntPtr handle, NativeVerifyRequest* request, NativeError** err)
    {
        try
        {
            RequireOut(report, "out");
            SnapshotEngine engine = Handles.Engine(handle);
            NativeVerifyRequest effective = request == null ? new NativeVerifyRequest { Version = NativeVerifyRequest.CurrentVersion } : *request;
            RequireVersion(effective.Version, NativeVerifyRequest.CurrentVersion, "snapshotter_verify_request");
            RequireKnownFlags(effective.Flags, NativeVerifyRequest.KnownFlags, "req.flags");
            using var control = new CallControl(effective.Cancel, effective.Progress, effective.ProgressPayload);
            VerifyReport result = engine.Verify(
                new VerifyRequest { Repair = (effective.Flags & NativeVerifyRequest.RepairFlag) != 0, Progress = control.Progress },
                control.Token);
            *report = ToNative(result);
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_verify_report_summary")]
    public static NativeVerifySummary* VerifyReportSummary(NativeVerifyReport* report) =>
        NativeVerifyReport.SummaryOf(report);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_verify_report_problem_count")]
    public static nuint VerifyReportProblemCount(NativeVerifyReport* report) =>
        NativeVerifyReport.CountOf(report);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_verify_report_problem_get")]
    public static NativeVerifyProblem* VerifyReportProblemGet(NativeVerifyReport* report, nuint index) =>
        NativeVerifyReport.Get(report, index);

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_verify_report_free")]
    public static void VerifyReportFree(NativeVerifyReport* report) =>
        Arena.Release(report);

    private static NativeVerifyReport* ToNative(VerifyReport result) => Arena.Report(
        0,
        (ref Arena arena) => new NativeVerifySummary
        {
            Version = NativeVerifySummary.CurrentVersion,
            SnapshotsChecked = (ulong)result.SnapshotsChecked,
            ContentChecked = (ulong)result.ContentChecked,
            SnapshotFilesChecked = (ulong)result.SnapshotFilesChecked,
            BytesChecked = (ulong)result.BytesChecked,
            UnreferencedContent = (ulong)result.UnreferencedContent,
            ProblemsUnrepaired = (ulong)result.Unrepaired,
        },
        result.Problems,
        problem => Arena.SizeOf(problem.Subject) + Arena.SizeOf(problem.Message),
        (VerifyProblem problem, ref Arena arena) => new NativeVerifyProblem
        {
            Version = NativeVerifyProblem.CurrentVersion,
            Kind = (uint)problem.Kind,
            Repaired = problem.Repaired ? 1u : 0u,
            Subject = arena.String(problem.Subject),
            Message = arena.String(problem.Message),
        });
}
