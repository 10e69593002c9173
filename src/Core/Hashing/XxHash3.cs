using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Snapshotter.Hashing;

/// <summary>
/// XXH3-64 (xxHash v0.8, 64-bit output, default secret), bit-compatible with the reference <c>xxhsum -H3</c>.
/// </summary>
/// <remarks>
/// The surface mirrors <c>System.IO.Hashing.XxHash3</c> (including big-endian byte output). That package is the
/// reference this type is tested against, not its replacement: with it snapshot and restore were measured
/// slower by more than the 3 % the library allows itself for it (docs/benchmarks.md, "Hashing").
/// Instances are not thread-safe.
/// </remarks>
public sealed class XxHash3
{
    // Four stripes: large enough that small appends are batched into vector work, small enough to stay in L1.
    // Must exceed 240 so that every input the short-input algorithm handles is still entirely buffered.
    private const int BufferLength = 4 * XxHash3Core.StripeLength;

    private readonly long _seed;
    private readonly XxHash3Path _path;

    // Only long inputs use a seed-derived secret; null means the default secret.
    private readonly byte[]? _secret;
    private readonly ulong[] _accumulators = new ulong[XxHash3Core.AccumulatorCount];

    // Holds input not yet fed to the accumulators. Its last stripe-length bytes additionally keep the tail of
    // the previously consumed input, which the final (overlapping) stripe may need when few bytes are buffered.
    private readonly byte[] _buffer = new byte[BufferLength];
    private int _bufferedCount;
    private ulong _totalLength;
    private nuint _stripeInBlock;

    /// <summary>Starts a streaming hash with seed 0.</summary>
    public XxHash3()
        : this(0)
    {
    }

    /// <summary>Starts a streaming hash with the given seed.</summary>
    public XxHash3(long seed)
        : this(seed, XxHash3Core.BestPath)
    {
    }

    /// <summary>Forces one stripe-loop implementation; exists so tests can cover every path on one machine.</summary>
    internal XxHash3(long seed, XxHash3Path path)
    {
        EnsureSupported(path);
        _seed = seed;
        _path = path;
        if (seed != 0)
        {
            _secret = new byte[XxHash3Core.SecretLength];
            XxHash3Core.DeriveSecret((ulong)seed, _secret);
        }

        Reset();
    }

    /// <summary>The hash is 64 bits.</summary>
    public int HashLengthInBytes => sizeof(ulong);

    /// <summary>Hashes <paramref name="source"/> and returns the hash as 8 big-endian bytes.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> source, long seed = 0)
    {
        byte[] result = new byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(result, HashToUInt64(source, seed));
        return result;
    }

    /// <summary>Hashes <paramref name="source"/> into the first 8 bytes of <paramref name="destination"/>, big-endian.</summary>
    /// <returns>The number of bytes written, always 8.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 8 bytes.</exception>
    public static int Hash(ReadOnlySpan<byte> source, Span<byte> destination, long seed = 0)
    {
        if (!TryHash(source, destination, out int bytesWritten, seed))
        {
            ThrowDestinationTooShort();
        }

        return bytesWritten;
    }

    /// <summary>Hashes <paramref name="source"/> into <paramref name="destination"/> if it has room for 8 bytes.</summary>
    public static bool TryHash(ReadOnlySpan<byte> source, Span<byte> destination, out int bytesWritten, long seed = 0)
    {
        if (destination.Length < sizeof(ulong))
        {
            bytesWritten = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, HashToUInt64(source, seed));
        bytesWritten = sizeof(ulong);
        return true;
    }

    /// <summary>Hashes <paramref name="source"/>; the value is what <c>xxhsum -H3</c> prints, read as hex.</summary>
    public static ulong HashToUInt64(ReadOnlySpan<byte> source, long seed = 0) =>
        XxHash3Core.Hash(source, (ulong)seed, XxHash3Core.BestPath);

    /// <summary>One-shot hash through a forced stripe-loop implementation, for tests.</summary>
    internal static ulong HashToUInt64(ReadOnlySpan<byte> source, long seed, XxHash3Path path)
    {
        EnsureSupported(path);
        return XxHash3Core.Hash(source, (ulong)seed, path);
    }

    internal static bool IsSupported(XxHash3Path path) => XxHash3Core.IsSupported(path);

    /// <summary>Adds <paramref name="source"/> to the data hashed so far.</summary>
    public void Append(byte[] source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Append(new ReadOnlySpan<byte>(source));
    }

