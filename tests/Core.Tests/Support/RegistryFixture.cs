namespace Snapshotter.Tests.Support;

/// <summary>One anonymous registry shared by the tests of a class (xunit class fixture); tests keep apart by
/// using names of their own (<see cref="UniqueName"/>).</summary>
public sealed class RegistryFixture : IDisposable
{
    private static int _counter;

    public RegistryServer Server { get; } = RegistryServer.Start();

    public static string UniqueName(string prefix = "app") => $"{prefix}{Environment.ProcessId}x{Interlocked.Increment(ref _counter)}";

    public void Dispose() => Server.Dispose();
}
