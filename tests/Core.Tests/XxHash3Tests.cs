using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;
using System.Text.RegularExpressions;
using Snapshotter.Hashing;

namespace Snapshotter.Tests;

/// <summary>
/// XXH3-64 must be bit-identical to the reference implementation, because hashes are persisted and compared
/// across machines. Beyond fixed vectors, everything is cross-checked against the reference <c>xxhsum</c> binary,
/// and every vector path is run on the same inputs, since a given machine only ever uses one of them.
/// </summary>
public sealed class XxHash3Tests
{
    private const int PrefixMax = 4096;

    // The reference sanity check's generator and seeds (xxHash cli/xsum_sanity_check.c).
    private const uint SanityPrime32 = 2654435761U;
    private const ulong SanityPrime64 = 11400714785074694797UL;
    private const int SanityBufferLength = 2367;

    // 240 is the short/long algorithm switch, 1024 a block; the rest are multi-block with every remainder kind.
    private static readonly int[] BoundarySizes =
    [
        239, 240, 241, 255, 256, 257, 1023, 1024, 1025, 16383, 16384, 16385, 65535, 65536, 65537,
        (1 << 20) - 1, 1 << 20, (1 << 20) + 1,
    ];

    // Every multiple of 512 bytes (half a block, eight 64-byte stripes) up to 20 KiB, each with neighbours
    // that end one byte or one stripe either side of it: where a wide kernel's unrolled loop, its block
    // boundary and the overlapping final stripe meet.
    private static readonly int[] StripeEdgeSizes =
        Enumerable.Range(1, 40).SelectMany(k => new[] { -65, -64, -63, -1, 0, 1, 63, 64, 65 }.Select(d => (k * 512) + d))
            .Where(size => size > PrefixMax)
            .ToArray();

    // Fixed so a failure reproduces; spread over 2..8 MiB.
    private static readonly int[] RandomLargeSizes = [3_212_177, 5_874_003, 8_388_547];

    private static readonly byte[] Data = CreateData(8 << 20);

    private static readonly Lazy<Dictionary<string, ulong>> ReferenceHashes = new(ComputeReferenceHashes);

    public static TheoryData<int> LargeSizes => new(BoundarySizes.Concat(RandomLargeSizes));

    private static XxHash3Path[] SupportedPaths { get; } =
        Enum.GetValues<XxHash3Path>().Where(XxHash3.IsSupported).ToArray();

    [Theory]
    [InlineData("", 0x2d06800538d394c2UL)]
    [InlineData("abc", 0x78af5f94892f3950UL)]
    [InlineData("hello world\n", 0xd42f7ed4b73c6bdeUL)]
    public void GoldenVectors(string text, ulong expected) =>
        AssertEveryEntryPoint(Encoding.ASCII.GetBytes(text), 0, expected);

    [Fact]
    public void GoldenMillionZeroBytes() => AssertEveryEntryPoint(new byte[1_000_000], 0, 0x9d648391f361d99aUL);

