using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Snapshotter.Hashing;

/// <summary>
/// The XXH3-64 algorithm (xxHash v0.8) without any state, shared by the one-shot and streaming entry points
/// of <see cref="XxHash3"/> so that both run literally the same arithmetic.
/// </summary>
/// <remarks>
/// Everything is addressed through <c>ref byte</c> rather than spans because the long-input loop is the
/// whole cost of hashing large files and must not pay for bounds checks; callers guarantee the lengths.
/// </remarks>
[SkipLocalsInit]
internal static class XxHash3Core
{
    internal const int StripeLength = 64;
    internal const int SecretLength = 192;
    internal const int MidSizeMax = 240;
    internal const int AccumulatorCount = 8;

    // The secret advances 8 bytes per stripe and a block ends when the next stripe would run off the end of
    // the secret minus the part reserved for scrambling; with the 192-byte secret that is 16 stripes.
    internal const int StripesPerBlock = (SecretLength - StripeLength) / 8;
    internal const int BlockLength = StripeLength * StripesPerBlock;

    private const int ScrambleSecretOffset = SecretLength - StripeLength;
    private const int LastStripeSecretOffset = SecretLength - StripeLength - 7;
    private const int MergeSecretOffset = 11;
    private const int MidSizeStartOffset = 3;
    private const int MidSizeLastOffset = 17;

    // The reference indexes the 129..240-byte tail from its minimum secret size, not from the secret's length.
    private const int SecretSizeMin = 136;

    private const uint Prime32_1 = 0x9E3779B1U;
    private const uint Prime32_2 = 0x85EBCA77U;
    private const uint Prime32_3 = 0xC2B2AE3DU;
    private const ulong Prime64_1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime64_2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime64_3 = 0x165667B19E3779F9UL;
    private const ulong Prime64_4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime64_5 = 0x27D4EB2F165667C5UL;
    private const ulong PrimeMx1 = 0x165667919E3779F9UL;
    private const ulong PrimeMx2 = 0x9FB21C651E98DF25UL;

    /// <summary>Read once, so the JIT folds every later dispatch on it into a direct call.</summary>
    /// <remarks>
    /// Under Native AOT the <c>IsSupported</c> checks are fixed at compile time by the targeted instruction set,
    /// not probed on the running CPU: with the default x64 baseline (no AVX2) the AOT library gets the Vector128
    /// path, and only an <c>IlcInstructionSet</c> that includes AVX2 (e.g. x86-64-v3) enables Vector256. The
    /// .NET 10 compiler probes at run time only for a few extensions beyond the target (SSE4.2, BMI, FMA and the
    /// like), never for AVX-512 unless AVX-512 is already the target: a v3 library never runs Vector512, and a
    /// v4 one (which does) refuses to start on a CPU without AVX-512. Under the JIT every path is probed.
    /// </remarks>
    internal static readonly XxHash3Path BestPath = SelectBestPath();

    /// <summary>The reference implementation's default secret; hashes must match xxhsum bit for bit.</summary>
    internal static ReadOnlySpan<byte> DefaultSecret =>
    [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ];

    internal static bool IsSupported(XxHash3Path path) => path switch
    {
        XxHash3Path.Scalar => true,
        // The vector kernels load little-endian lanes straight from memory.
        XxHash3Path.Vector128 => BitConverter.IsLittleEndian && Vector128.IsHardwareAccelerated
            && (Sse2.IsSupported || AdvSimd.IsSupported),
        // Avx2 rather than just Vector256: the 32x32->64 multiply has no cross-platform Vector256 form.
        XxHash3Path.Vector256 => BitConverter.IsLittleEndian && Vector256.IsHardwareAccelerated && Avx2.IsSupported,
        // IsHardwareAccelerated as well as Avx512F: the runtime reports 512-bit vectors as not accelerated on
        // CPUs that lower their clock for them, where the 256-bit path is the faster one.
        XxHash3Path.Vector512 => BitConverter.IsLittleEndian && Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        _ => false,
    };

    private static XxHash3Path SelectBestPath() =>
        IsSupported(XxHash3Path.Vector512) ? XxHash3Path.Vector512
        : IsSupported(XxHash3Path.Vector256) ? XxHash3Path.Vector256
        : IsSupported(XxHash3Path.Vector128) ? XxHash3Path.Vector128
        : XxHash3Path.Scalar;

