using Snapshotter.Hashing;
using Reference = System.IO.Hashing.XxHash3;

namespace Snapshotter.Tests;

/// <summary>
/// Our XXH3-64 against System.IO.Hashing's, an independent implementation: random lengths from 0 to a few KiB,
/// every length around the 240-byte switch to the long-input algorithm and the 1024-byte block, multi-MiB inputs,
/// random seeds (which xxhsum cannot be given) and random split points when streaming, on every stripe-loop path
/// this machine runs. Each test draws from a fixed generator seed, named in every failure, so a failure reproduces.
/// </summary>
public sealed class XxHash3ReferenceTests
{
    private const int SmallMax = 4096;
    private const int LengthsPerDraw = 300;

    // Around the short/mid/long algorithm switches (16, 128, 240 bytes) and one block of 16 stripes (1024 bytes).
    private static readonly int[] BoundaryLengths =
    [
        .. Enumerable.Range(0, 18), 127, 128, 129, 239, 240, 241, 255, 256, 257,
        1023, 1024, 1025, 1087, 1088, 1089, 2047, 2048, 2049,
    ];

    private static XxHash3Path[] SupportedPaths { get; } =
        Enum.GetValues<XxHash3Path>().Where(XxHash3.IsSupported).ToArray();

    public static TheoryData<int> Draws => new(1, 2, 3, 4, 5, 6, 7, 8);

    public static TheoryData<int> LargeDraws => new(101, 102, 103);

    [Theory]
    [MemberData(nameof(Draws))]
    public void One_shot_hashes_match_for_random_lengths_and_seeds(int draw)
    {
        var random = new Random(draw);
        byte[] data = Bytes(random, SmallMax);
        IEnumerable<int> lengths = BoundaryLengths.Concat(Enumerable.Range(0, LengthsPerDraw).Select(_ => random.Next(SmallMax + 1)));

        foreach (int length in lengths)
        {
            long seed = Seed(random);
            ulong expected = Reference.HashToUInt64(data.AsSpan(0, length), seed);
            foreach (XxHash3Path path in SupportedPaths)
            {
                ulong actual = XxHash3.HashToUInt64(data.AsSpan(0, length), seed, path);
                Assert.True(expected == actual, $"draw {draw}, length {length}, seed {seed}, {path}: {actual:x16}, System.IO.Hashing {expected:x16}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Draws))]
    public void Streaming_with_random_splits_matches_at_every_step(int draw)
    {
        var random = new Random(draw);
        byte[] data = Bytes(random, 3 * SmallMax);
        foreach (XxHash3Path path in SupportedPaths)
        {
            long seed = Seed(random);
            var ours = new XxHash3(seed, path);
            int offset = 0;
            AssertPrefix(ours, data, offset, seed, $"draw {draw}, {path}, seed {seed}, empty");
            while (offset < data.Length)
            {
                // Mostly short appends, which the buffer batches, and sometimes ones of several blocks.
                int split = Math.Min(data.Length - offset, random.Next(4) == 0 ? random.Next(2 * SmallMax) : random.Next(300));
                ours.Append(data.AsSpan(offset, split));
                offset += split;
                AssertPrefix(ours, data, offset, seed, $"draw {draw}, {path}, seed {seed}, after {split} bytes up to {offset}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(LargeDraws))]
    public void Multi_mebibyte_inputs_match_one_shot_and_streamed(int draw)
    {
        var random = new Random(draw);
        byte[] data = Bytes(random, (2 << 20) + random.Next(2 << 20));
        long seed = Seed(random);
        ulong expected = Reference.HashToUInt64(data, seed);

        foreach (XxHash3Path path in SupportedPaths)
        {
            Assert.True(expected == XxHash3.HashToUInt64(data, seed, path), $"draw {draw}, {data.Length} bytes, seed {seed}, {path}, one shot");

            var ours = new XxHash3(seed, path);
            var reference = new Reference(seed);
            for (int offset = 0, split; offset < data.Length; offset += split)
            {
                // Splits from one byte to a few hundred KiB, as reads of files and of SPF1 frames give them.
                split = Math.Min(data.Length - offset, random.Next(3) == 0 ? random.Next(1, 64) : random.Next(1, 300 << 10));
                ours.Append(data.AsSpan(offset, split));
                reference.Append(data.AsSpan(offset, split));
                Assert.True(reference.GetCurrentHashAsUInt64() == ours.GetCurrentHashAsUInt64(), $"draw {draw}, {path}, seed {seed}, streamed up to {offset + split}");
            }
        }
    }

    private static void AssertPrefix(XxHash3 ours, byte[] data, int length, long seed, string what)
    {
        ulong expected = Reference.HashToUInt64(data.AsSpan(0, length), seed);
        ulong actual = ours.GetCurrentHashAsUInt64();
        Assert.True(expected == actual, $"{what}: {actual:x16}, System.IO.Hashing {expected:x16}");
    }

    private static byte[] Bytes(Random random, int length)
    {
        byte[] data = new byte[length];
        random.NextBytes(data);
        return data;
    }

    /// <summary>0 (the seed content digests use) a quarter of the time, otherwise any 64-bit value.</summary>
    private static long Seed(Random random) => random.Next(4) == 0 ? 0 : random.NextInt64(long.MinValue, long.MaxValue);
}
