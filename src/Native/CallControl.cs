using Snapshotter.Progress;

namespace Snapshotter.Native;

/// <summary>
/// One call's cancellation and progress: the caller's snapshotter_cancel (if any) and a progress callback
/// whose non-zero answer cancels the call.
/// </summary>
internal sealed unsafe class CallControl : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly delegate* unmanaged<NativeProgress*, void*, int> _callback;
    private readonly void* _payload;

    public CallControl(IntPtr cancel, delegate* unmanaged<NativeProgress*, void*, int> callback, void* payload)
    {
        CancellationTokenSource? caller = Handles.Cancel(cancel);
        _source = caller is null ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(caller.Token);
        _callback = callback;
        _payload = payload;
    }

    public CancellationToken Token => _source.Token;

    public Action<ProgressReport>? Progress => _callback == null ? null : Report;

    public void Dispose() => _source.Dispose();

    private void Report(ProgressReport report)
    {
        var progress = new NativeProgress
        {
            Version = NativeProgress.CurrentVersion,
            FilesDone = (ulong)report.FilesDone,
            FilesTotal = (ulong)report.FilesTotal,
            BytesDone = (ulong)report.BytesDone,
            BytesTotal = (ulong)report.BytesTotal,
        };
        if (_callback(&progress, _payload) != 0)
        {
            _source.Cancel();
        }
    }
}