    /// <summary>The reference's own XXH3_64bits_withSeed table; it covers every length class, seeded and not.</summary>
    [Theory]
    [InlineData(0, 0UL, 0x2D06800538D394C2UL)]
    [InlineData(0, SanityPrime64, 0xA8A6B918B2F0364AUL)]
    [InlineData(1, 0UL, 0xC44BDFF4074EECDBUL)]
    [InlineData(1, SanityPrime64, 0x032BE332DD766EF8UL)]
    [InlineData(6, 0UL, 0x27B56A84CD2D7325UL)]
    [InlineData(6, SanityPrime64, 0x84589C116AB59AB9UL)]
    [InlineData(12, 0UL, 0xA713DAF0DFBB77E7UL)]
    [InlineData(12, SanityPrime64, 0xE7303E1B2336DE0EUL)]
    [InlineData(24, 0UL, 0xA3FE70BF9D3510EBUL)]
    [InlineData(24, SanityPrime64, 0x850E80FC35BDD690UL)]
    [InlineData(48, 0UL, 0x397DA259ECBA1F11UL)]
    [InlineData(48, SanityPrime64, 0xADC2CBAA44ACC616UL)]
    [InlineData(80, 0UL, 0xBCDEFBBB2C47C90AUL)]
    [InlineData(80, SanityPrime64, 0xC6DD0CB699532E73UL)]
    [InlineData(195, 0UL, 0xCD94217EE362EC3AUL)]
    [InlineData(195, SanityPrime64, 0xBA68003D370CB3D9UL)]
    [InlineData(403, 0UL, 0xCDEB804D65C6DEA4UL)]
    [InlineData(403, SanityPrime64, 0x6259F6ECFD6443FDUL)]
    [InlineData(512, 0UL, 0x617E49599013CB6BUL)]
    [InlineData(512, SanityPrime64, 0x3CE457DE14C27708UL)]
    [InlineData(2048, 0UL, 0xDD59E2C3A5F038E0UL)]
    [InlineData(2048, SanityPrime64, 0x66F81670669ABABCUL)]
    [InlineData(2240, 0UL, 0x6E73A90539CF2948UL)]
    [InlineData(2240, SanityPrime64, 0x757BA8487D1B5247UL)]
    [InlineData(2367, 0UL, 0xCB37AEB9E5D361EDUL)]
    [InlineData(2367, SanityPrime64, 0xD2DB3415B942B42AUL)]
    public void ReferenceSanityVectors(int length, ulong seed, ulong expected)
    {
        byte[] buffer = new byte[SanityBufferLength];
        ulong generator = SanityPrime32;
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)(generator >> 56);
            generator *= SanityPrime64;
        }

        AssertEveryEntryPoint(buffer.AsSpan(0, length).ToArray(), unchecked((long)seed), expected);
    }

    [Fact]
    public void EveryLengthUpTo4096MatchesXxhsum()
    {
        Dictionary<string, ulong> reference = ReferenceHashes.Value;
        for (int length = 0; length <= PrefixMax; length++)
        {
            ulong expected = reference[PrefixName(length)];
            ReadOnlySpan<byte> source = Data.AsSpan(0, length);
            Check(expected, XxHash3.HashToUInt64(source), $"length {length}");
            foreach (XxHash3Path path in SupportedPaths)
            {
                Check(expected, XxHash3.HashToUInt64(source, 0, path), $"length {length}, {path}");
            }
        }
    }

    /// <summary>Every intermediate digest is checked, which also proves a digest leaves the state alone.</summary>
    [Fact]
    public void StreamingOneByteAtATimeMatchesEveryPrefix()
    {
        Dictionary<string, ulong> reference = ReferenceHashes.Value;
        foreach (XxHash3Path path in SupportedPaths)
        {
            var hash = new XxHash3(0, path);
            Check(reference[PrefixName(0)], hash.GetCurrentHashAsUInt64(), $"empty, {path}");
            for (int length = 1; length <= PrefixMax; length++)
            {
                hash.Append(Data.AsSpan(length - 1, 1));
                Check(reference[PrefixName(length)], hash.GetCurrentHashAsUInt64(), $"length {length}, {path}");
            }
        }
    }

    [Fact]
    public void StreamingRandomSplitsMatchXxhsumAtEveryStep()
    {
        Dictionary<string, ulong> reference = ReferenceHashes.Value;
        var random = new Random(17);
        for (int round = 0; round < 300; round++)
        {
            int length = random.Next(PrefixMax + 1);
            XxHash3Path path = SupportedPaths[round % SupportedPaths.Length];
            var hash = new XxHash3(0, path);
            int position = 0;
            while (position < length)
            {
                int chunk = Math.Min(NextChunkLength(random, 1100), length - position);
                hash.Append(Data.AsSpan(position, chunk));
                position += chunk;
                Check(reference[PrefixName(position)], hash.GetCurrentHashAsUInt64(),
                    $"round {round}, prefix {position} of {length}, {path}");
            }

            Check(reference[PrefixName(length)], hash.GetCurrentHashAsUInt64(), $"round {round}, length {length}, {path}");
        }
    }

    [Theory]
    [MemberData(nameof(LargeSizes))]
    public void LargeInputsMatchXxhsumOnEveryPathAndSplit(int size)
    {
        ulong expected = ReferenceHashes.Value[LargeName(size)];
        ReadOnlySpan<byte> source = Data.AsSpan(0, size);
        Check(expected, XxHash3.HashToUInt64(source), $"size {size}");

        var random = new Random(size);
        foreach (XxHash3Path path in SupportedPaths)
        {
            Check(expected, XxHash3.HashToUInt64(source, 0, path), $"size {size}, {path}, one-shot");

            var hash = new XxHash3(0, path);
            hash.Append(source);
            Check(expected, hash.GetCurrentHashAsUInt64(), $"size {size}, {path}, single append");

            // Byte-wise appends across the first few blocks, so the buffered path hands over to the direct one
            // mid-block, then the rest in one huge append.
            hash.Reset();
            int head = Math.Min(size, 3000 + random.Next(200));
            for (int i = 0; i < head; i++)
            {
                hash.Append(source.Slice(i, 1));
            }

            hash.Append(source[head..]);
            Check(expected, hash.GetCurrentHashAsUInt64(), $"size {size}, {path}, 1-byte head + huge append");

            for (int pattern = 0; pattern < 4; pattern++)
            {
                hash.Reset();
                int position = 0;
                while (position < size)
                {
                    int chunk = Math.Min(NextChunkLength(random, 1 << 20), size - position);
                    hash.Append(source.Slice(position, chunk));
                    position += chunk;
                }

                Check(expected, hash.GetCurrentHashAsUInt64(), $"size {size}, {path}, random split pattern {pattern}");
            }
        }
    }

    [Fact]
    public void StripeEdgeLengthsMatchXxhsumOnEveryPathAndSplit()
    {
        Dictionary<string, ulong> reference = ReferenceHashes.Value;
        foreach (int size in StripeEdgeSizes)
        {
            ulong expected = reference[LargeName(size)];
            ReadOnlySpan<byte> source = Data.AsSpan(0, size);
            foreach (XxHash3Path path in SupportedPaths)
            {
                Check(expected, XxHash3.HashToUInt64(source, 0, path), $"size {size}, {path}, one-shot");

                // Appends of one stripe, of 512 bytes and of a stripe plus one byte: the first two keep the
                // consumed input stripe-aligned, the last shifts it by a byte each time.
                foreach (int chunk in new[] { XxHash3Core.StripeLength, 512, XxHash3Core.StripeLength + 1 })
                {
                    var hash = new XxHash3(0, path);
                    for (int position = 0; position < size; position += chunk)
                    {
                        hash.Append(source.Slice(position, Math.Min(chunk, size - position)));
                    }

                    Check(expected, hash.GetCurrentHashAsUInt64(), $"size {size}, {path}, appends of {chunk}");
                }
            }
        }
    }

    [Fact]
    public void WidestAcceleratedPathIsUsed()
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Assert.Equal(XxHash3Path.Vector512, XxHash3Core.BestPath);
        }
        else if (Avx2.IsSupported)
        {
            Assert.Equal(XxHash3Path.Vector256, XxHash3Core.BestPath);
        }

        Assert.Contains(XxHash3Core.BestPath, SupportedPaths);
    }

    [Fact]
    public void ByteOutputsAreBigEndianAndSized()
    {
        var hash = new XxHash3();
        Assert.Equal(8, hash.HashLengthInBytes);
        Assert.Equal(Convert.FromHexString("78af5f94892f3950"), XxHash3.Hash("abc"u8));

        Assert.Throws<ArgumentException>(() => XxHash3.Hash("abc"u8, new byte[7]));
        Assert.False(XxHash3.TryHash("abc"u8, new byte[7], out int written));
        Assert.Equal(0, written);
        Assert.Throws<ArgumentException>(() => hash.GetCurrentHash(new byte[7]));
        Assert.Throws<ArgumentNullException>(() => hash.Append((byte[])null!));
    }

    [Fact]
    public void GetHashAndResetStartsOver()
    {
        var hash = new XxHash3(1234);
        hash.Append(Data.AsSpan(0, 5000));
        Assert.Equal(XxHash3.Hash(Data.AsSpan(0, 5000), 1234), hash.GetHashAndReset());
        Assert.Equal(XxHash3.HashToUInt64([], 1234), hash.GetCurrentHashAsUInt64());
        hash.Append(Data.AsSpan(0, 300));
        Assert.Equal(XxHash3.HashToUInt64(Data.AsSpan(0, 300), 1234), hash.GetCurrentHashAsUInt64());
    }

    /// <summary>Checks the one-shot, byte-output and streaming entry points, on every supported path.</summary>
    private static void AssertEveryEntryPoint(byte[] input, long seed, ulong expected)
    {
        byte[] expectedBytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(expectedBytes, expected);

        Check(expected, XxHash3.HashToUInt64(input, seed), "HashToUInt64");
        Assert.Equal(expectedBytes, XxHash3.Hash(input, seed));
        byte[] destination = new byte[10];
        Assert.Equal(8, XxHash3.Hash(input, destination, seed));
        Assert.Equal(expectedBytes, destination[..8]);
        Assert.True(XxHash3.TryHash(input, destination.AsSpan(2), out int written, seed));
        Assert.Equal(8, written);
        Assert.Equal(expectedBytes, destination[2..]);

        var hash = seed == 0 ? new XxHash3() : new XxHash3(seed);
        hash.Append(input);
        Check(expected, hash.GetCurrentHashAsUInt64(), "streaming");
        Assert.Equal(expectedBytes, hash.GetCurrentHash());
        Assert.Equal(8, hash.GetCurrentHash(destination));
        Assert.Equal(expectedBytes, destination[..8]);
        Assert.Equal(expectedBytes, hash.GetHashAndReset());
        Check(XxHash3.HashToUInt64([], seed), hash.GetCurrentHashAsUInt64(), "after GetHashAndReset");

        var random = new Random(input.Length);
        foreach (XxHash3Path path in SupportedPaths)
        {
            Check(expected, XxHash3.HashToUInt64(input, seed, path), $"{path} one-shot");

            hash = new XxHash3(seed, path);
            if (input.Length <= PrefixMax)
            {
                foreach (byte value in input)
                {
                    hash.Append([value]);
                }

                Check(expected, hash.GetCurrentHashAsUInt64(), $"{path} 1-byte appends");
            }

            for (int pattern = 0; pattern < 3; pattern++)
            {
                hash.Reset();
                int position = 0;
                while (position < input.Length)
                {
                    int chunk = Math.Min(NextChunkLength(random, input.Length), input.Length - position);
                    hash.Append(input.AsSpan(position, chunk));
                    position += chunk;
                }

                Check(expected, hash.GetCurrentHashAsUInt64(), $"{path} random split pattern {pattern}");
            }
        }
    }

    /// <summary>Chunk lengths mixing empty and 1-byte appends with ones that straddle stripes, blocks and the buffer.</summary>
    private static int NextChunkLength(Random random, int max) => random.Next(5) switch
    {
        0 => random.Next(2),
        1 => random.Next(1, 65),
        2 => random.Next(1, 300),
        3 => random.Next(1, 2100),
        _ => random.Next(1, Math.Max(max, 1) + 1),
    };

    private static void Check(ulong expected, ulong actual, string what)
    {
        if (actual != expected)
        {
            Assert.Fail($"{what}: got {actual:x16}, expected {expected:x16}");
        }
    }

    private static byte[] CreateData(int length)
    {
        // SplitMix64: deterministic on every runtime, unlike a seeded System.Random.
        byte[] data = new byte[length + 8];
        ulong state = 0x5DEECE66DUL;
        for (int i = 0; i < length; i += 8)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(i), z ^ (z >> 31));
        }

        return data;
    }

    private static string PrefixName(int length) => "p" + length.ToString("D4", CultureInfo.InvariantCulture);

    private static string LargeName(int size) => "L" + size.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes every input the tests compare against the reference as a file and hashes them all with a single
    /// <c>xxhsum</c> run, which is what keeps thousands of cross-checks cheap.
    /// </summary>
    private static Dictionary<string, ulong> ComputeReferenceHashes()
    {
        string xxhsum = FindXxhsum();
        DirectoryInfo directory = CreateScratchDirectory();
        try
        {
            var names = new List<string>();
            for (int length = 0; length <= PrefixMax; length++)
            {
                names.Add(PrefixName(length));
                File.WriteAllBytes(Path.Combine(directory.FullName, names[^1]), Data.AsSpan(0, length));
            }

            foreach (int size in BoundarySizes.Concat(RandomLargeSizes).Concat(StripeEdgeSizes).Distinct())
            {
                names.Add(LargeName(size));
                File.WriteAllBytes(Path.Combine(directory.FullName, names[^1]), Data.AsSpan(0, size));
            }

            var start = new ProcessStartInfo(xxhsum)
            {
                WorkingDirectory = directory.FullName,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-H3");
            foreach (string name in names)
            {
                start.ArgumentList.Add(name);
            }

            using Process process = Process.Start(start)
                ?? throw new InvalidOperationException($"Could not start {xxhsum}.");
            Task<string> errors = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"xxhsum exited with {process.ExitCode}: {errors.Result}");

            // xxhsum 0.8 prints "XXH3 (name) = hash" for -H3; the GNU-style "hash  name" is accepted too.
            var line = new Regex(@"^(?:XXH3 \((?<name>.+)\) = (?<hash>[0-9a-f]{16})|(?<hash>[0-9a-f]{16})  (?<name>.+))$");
            var hashes = new Dictionary<string, ulong>();
            foreach (string text in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Match match = line.Match(text.TrimEnd('\r'));
                Assert.True(match.Success, $"Unexpected xxhsum output line: {text}");
                hashes[match.Groups["name"].Value] = ulong.Parse(
                    match.Groups["hash"].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }

            Assert.Equal(names.Count, hashes.Count);
            return hashes;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Prefers tmpfs: writing the ~4,000 small files to a disk-backed /tmp took seconds on a busy machine, in
    /// memory it takes a fraction of one.
    /// </summary>
    private static DirectoryInfo CreateScratchDirectory()
    {
        string name = "xxh3-tests-" + Guid.NewGuid().ToString("N");
        if (Directory.Exists("/dev/shm"))
        {
            try
            {
                return Directory.CreateDirectory(Path.Combine("/dev/shm", name));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not writable here; fall back to the regular temporary directory.
            }
        }

        return Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), name));
    }

    private static string FindXxhsum()
    {
        IEnumerable<string> candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "xxhsum"))
            .Append("/usr/bin/xxhsum");
        string? found = candidates.FirstOrDefault(File.Exists);
        if (found is null)
        {
            Assert.Fail("The reference xxhsum binary is required to cross-check XXH3; install it with `apt-get install xxhash`.");
        }

        return found;
    }
}
