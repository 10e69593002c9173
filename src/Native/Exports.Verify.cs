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
    public static int Verify(NativeVerifyReport* report, IntPtr handle, NativeVerifyRequest* request, NativeError** err)
    {
        try
        {
            SnapshotEngine engine = Handles.Engine(handle);
            RequireOut(report, "out");
            RequireVersion(report->Version, NativeVerifyReport.CurrentVersion, "snapshotter_verify_report");
            NativeVerifyRequest effective = request == null ? new NativeVerifyRequest { Version = NativeVerifyRequest.CurrentVersion } : *request;
            RequireVersion(effective.Version, NativeVerifyRequest.CurrentVersion, "snapshotter_verify_request");
            RequireKnownFlags(effective.Flags, NativeVerifyRequest.KnownFlags, "req.flags");
            using var control = new CallControl(effective.Cancel, effective.Progress, effective.ProgressPayload);
            VerifyReport result = engine.Verify(
                new VerifyRequest { Repair = (effective.Flags & NativeVerifyRequest.RepairFlag) != 0, Progress = control.Progress },
                control.Token);
            WriteVerifyReport(report, result);
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_verify_report_free")]
    public static void VerifyReportFree(NativeVerifyReport* report)
    {
        if (report != null)
        {
            Arena.Free(report->Problems);
            report->Problems = null;
            report->ProblemCount = 0;
        }
    }

    private static void WriteVerifyReport(NativeVerifyReport* report, VerifyReport result)
    {
        IReadOnlyList<VerifyProblem> problems = result.Problems;
        NativeVerifyProblem* array = null;
        if (problems.Count > 0)
        {
            var arena = Arena.Allocate(Arena.SizeOf<NativeVerifyProblem>((nuint)problems.Count) + problems.Aggregate((nuint)0, (n, p) => n + Arena.SizeOf(p.Subject) + Arena.SizeOf(p.Message)));
            array = arena.Take<NativeVerifyProblem>((nuint)problems.Count);
            for (int i = 0; i < problems.Count; i++)
            {
                array[i] = new NativeVerifyProblem
                {
                    Kind = (uint)problems[i].Kind,
                    Repaired = problems[i].Repaired ? 1u : 0u,
                    Subject = arena.String(problems[i].Subject),
                    Message = arena.String(problems[i].Message),
                };
            }
        }

        report->SnapshotsChecked = (ulong)result.SnapshotsChecked;
        report->ContentChecked = (ulong)result.ContentChecked;
        report->SnapshotFilesChecked = (ulong)result.SnapshotFilesChecked;
        report->BytesChecked = (ulong)result.BytesChecked;
        report->UnreferencedContent = (ulong)result.UnreferencedContent;
        report->Problems = array;
        report->ProblemCount = (nuint)problems.Count;
        report->ProblemsUnrepaired = (ulong)result.Unrepaired;
    }
}
