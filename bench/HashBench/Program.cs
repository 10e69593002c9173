using System.Diagnostics;
using System.Globalization;
using Snapshotter.Hashing;

// Prints the XXH3-64 throughput of the library's implementation in MB/s (10^6 bytes per second, as
// xxhsum -b reports it) for the input sizes given on the command line, one "SIZE MBPS" line each.
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
