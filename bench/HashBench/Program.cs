using System.Diagnostics;
using System.Globalization;
using Snapshotter.Hashing;

// HashBench SIZE...: the XXH3-64 throughput of the library's implementation in MB/s (10^6 bytes per second,
// as xxhsum -b reports it) over an in-memory buffer of each size, one "SIZE MBPS" line each.
// HashBench --file PATH: the XXH3-64 of the file's bytes as xxhsum -H3 prints it, read in 256 KiB blocks as the
// library reads a file it snapshots, so timing this process beside `xxhsum -H3 PATH` compares the same work.
if (args.Length == 2 && args[0] == "--file")
{
    return HashFile(args[1]);
}

int[] sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [100 * 1024];
foreach (int size in sizes)
{
    byte[] data = new byte[size];
    new Random(42).NextBytes(data);
    ulong sink = 0;
    double best = 0;
    for (int round = 0; round < 5; round++)
    {
        long iterations = 0;
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 400)
        {
            for (int i = 0; i < 16; i++)
            {
                sink ^= XxHash3.HashToUInt64(data);
            }

            iterations += 16;
        }

        best = Math.Max(best, iterations * (double)size / clock.Elapsed.TotalSeconds / 1e6);
    }

    Console.WriteLine(FormattableString.Invariant($"{size} {best:F0} {sink & 1}"));
}

return 0;

static int HashFile(string path)
{
    // The library's buffer size (ContentStore.DefaultBufferBytes).
    const int BlockBytes = 256 << 10;
    using var handle = File.OpenHandle(path);
    byte[] block = new byte[BlockBytes];
    var hash = new XxHash3();
    long offset = 0;
    for (int read; (read = RandomAccess.Read(handle, block, offset)) > 0; offset += read)
    {
        hash.Append(block.AsSpan(0, read));
    }

    Console.WriteLine(FormattableString.Invariant($"{hash.GetCurrentHashAsUInt64():x16}  {path}"));
    return 0;
}
