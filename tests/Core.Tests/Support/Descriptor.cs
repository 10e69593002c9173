using Microsoft.Win32.SafeHandles;

namespace Snapshotter.Tests.Support;

/// <summary>A file opened for the library's descriptor-based calls (export to, import from), closed on Dispose.</summary>
internal sealed class Descriptor : IDisposable
{
    private readonly SafeFileHandle _handle;

    private Descriptor(SafeFileHandle handle)
    {
        _handle = handle;
    }

    public int Fd => (int)_handle.DangerousGetHandle();

    public static Descriptor Create(string path) => new(File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write));

    public static Descriptor Read(string path) => new(File.OpenHandle(path, FileMode.Open, FileAccess.Read));

    public void Dispose() => _handle.Dispose();
}