    /// <summary>Adds <paramref name="source"/> to the data hashed so far.</summary>
    /// <remarks>
    /// Large appends are hashed straight from <paramref name="source"/>; only a sub-stripe remainder is copied.
    /// </remarks>
    public void Append(ReadOnlySpan<byte> source)
    {
        _totalLength += (ulong)source.Length;
        int free = BufferLength - _bufferedCount;
        if (source.Length <= free)
        {
            // Filling the buffer exactly is deliberately not consumed yet: the input's final stripe must be
            // kept for the digest, and only more input proves the buffered bytes are not the end.
            source.CopyTo(_buffer.AsSpan(_bufferedCount));
            _bufferedCount += source.Length;
            return;
        }

        ref ulong accumulators = ref MemoryMarshal.GetArrayDataReference(_accumulators);
        ref byte secret = ref Secret;
        if (_bufferedCount != 0)
        {
            source[..free].CopyTo(_buffer.AsSpan(_bufferedCount));
            source = source[free..];
            _stripeInBlock = XxHash3Core.Accumulate(
                ref accumulators, ref MemoryMarshal.GetArrayDataReference(_buffer),
                BufferLength / XxHash3Core.StripeLength, ref secret, _stripeInBlock, _path);
            _bufferedCount = 0;
        }

        if (source.Length > BufferLength)
        {
            // Leave 1..64 bytes behind, never 0, for the same reason as above.
            int stripes = (source.Length - 1) / XxHash3Core.StripeLength;
            int consumed = stripes * XxHash3Core.StripeLength;
            _stripeInBlock = XxHash3Core.Accumulate(
                ref accumulators, ref MemoryMarshal.GetReference(source),
                (nuint)stripes, ref secret, _stripeInBlock, _path);
            source.Slice(consumed - XxHash3Core.StripeLength, XxHash3Core.StripeLength)
                .CopyTo(_buffer.AsSpan(BufferLength - XxHash3Core.StripeLength));
            source = source[consumed..];
        }

        // Fewer than 64 new bytes never reach the preserved tail at the end of the buffer, and with 64 or more
        // the tail is no longer needed.
        source.CopyTo(_buffer);
        _bufferedCount = source.Length;
    }

    /// <summary>Forgets all appended data, keeping the seed.</summary>
    public void Reset()
    {
        XxHash3Core.InitAccumulators(_accumulators);
        _bufferedCount = 0;
        _totalLength = 0;
        _stripeInBlock = 0;
    }

    /// <summary>The hash of everything appended so far; appending can continue afterwards.</summary>
    [SkipLocalsInit]
    public ulong GetCurrentHashAsUInt64()
    {
        if (_totalLength <= XxHash3Core.MidSizeMax)
        {
            // Nothing has been consumed yet, so the buffer holds the whole input.
            return XxHash3Core.HashShort(
                ref MemoryMarshal.GetArrayDataReference(_buffer), (nuint)_bufferedCount, (ulong)_seed);
        }

        // Finish on copies so the state stays untouched.
        Span<ulong> accumulators = stackalloc ulong[XxHash3Core.AccumulatorCount];
        _accumulators.CopyTo(accumulators);
        ref ulong accRef = ref MemoryMarshal.GetReference(accumulators);
        ref byte secret = ref Secret;
        ref byte buffer = ref MemoryMarshal.GetArrayDataReference(_buffer);

        // At least one byte is always buffered once the input is long (see Append).
        int buffered = _bufferedCount;
        XxHash3Core.Accumulate(
            ref accRef, ref buffer, (nuint)(buffered - 1) / XxHash3Core.StripeLength, ref secret, _stripeInBlock, _path);

        if (buffered >= XxHash3Core.StripeLength)
        {
            XxHash3Core.AccumulateLastStripe(
                ref accRef, ref Unsafe.Add(ref buffer, buffered - XxHash3Core.StripeLength), ref secret, _path);
        }
        else
        {
            // The final stripe straddles already-consumed input, whose tail Append kept at the buffer's end.
            Span<byte> lastStripe = stackalloc byte[XxHash3Core.StripeLength];
            int fromTail = XxHash3Core.StripeLength - buffered;
            _buffer.AsSpan(BufferLength - fromTail).CopyTo(lastStripe);
            _buffer.AsSpan(0, buffered).CopyTo(lastStripe[fromTail..]);
            XxHash3Core.AccumulateLastStripe(ref accRef, ref MemoryMarshal.GetReference(lastStripe), ref secret, _path);
        }

        return XxHash3Core.Merge(ref accRef, ref secret, _totalLength);
    }

    /// <summary>The hash of everything appended so far as 8 big-endian bytes; appending can continue afterwards.</summary>
    public byte[] GetCurrentHash()
    {
        byte[] result = new byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(result, GetCurrentHashAsUInt64());
        return result;
    }

    /// <summary>Writes the current hash to the first 8 bytes of <paramref name="destination"/>, big-endian.</summary>
    /// <returns>The number of bytes written, always 8.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 8 bytes.</exception>
    public int GetCurrentHash(Span<byte> destination)
    {
        if (destination.Length < sizeof(ulong))
        {
            ThrowDestinationTooShort();
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, GetCurrentHashAsUInt64());
        return sizeof(ulong);
    }

    /// <summary>The hash of everything appended so far as 8 big-endian bytes, then <see cref="Reset"/>.</summary>
    public byte[] GetHashAndReset()
    {
        byte[] result = GetCurrentHash();
        Reset();
        return result;
    }

    private ref byte Secret => ref _secret is null
        ? ref MemoryMarshal.GetReference(XxHash3Core.DefaultSecret)
        : ref MemoryMarshal.GetArrayDataReference(_secret);

    private static void EnsureSupported(XxHash3Path path)
    {
        if (!XxHash3Core.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"The {path} XXH3 path is not supported on this machine.");
        }
    }

    [DoesNotReturn]
    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("Destination is too short.", "destination");
}
