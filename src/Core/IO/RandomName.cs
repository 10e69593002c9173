using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// Random hex names for owner tokens and temporary files. The process draws one 64-bit key from getrandom(2), and each
/// name is the SplitMix64 finalizer (a bijection) of the key plus a counter: names never repeat within a process, and
/// those of two processes meet only if their keys do, as likely as two draws of 64 random bits. One getrandom per
/// process instead of one per name: a snapshot of 20,000 new files made 20,000 of them, one per temporary file. Names
/// only need to be unique, never secret: every file named so is created with O_EXCL. .NET's RandomNumberGenerator
/// would do, but it loads OpenSSL on first use, which costs every short-lived process several milliseconds and is
/// needed for nothing else unless TLS is.
/// </summary>
internal static class RandomName
{
    /// <summary>Drawn at the first name; a failed draw is not kept, so it fails that call alone.</summary>
    private static readonly Lazy<ulong> Key = new(DrawKey, LazyThreadSafetyMode.PublicationOnly);
    private static long s_counter;

    /// <summary>16 lowercase hex digits (64 bits).</summary>
    public static string Hex16() => Spell(Next());

    /// <summary>The 64 bits a name is made of, for a caller that keeps names by their bits and spells them with
    /// <see cref="Spell"/> when it uses them.</summary>
    public static ulong Next() => Mix(Key.Value + (ulong)Interlocked.Increment(ref s_counter));

    /// <summary>The name <paramref name="bits"/> (from <see cref="Next"/>) stand for, as <see cref="Hex16"/> gives it.</summary>
    public static string Spell(ulong bits) => bits.ToString("x16");

    /// <summary>SplitMix64's output function: every bit of the result depends on every bit of the input.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static unsafe ulong DrawKey()
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

        return value;
    }
}
