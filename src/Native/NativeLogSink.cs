using System.Runtime.InteropServices;
using System.Text;
using Snapshotter.Diagnostics;

namespace Snapshotter.Native;

/// <summary>The caller's snapshotter_log_cb and its payload. Each message reaches it as a NUL-terminated UTF-8 copy
/// that lives for the duration of the callback.</summary>
internal sealed unsafe class NativeLogSink
{
    private const int StackMessageBytes = 1024;
    private readonly delegate* unmanaged<int, byte*, void*, void> _callback;
    private readonly void* _payload;

    public NativeLogSink(delegate* unmanaged<int, byte*, void*, void> callback, void* payload)
    {
        _callback = callback;
        _payload = payload;
    }

    public void Write(LogLevel level, string message)
    {
        int length = Encoding.UTF8.GetByteCount(message);
        if (length < StackMessageBytes)
        {
            byte* buffer = stackalloc byte[length + 1];
            Deliver(level, message, buffer, length);
            return;
        }

        var allocated = (byte*)NativeMemory.Alloc((nuint)length + 1);
        try
        {
            Deliver(level, message, allocated, length);
        }
        finally
        {
            NativeMemory.Free(allocated);
        }
    }

    private void Deliver(LogLevel level, string message, byte* buffer, int length)
    {
        Encoding.UTF8.GetBytes(message, new Span<byte>(buffer, length));
        buffer[length] = 0;
        _callback((int)level, buffer, _payload);
    }
}