    internal static ulong Hash(ReadOnlySpan<byte> source, ulong seed, XxHash3Path path)
    {
        ref byte input = ref MemoryMarshal.GetReference(source);
        nuint length = (nuint)source.Length;
        if (length <= MidSizeMax)
        {
            return HashShort(ref input, length, seed);
        }

        // Long inputs fold the seed into the secret instead of into every mix, as the reference does;
        // a zero seed derives the default secret, so skip the derivation.
        if (seed == 0)
        {
            return HashLong(ref input, length, ref MemoryMarshal.GetReference(DefaultSecret), path);
        }

        Span<byte> secret = stackalloc byte[SecretLength];
        DeriveSecret(seed, secret);
        return HashLong(ref input, length, ref MemoryMarshal.GetReference(secret), path);
    }

    internal static void DeriveSecret(ulong seed, Span<byte> secret)
    {
        ReadOnlySpan<byte> source = DefaultSecret;
        for (int i = 0; i < SecretLength; i += 16)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(secret[i..],
                BinaryPrimitives.ReadUInt64LittleEndian(source[i..]) + seed);
            BinaryPrimitives.WriteUInt64LittleEndian(secret[(i + 8)..],
                BinaryPrimitives.ReadUInt64LittleEndian(source[(i + 8)..]) - seed);
        }
    }

    // ---------------------------------------------------------------- inputs of at most 240 bytes

    /// <summary>Inputs up to <see cref="MidSizeMax"/> bytes always use the default secret plus the seed.</summary>
    internal static ulong HashShort(ref byte input, nuint length, ulong seed)
    {
        ref byte secret = ref MemoryMarshal.GetReference(DefaultSecret);
        if (length <= 16)
        {
            if (length > 8)
            {
                return Hash9To16(ref input, length, ref secret, seed);
            }

            if (length >= 4)
            {
                return Hash4To8(ref input, length, ref secret, seed);
            }

            if (length > 0)
            {
                return Hash1To3(ref input, length, ref secret, seed);
            }

            return Avalanche64(seed ^ ReadLE64(ref secret, 56) ^ ReadLE64(ref secret, 64));
        }

        return length <= 128
            ? Hash17To128(ref input, length, ref secret, seed)
            : Hash129To240(ref input, length, ref secret, seed);
    }

    private static ulong Hash1To3(ref byte input, nuint length, ref byte secret, ulong seed)
    {
        uint c1 = input;
        uint c2 = Unsafe.Add(ref input, length >> 1);
        uint c3 = Unsafe.Add(ref input, length - 1);
        uint combined = (c1 << 16) | (c2 << 24) | c3 | ((uint)length << 8);
        ulong bitflip = (ReadLE32(ref secret, 0) ^ ReadLE32(ref secret, 4)) + seed;
        return Avalanche64(combined ^ bitflip);
    }

    private static ulong Hash4To8(ref byte input, nuint length, ref byte secret, ulong seed)
    {
        seed ^= (ulong)BinaryPrimitives.ReverseEndianness((uint)seed) << 32;
        uint first = ReadLE32(ref input, 0);
        uint last = ReadLE32(ref input, length - 4);
        ulong bitflip = (ReadLE64(ref secret, 8) ^ ReadLE64(ref secret, 16)) - seed;
        ulong keyed = (last + ((ulong)first << 32)) ^ bitflip;

        // rrmxmx: a stronger finisher than Avalanche, because here the input barely went through a multiply.
        keyed ^= BitOperations.RotateLeft(keyed, 49) ^ BitOperations.RotateLeft(keyed, 24);
        keyed *= PrimeMx2;
        keyed ^= (keyed >> 35) + length;
        keyed *= PrimeMx2;
        return keyed ^ (keyed >> 28);
    }

    private static ulong Hash9To16(ref byte input, nuint length, ref byte secret, ulong seed)
    {
        ulong bitflip1 = (ReadLE64(ref secret, 24) ^ ReadLE64(ref secret, 32)) + seed;
        ulong bitflip2 = (ReadLE64(ref secret, 40) ^ ReadLE64(ref secret, 48)) - seed;
        ulong low = ReadLE64(ref input, 0) ^ bitflip1;
        ulong high = ReadLE64(ref input, length - 8) ^ bitflip2;
        ulong acc = length + BinaryPrimitives.ReverseEndianness(low) + high + MultiplyFold(low, high);
        return Avalanche(acc);
    }

    private static ulong Hash17To128(ref byte input, nuint length, ref byte secret, ulong seed)
    {
        // Pairs of 16-byte lanes from both ends, so every byte is covered without a loop or a tail case.
        ulong acc = length * Prime64_1;
        if (length > 32)
        {
            if (length > 64)
            {
                if (length > 96)
                {
                    acc += Mix16(ref input, 48, ref secret, 96, seed);
                    acc += Mix16(ref input, length - 64, ref secret, 112, seed);
                }

                acc += Mix16(ref input, 32, ref secret, 64, seed);
                acc += Mix16(ref input, length - 48, ref secret, 80, seed);
            }

            acc += Mix16(ref input, 16, ref secret, 32, seed);
            acc += Mix16(ref input, length - 32, ref secret, 48, seed);
        }

        acc += Mix16(ref input, 0, ref secret, 0, seed);
        acc += Mix16(ref input, length - 16, ref secret, 16, seed);
        return Avalanche(acc);
    }

    private static ulong Hash129To240(ref byte input, nuint length, ref byte secret, ulong seed)
    {
        ulong acc = length * Prime64_1;
        for (nuint i = 0; i < 8; i++)
        {
            acc += Mix16(ref input, 16 * i, ref secret, 16 * i, seed);
        }

        acc = Avalanche(acc);
        nuint rounds = length / 16;
        for (nuint i = 8; i < rounds; i++)
        {
            acc += Mix16(ref input, 16 * i, ref secret, (16 * (i - 8)) + MidSizeStartOffset, seed);
        }

        acc += Mix16(ref input, length - 16, ref secret, SecretSizeMin - MidSizeLastOffset, seed);
        return Avalanche(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix16(ref byte input, nuint inputOffset, ref byte secret, nuint secretOffset, ulong seed)
    {
        ulong low = ReadLE64(ref input, inputOffset) ^ (ReadLE64(ref secret, secretOffset) + seed);
        ulong high = ReadLE64(ref input, inputOffset + 8) ^ (ReadLE64(ref secret, secretOffset + 8) - seed);
        return MultiplyFold(low, high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyFold(ulong left, ulong right)
    {
        ulong high = Math.BigMul(left, right, out ulong low);
        return high ^ low;
    }

    /// <summary>XXH3's own finisher; weaker than XXH64's but enough after the 128-bit multiplies.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Avalanche(ulong hash)
    {
        hash ^= hash >> 37;
        hash *= PrimeMx1;
        return hash ^ (hash >> 32);
    }

    /// <summary>XXH64's finisher, which XXH3 keeps for the 0..3 byte cases.</summary>
    private static ulong Avalanche64(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= Prime64_2;
        hash ^= hash >> 29;
        hash *= Prime64_3;
        return hash ^ (hash >> 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadLE64(ref byte source, nuint offset)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, offset));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ReadLE32(ref byte source, nuint offset)
    {
        uint value = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, offset));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    // ---------------------------------------------------------------- inputs longer than 240 bytes

    internal static void InitAccumulators(Span<ulong> acc)
    {
        acc[0] = Prime32_3;
        acc[1] = Prime64_1;
        acc[2] = Prime64_2;
        acc[3] = Prime64_3;
        acc[4] = Prime64_4;
        acc[5] = Prime32_2;
        acc[6] = Prime64_5;
        acc[7] = Prime32_1;
    }

    private static ulong HashLong(ref byte input, nuint length, ref byte secret, XxHash3Path path)
    {
        Span<ulong> acc = stackalloc ulong[AccumulatorCount];
        InitAccumulators(acc);
        ref ulong accRef = ref MemoryMarshal.GetReference(acc);

        // The final stripe is always the last 64 bytes (overlapping the previous one when the length is not
        // a multiple of 64), so the stripe loop must stop short of it even when it would be complete.
        Accumulate(ref accRef, ref input, (length - 1) / StripeLength, ref secret, 0, path);
        AccumulateLastStripe(ref accRef, ref Unsafe.Add(ref input, length - StripeLength), ref secret, path);
        return Merge(ref accRef, ref secret, length);
    }

    /// <summary>
    /// Feeds <paramref name="stripes"/> whole stripes, continuing a block that already has
    /// <paramref name="stripeInBlock"/> stripes in it, and scrambles after every completed block.
    /// </summary>
    /// <returns>The number of stripes in the block that is now in progress.</returns>
    /// <remarks>
    /// Scrambling as soon as a block completes (rather than when the next stripe arrives, as the reference's
    /// streaming code does) is equivalent because a caller never feeds the input's final stripe through here.
    /// </remarks>
    internal static nuint Accumulate(
        ref ulong acc, ref byte input, nuint stripes, ref byte secret, nuint stripeInBlock, XxHash3Path path)
    {
        switch (path)
        {
            case XxHash3Path.Vector512:
                return AccumulateVector512(ref acc, ref input, stripes, ref secret, stripeInBlock);
            case XxHash3Path.Vector256:
                return AccumulateVector256(ref acc, ref input, stripes, ref secret, stripeInBlock);
            case XxHash3Path.Vector128:
                return AccumulateVector128(ref acc, ref input, stripes, ref secret, stripeInBlock);
            default:
                return AccumulateScalar(ref acc, ref input, stripes, ref secret, stripeInBlock);
        }
    }

    internal static void AccumulateLastStripe(ref ulong acc, ref byte stripe, ref byte secret, XxHash3Path path)
    {
        ref byte key = ref Unsafe.Add(ref secret, LastStripeSecretOffset);
        switch (path)
        {
            case XxHash3Path.Vector512:
                LastStripeVector512(ref acc, ref stripe, ref key);
                break;
            case XxHash3Path.Vector256:
                LastStripeVector256(ref acc, ref stripe, ref key);
                break;
            case XxHash3Path.Vector128:
                LastStripeVector128(ref acc, ref stripe, ref key);
                break;
            default:
                StripeScalar(ref acc, ref stripe, ref key);
                break;
        }
    }

    internal static ulong Merge(ref ulong acc, ref byte secret, ulong totalLength)
    {
        ulong result = totalLength * Prime64_1;
        for (nuint i = 0; i < 4; i++)
        {
            nuint offset = MergeSecretOffset + (16 * i);
            result += MultiplyFold(
                Unsafe.Add(ref acc, 2 * i) ^ ReadLE64(ref secret, offset),
                Unsafe.Add(ref acc, (2 * i) + 1) ^ ReadLE64(ref secret, offset + 8));
        }

        return Avalanche(result);
    }

    // Each kernel keeps the accumulators in registers for the whole call and only touches memory for the input
    // and the (L1-resident) secret. The kernels are never inlined: inlined into a caller they share its inlining
    // budget, and once that runs out the stripe helpers stay calls, their by-ref vectors spill to memory and
    // throughput drops about fourfold (seen with the JIT when the block loop was fully unrolled).
    //
    // Every stripe adds its raw input to the neighbouring lane (acc[i ^ 1] += data[i]). Addition commutes with
    // that lane swap, so the kernels sum the raw input of a run of stripes in separate registers and swap the sum
    // into place once per run, before any scramble; that takes a shuffle out of every stripe. The accumulators
    // only ever see one add per stripe, which also keeps the loop-carried dependency chain short.

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint AccumulateVector512(
        ref ulong accRef, ref byte input, nuint stripes, ref byte secret, nuint stripeInBlock)
    {
        // One register holds all eight lanes, so the products of a run of stripes are summed in two registers
        // (even and odd stripes) to keep two independent add chains in flight; addition is all that joins them.
        Vector512<ulong> acc = Vector512.LoadUnsafe(ref accRef);
        while (stripes != 0)
        {
            Vector512<ulong> products0 = Vector512<ulong>.Zero;
            Vector512<ulong> products1 = Vector512<ulong>.Zero;
            Vector512<ulong> sum0 = Vector512<ulong>.Zero;
            Vector512<ulong> sum1 = Vector512<ulong>.Zero;
            nuint count;
            if (stripeInBlock == 0 && stripes >= StripesPerBlock)
            {
                count = StripesPerBlock;
                for (nuint i = 0; i < StripesPerBlock; i += 4)
                {
                    ref byte data = ref Unsafe.Add(ref input, i * StripeLength);
                    ref byte key = ref Unsafe.Add(ref secret, i * 8);
                    Stripe512(ref products0, ref sum0, ref data, ref key);
                    Stripe512(ref products1, ref sum1, ref Unsafe.Add(ref data, 64), ref Unsafe.Add(ref key, 8));
                    Stripe512(ref products0, ref sum0, ref Unsafe.Add(ref data, 128), ref Unsafe.Add(ref key, 16));
                    Stripe512(ref products1, ref sum1, ref Unsafe.Add(ref data, 192), ref Unsafe.Add(ref key, 24));
                }
            }
            else
            {
                count = Math.Min(stripes, StripesPerBlock - stripeInBlock);
                ref byte blockKey = ref Unsafe.Add(ref secret, stripeInBlock * 8);
                for (nuint i = 0; i < count; i++)
                {
                    Stripe512(ref products0, ref sum0,
                        ref Unsafe.Add(ref input, i * StripeLength), ref Unsafe.Add(ref blockKey, i * 8));
                }
            }

            acc += products0 + products1 + SwapLanes512(sum0 + sum1);
            input = ref Unsafe.Add(ref input, count * StripeLength);
            stripes -= count;
            stripeInBlock += count;
            if (stripeInBlock == StripesPerBlock)
            {
                acc = Scramble512(acc, ref Unsafe.Add(ref secret, ScrambleSecretOffset));
                stripeInBlock = 0;
            }
        }

        acc.StoreUnsafe(ref accRef);
        return stripeInBlock;
    }

    private static void LastStripeVector512(ref ulong accRef, ref byte stripe, ref byte key)
    {
        Vector512<ulong> products = Vector512<ulong>.Zero;
        Vector512<ulong> sum = Vector512<ulong>.Zero;
        Stripe512(ref products, ref sum, ref stripe, ref key);
        (Vector512.LoadUnsafe(ref accRef) + products + SwapLanes512(sum)).StoreUnsafe(ref accRef);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stripe512(ref Vector512<ulong> products, ref Vector512<ulong> sum, ref byte input, ref byte secret)
    {
        Vector512<ulong> data = Vector512.LoadUnsafe(ref input).AsUInt64();
        Vector512<ulong> keyed = data ^ Vector512.LoadUnsafe(ref secret).AsUInt64();
        products += Avx512F.Multiply(keyed.AsUInt32(), Avx512F.ShiftRightLogical(keyed, 32).AsUInt32());
        sum += data;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> SwapLanes512(Vector512<ulong> value) =>
        Avx512F.Shuffle(value.AsUInt32(), 0b_01_00_11_10).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Scramble512(Vector512<ulong> acc, ref byte secret)
    {
        Vector512<ulong> mixed = acc ^ Avx512F.ShiftRightLogical(acc, 47) ^ Vector512.LoadUnsafe(ref secret).AsUInt64();
        Vector512<uint> prime = Vector512.Create((ulong)Prime32_1).AsUInt32();
        Vector512<ulong> low = Avx512F.Multiply(mixed.AsUInt32(), prime);
        Vector512<ulong> high = Avx512F.Multiply(Avx512F.ShiftRightLogical(mixed, 32).AsUInt32(), prime);
        return low + Avx512F.ShiftLeftLogical(high, 32);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint AccumulateVector256(
        ref ulong accRef, ref byte input, nuint stripes, ref byte secret, nuint stripeInBlock)
    {
        Vector256<ulong> acc0 = Vector256.LoadUnsafe(ref accRef);
        Vector256<ulong> acc1 = Vector256.LoadUnsafe(ref accRef, 4);
        while (stripes != 0)
        {
            Vector256<ulong> sum0 = Vector256<ulong>.Zero;
            Vector256<ulong> sum1 = Vector256<ulong>.Zero;
            nuint count;
            if (stripeInBlock == 0 && stripes >= StripesPerBlock)
            {
                count = StripesPerBlock;

                // Unrolled by four stripes so the loop bookkeeping does not compete with the vector work.
                for (nuint i = 0; i < StripesPerBlock; i += 4)
                {
                    ref byte data = ref Unsafe.Add(ref input, i * StripeLength);
                    ref byte key = ref Unsafe.Add(ref secret, i * 8);
                    Stripe256(ref acc0, ref acc1, ref sum0, ref sum1, ref data, ref key);
                    Stripe256(ref acc0, ref acc1, ref sum0, ref sum1, ref Unsafe.Add(ref data, 64), ref Unsafe.Add(ref key, 8));
                    Stripe256(ref acc0, ref acc1, ref sum0, ref sum1, ref Unsafe.Add(ref data, 128), ref Unsafe.Add(ref key, 16));
                    Stripe256(ref acc0, ref acc1, ref sum0, ref sum1, ref Unsafe.Add(ref data, 192), ref Unsafe.Add(ref key, 24));
                }
            }
            else
            {
                count = Math.Min(stripes, StripesPerBlock - stripeInBlock);
                ref byte blockKey = ref Unsafe.Add(ref secret, stripeInBlock * 8);
                for (nuint i = 0; i < count; i++)
                {
                    Stripe256(ref acc0, ref acc1, ref sum0, ref sum1,
                        ref Unsafe.Add(ref input, i * StripeLength), ref Unsafe.Add(ref blockKey, i * 8));
                }
            }

            acc0 += SwapLanes256(sum0);
            acc1 += SwapLanes256(sum1);
            input = ref Unsafe.Add(ref input, count * StripeLength);
            stripes -= count;
            stripeInBlock += count;
            if (stripeInBlock == StripesPerBlock)
            {
                acc0 = Scramble256(acc0, ref Unsafe.Add(ref secret, ScrambleSecretOffset));
                acc1 = Scramble256(acc1, ref Unsafe.Add(ref secret, ScrambleSecretOffset + 32));
                stripeInBlock = 0;
            }
        }

        acc0.StoreUnsafe(ref accRef);
        acc1.StoreUnsafe(ref accRef, 4);
        return stripeInBlock;
    }

    private static void LastStripeVector256(ref ulong accRef, ref byte stripe, ref byte key)
    {
        Vector256<ulong> acc0 = Vector256.LoadUnsafe(ref accRef);
        Vector256<ulong> acc1 = Vector256.LoadUnsafe(ref accRef, 4);
        Vector256<ulong> sum0 = Vector256<ulong>.Zero;
        Vector256<ulong> sum1 = Vector256<ulong>.Zero;
        Stripe256(ref acc0, ref acc1, ref sum0, ref sum1, ref stripe, ref key);
        (acc0 + SwapLanes256(sum0)).StoreUnsafe(ref accRef);
        (acc1 + SwapLanes256(sum1)).StoreUnsafe(ref accRef, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stripe256(
        ref Vector256<ulong> acc0, ref Vector256<ulong> acc1, ref Vector256<ulong> sum0, ref Vector256<ulong> sum1,
        ref byte input, ref byte secret)
    {
        Vector256<ulong> data0 = Vector256.LoadUnsafe(ref input).AsUInt64();
        Vector256<ulong> data1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref input, 32)).AsUInt64();
        Vector256<ulong> keyed0 = data0 ^ Vector256.LoadUnsafe(ref secret).AsUInt64();
        Vector256<ulong> keyed1 = data1 ^ Vector256.LoadUnsafe(ref Unsafe.Add(ref secret, 32)).AsUInt64();

        // vpmuludq multiplies only the low 32 bits of each lane: low half of the keyed input times its high half.
        acc0 += Avx2.Multiply(keyed0.AsUInt32(), Avx2.ShiftRightLogical(keyed0, 32).AsUInt32());
        acc1 += Avx2.Multiply(keyed1.AsUInt32(), Avx2.ShiftRightLogical(keyed1, 32).AsUInt32());
        sum0 += data0;
        sum1 += data1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> SwapLanes256(Vector256<ulong> value) =>
        Avx2.Shuffle(value.AsUInt32(), 0b_01_00_11_10).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Scramble256(Vector256<ulong> acc, ref byte secret)
    {
        Vector256<ulong> mixed = acc ^ Avx2.ShiftRightLogical(acc, 47) ^ Vector256.LoadUnsafe(ref secret).AsUInt64();

        // A 64x32-bit multiply assembled from two 32x32->64 ones.
        Vector256<uint> prime = Vector256.Create((ulong)Prime32_1).AsUInt32();
        Vector256<ulong> low = Avx2.Multiply(mixed.AsUInt32(), prime);
        Vector256<ulong> high = Avx2.Multiply(Avx2.ShiftRightLogical(mixed, 32).AsUInt32(), prime);
        return low + Avx2.ShiftLeftLogical(high, 32);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint AccumulateVector128(
        ref ulong accRef, ref byte input, nuint stripes, ref byte secret, nuint stripeInBlock)
    {
        Vector128<ulong> acc0 = Vector128.LoadUnsafe(ref accRef);
        Vector128<ulong> acc1 = Vector128.LoadUnsafe(ref accRef, 2);
        Vector128<ulong> acc2 = Vector128.LoadUnsafe(ref accRef, 4);
        Vector128<ulong> acc3 = Vector128.LoadUnsafe(ref accRef, 6);
        while (stripes != 0)
        {
            Vector128<ulong> sum0 = Vector128<ulong>.Zero;
            Vector128<ulong> sum1 = Vector128<ulong>.Zero;
            Vector128<ulong> sum2 = Vector128<ulong>.Zero;
            Vector128<ulong> sum3 = Vector128<ulong>.Zero;
            nuint count;
            if (stripeInBlock == 0 && stripes >= StripesPerBlock)
            {
                count = StripesPerBlock;
                for (nuint i = 0; i < StripesPerBlock; i += 2)
                {
                    ref byte data = ref Unsafe.Add(ref input, i * StripeLength);
                    ref byte key = ref Unsafe.Add(ref secret, i * 8);
                    Stripe128(ref acc0, ref sum0, ref data, ref key);
                    Stripe128(ref acc1, ref sum1, ref Unsafe.Add(ref data, 16), ref Unsafe.Add(ref key, 16));
                    Stripe128(ref acc2, ref sum2, ref Unsafe.Add(ref data, 32), ref Unsafe.Add(ref key, 32));
                    Stripe128(ref acc3, ref sum3, ref Unsafe.Add(ref data, 48), ref Unsafe.Add(ref key, 48));
                    Stripe128(ref acc0, ref sum0, ref Unsafe.Add(ref data, 64), ref Unsafe.Add(ref key, 8));
                    Stripe128(ref acc1, ref sum1, ref Unsafe.Add(ref data, 80), ref Unsafe.Add(ref key, 24));
                    Stripe128(ref acc2, ref sum2, ref Unsafe.Add(ref data, 96), ref Unsafe.Add(ref key, 40));
                    Stripe128(ref acc3, ref sum3, ref Unsafe.Add(ref data, 112), ref Unsafe.Add(ref key, 56));
                }
            }
            else
            {
                count = Math.Min(stripes, StripesPerBlock - stripeInBlock);
                ref byte blockKey = ref Unsafe.Add(ref secret, stripeInBlock * 8);
                for (nuint i = 0; i < count; i++)
                {
                    ref byte data = ref Unsafe.Add(ref input, i * StripeLength);
                    ref byte key = ref Unsafe.Add(ref blockKey, i * 8);
                    Stripe128(ref acc0, ref sum0, ref data, ref key);
                    Stripe128(ref acc1, ref sum1, ref Unsafe.Add(ref data, 16), ref Unsafe.Add(ref key, 16));
                    Stripe128(ref acc2, ref sum2, ref Unsafe.Add(ref data, 32), ref Unsafe.Add(ref key, 32));
                    Stripe128(ref acc3, ref sum3, ref Unsafe.Add(ref data, 48), ref Unsafe.Add(ref key, 48));
                }
            }

            acc0 += SwapLanes128(sum0);
            acc1 += SwapLanes128(sum1);
            acc2 += SwapLanes128(sum2);
            acc3 += SwapLanes128(sum3);
            input = ref Unsafe.Add(ref input, count * StripeLength);
            stripes -= count;
            stripeInBlock += count;
            if (stripeInBlock == StripesPerBlock)
            {
                ref byte scrambleKey = ref Unsafe.Add(ref secret, ScrambleSecretOffset);
                acc0 = Scramble128(acc0, ref scrambleKey);
                acc1 = Scramble128(acc1, ref Unsafe.Add(ref scrambleKey, 16));
                acc2 = Scramble128(acc2, ref Unsafe.Add(ref scrambleKey, 32));
                acc3 = Scramble128(acc3, ref Unsafe.Add(ref scrambleKey, 48));
                stripeInBlock = 0;
            }
        }

        acc0.StoreUnsafe(ref accRef);
        acc1.StoreUnsafe(ref accRef, 2);
        acc2.StoreUnsafe(ref accRef, 4);
        acc3.StoreUnsafe(ref accRef, 6);
        return stripeInBlock;
    }

    private static void LastStripeVector128(ref ulong accRef, ref byte stripe, ref byte key)
    {
        for (nuint i = 0; i < AccumulatorCount; i += 2)
        {
            Vector128<ulong> acc = Vector128.LoadUnsafe(ref accRef, i);
            Vector128<ulong> sum = Vector128<ulong>.Zero;
            Stripe128(ref acc, ref sum, ref Unsafe.Add(ref stripe, i * 8), ref Unsafe.Add(ref key, i * 8));
            (acc + SwapLanes128(sum)).StoreUnsafe(ref accRef, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stripe128(ref Vector128<ulong> acc, ref Vector128<ulong> sum, ref byte input, ref byte secret)
    {
        Vector128<ulong> data = Vector128.LoadUnsafe(ref input).AsUInt64();
        Vector128<ulong> keyed = data ^ Vector128.LoadUnsafe(ref secret).AsUInt64();
        acc += MultiplyLow32(keyed, keyed >>> 32);
        sum += data;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Scramble128(Vector128<ulong> acc, ref byte secret)
    {
        Vector128<ulong> mixed = acc ^ (acc >>> 47) ^ Vector128.LoadUnsafe(ref secret).AsUInt64();
        Vector128<ulong> prime = Vector128.Create((ulong)Prime32_1);
        return MultiplyLow32(mixed, prime) + (MultiplyLow32(mixed >>> 32, prime) << 32);
    }

    /// <summary>Low 32 bits of each lane times low 32 bits of each lane, widened to 64 bits.</summary>
    /// <remarks>
    /// The portable Vector128 multiply on ulong lanes is a full 64x64 multiply, which SSE2 and NEON lack and
    /// would emulate far more slowly, so the two native widening multiplies are called directly.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> MultiplyLow32(Vector128<ulong> left, Vector128<ulong> right)
    {
        if (Sse2.IsSupported)
        {
            return Sse2.Multiply(left.AsUInt32(), right.AsUInt32());
        }

        if (AdvSimd.IsSupported)
        {
            return AdvSimd.MultiplyWideningLower(AdvSimd.ExtractNarrowingLower(left), AdvSimd.ExtractNarrowingLower(right));
        }

        throw new PlatformNotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> SwapLanes128(Vector128<ulong> value)
    {
        if (Sse2.IsSupported)
        {
            return Sse2.Shuffle(value.AsUInt32(), 0b_01_00_11_10).AsUInt64();
        }

        if (AdvSimd.IsSupported)
        {
            return AdvSimd.ExtractVector128(value, value, 1);
        }

        throw new PlatformNotSupportedException();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint AccumulateScalar(
        ref ulong acc, ref byte input, nuint stripes, ref byte secret, nuint stripeInBlock)
    {
        while (stripes != 0)
        {
            nuint count = Math.Min(stripes, StripesPerBlock - stripeInBlock);
            bool endsBlock = stripeInBlock + count == StripesPerBlock;
            ref byte blockKey = ref Unsafe.Add(ref secret, stripeInBlock * 8);

            // A lane only ever exchanges data with its pair partner (acc[i ^ 1]), so each pair runs through the
            // stripes on its own with just its two accumulators in registers; all eight would not fit on x64.
            for (nuint lane = 0; lane < AccumulatorCount; lane += 2)
            {
                ulong even = Unsafe.Add(ref acc, lane);
                ulong odd = Unsafe.Add(ref acc, lane + 1);
                ref byte laneInput = ref Unsafe.Add(ref input, lane * 8);
                ref byte laneKey = ref Unsafe.Add(ref blockKey, lane * 8);
                for (nuint i = 0; i < count; i++)
                {
                    ulong data0 = ReadLE64(ref laneInput, i * StripeLength);
                    ulong data1 = ReadLE64(ref laneInput, (i * StripeLength) + 8);
                    ulong keyed0 = data0 ^ ReadLE64(ref laneKey, i * 8);
                    ulong keyed1 = data1 ^ ReadLE64(ref laneKey, (i * 8) + 8);
                    even += data1 + ((uint)keyed0 * (keyed0 >> 32));
                    odd += data0 + ((uint)keyed1 * (keyed1 >> 32));
                }

                if (endsBlock)
                {
                    even = ScrambleScalar(even, ReadLE64(ref secret, ScrambleSecretOffset + (lane * 8)));
                    odd = ScrambleScalar(odd, ReadLE64(ref secret, ScrambleSecretOffset + (lane * 8) + 8));
                }

                Unsafe.Add(ref acc, lane) = even;
                Unsafe.Add(ref acc, lane + 1) = odd;
            }

            input = ref Unsafe.Add(ref input, count * StripeLength);
            stripes -= count;
            stripeInBlock = endsBlock ? 0 : stripeInBlock + count;
        }

        return stripeInBlock;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ScrambleScalar(ulong acc, ulong key) => (acc ^ (acc >> 47) ^ key) * Prime32_1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StripeScalar(ref ulong acc, ref byte input, ref byte secret)
    {
        for (nuint i = 0; i < AccumulatorCount; i++)
        {
            ulong data = ReadLE64(ref input, i * 8);
            ulong keyed = data ^ ReadLE64(ref secret, i * 8);
            Unsafe.Add(ref acc, i ^ 1) += data;
            Unsafe.Add(ref acc, i) += (uint)keyed * (keyed >> 32);
        }
    }
}
