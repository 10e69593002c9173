using System.Runtime.ExceptionServices;

namespace Snapshotter.Engine;

/// <summary>
/// What ends work spread over several threads: the first real failure, kept in preference to the cancellations it
/// causes in the others, and a token that stops everything still running once there is one (or the caller cancels).
/// </summary>
internal sealed class FirstFailure(CancellationToken cancellation) : IDisposable
{
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
    private readonly object _gate = new();
    private Exception? _first;

    /// <summary>Cancelled by the caller's token or by the first failure.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Keeps <paramref name="e"/> unless a real failure came first, and stops the rest.</summary>
    public void Record(Exception e)
    {
        lock (_gate)
        {
            if (_first is null || (_first is OperationCanceledException && e is not OperationCanceledException))
            {
                _first = e;
            }
        }

        _stop.Cancel();
    }

    /// <summary>Rethrows what was kept, with its stack trace, if anything was.</summary>
    public void ThrowIfAny()
    {
        if (_first is not null)
        {
            ExceptionDispatchInfo.Throw(_first);
        }
    }

    public void Dispose() => _stop.Dispose();
}
