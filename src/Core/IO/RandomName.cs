using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// Random hex names for owner tokens and temporary files, straight from getrandom(2). .NET's
/// RandomNumberGenerator would do, but it loads OpenSSL on first use, which costs every short-lived process
/// several milliseconds and is needed for nothing else unless TLS is.
/// </summary>
internal static class RandomName
{
    /// <summary>16 lowercase hex digits (64 random bits).</summary>
    public static unsafe string Hex16()
    {
        ulong value;
        byte* buffer = (byte*)&value;
        nuint filled = 0;
        while (filled < sizeof(ulong))
        {
            nint n = Libc.GetRandom(buffer + filled, (nuint)sizeof(ulong) - filled, 0);
            if (n < 0)
            {
                int errno = Errno.Last;
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                throw Errno.Exception(errno, "getrandom", "the kernel's random pool");
            }

            filled += (nuint)n;
        }

        return value.ToString("x16");
    }
}
