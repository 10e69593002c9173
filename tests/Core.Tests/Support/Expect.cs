using Snapshotter.Errors;

namespace Snapshotter.Tests.Support;

internal static class Expect
{
    /// <summary>Runs <paramref name="action"/>, asserts it throws a SnapshotterException with <paramref name="code"/>, returns it.</summary>
    public static SnapshotterException Error(ErrorCode code, Action action)
    {
        SnapshotterException e = Assert.Throws<SnapshotterException>(action);
        Assert.True(code == e.Code, $"expected {code}, got {e.Code}: {e.Message}");
        return e;
    }

    public static SnapshotterException Error<T>(ErrorCode code, Func<T> action) => Error(code, () => { _ = action(); });
}
