using Snapshotter.Engine;
using Snapshotter.IO;
using Snapshotter.Metadata;

namespace Snapshotter.Tests.Support;

/// <summary>
/// Checks that the recovery record a commit wrote from the files it held is byte for byte the record the database gives
/// for that snapshot (its files read back, as records of stores written before were, and as a missing record is
/// still written), its files in the byte order of their paths.
/// </summary>
internal static class RecordedAsInDatabase
{
    public static void Check(SnapshotEngine engine, string name, string version)
    {
        RecoveryRecords recovery = engine.Context.Recovery;
        string path = recovery.PathOf(name, version);
        byte[] written = File.ReadAllBytes(path);

        Assert.True(recovery.TryWrite(engine.Context.Metadata, name, version));

        Assert.Equal(File.ReadAllBytes(path), written);
        List<byte[]> paths = RecoveryRecords.Read(path).Files.Select(f => PathEncoding.GetBytes(f.RelativePath)).ToList();
        Assert.NotEmpty(paths);
        Assert.Equal(paths.Order(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))), paths);
    }
}
