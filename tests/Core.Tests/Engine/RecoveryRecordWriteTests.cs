using Microsoft.Data.Sqlite;
using Snapshotter.Engine;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// A snapshot's recovery record is written from the files its commit recorded, not read back from the database: it must
/// be the very record the database gives, whatever the tree holds (names that are not UTF-8 or that UTF-16 orders
/// otherwise, extended attributes, hardlinks, symlinks, FIFOs, devices) and however the list was recorded (whole, as a
/// delta over an earlier version, or shared with one).
/// </summary>
public sealed class RecoveryRecordWriteTests : EngineTestBase
{
    /// <summary>A tree of every kind of entry the walk records, with names whose UTF-16 order is not their byte order: a
    /// character above U+FFFF (a surrogate pair) beside one of U+E000..U+FFFF, and bytes that are not UTF-8.</summary>
    private void MakeTree()
    {
        for (int i = 0; i < 80; i++)
        {
            Source($"tree/files/f{i:D3}", TestFiles.Pattern(100 + i, i));
        }

        Source("tree/\U0001F600.bin", "pair"u8.ToArray());
        Source("tree/\uFF21.bin", "fullwidth"u8.ToArray());
        Source("tree/\u00E9t\u00E9.bin", "accented"u8.ToArray(), mode: 0x124);
        Tools.Run("python3", "-c", $"import os; d=b'{BaseDir}/tree/'; open(d+b'caf\\xe9.bin','wb').write(b'raw'); os.symlink(b'\\xe9t\\xe9', d+b'l\\xe9')");
        TestFiles.HardLink(Path.Join(BaseDir, "tree/files/f000"), Path.Join(BaseDir, "tree/\U0001F600-link"));
        File.CreateSymbolicLink(Path.Join(BaseDir, "tree/rel"), "files/f001");
        TestFiles.MakeFifo(Path.Join(BaseDir, "tree/pipe"));
        TestFiles.SetXattr(Path.Join(BaseDir, "tree/files/f002"), "user.origin", "lab+/<>&'"u8.ToArray());
        TestFiles.SetXattr(Path.Join(BaseDir, "tree/files"), "user.kind", [0, 1, 2]);
        if (Native.GetEuid() == 0)
        {
            Tools.Run("mknod", Path.Join(BaseDir, "tree/null"), "c", "1", "3");
            Tools.Run("mknod", Path.Join(BaseDir, "tree/loop"), "b", "7", "200");
        }
    }

    [Fact]
    public void The_record_of_a_tree_is_the_one_its_database_rows_give()
    {
        MakeTree();

        Snapshot("tree", "v1", new FileSpec("tree", false));

        RecordedAsInDatabase.Check(Engine, "tree", "v1");
        List<FileRecord> files = RecoveryRecords.Read(Engine.Context.Recovery.PathOf("tree", "v1")).Files.ToList();
        Assert.Contains(files, f => f is { RelativePath: "tree/\U0001F600-link", Type: EntryType.Hardlink, LinkTarget: "tree/files/f000" });
        Assert.Contains(files, f => f.RelativePath == "tree/caf\uDCE9.bin");
        Assert.True(files.FindIndex(f => f.RelativePath == "tree/\uFF21.bin") < files.FindIndex(f => f.RelativePath == "tree/\U0001F600.bin"));
    }

    [Fact]
    public void The_record_of_a_version_recorded_as_a_delta_or_sharing_a_list_is_the_one_its_database_rows_give()
    {
        MakeTree();
        Snapshot("tree", "v1", new FileSpec("tree", false));
        File.WriteAllBytes(Path.Join(BaseDir, "tree/files/f010"), "changed"u8.ToArray());
        File.Delete(Path.Join(BaseDir, "tree/files/f011"));
        Source("tree/files/added", "added"u8.ToArray());

        Snapshot("tree", "v2", new FileSpec("tree", false));
        Snapshot("tree", "v3", new FileSpec("tree", false));

        using (var database = new SqliteConnection($"Data Source={Path.Join(RootDir, "metadata", "snapshotter.db")};Mode=ReadOnly"))
        {
            database.Open();
            using SqliteCommand deltas = database.CreateCommand();
            deltas.CommandText = "SELECT count(*) FROM file_lists WHERE base_id IS NOT NULL";
            Assert.Equal(1L, deltas.ExecuteScalar());
        }

        RecordedAsInDatabase.Check(Engine, "tree", "v2");
        RecordedAsInDatabase.Check(Engine, "tree", "v3");
        Assert.Equal(RecoveryRecords.Read(Engine.Context.Recovery.PathOf("tree", "v2")).Files, RecoveryRecords.Read(Engine.Context.Recovery.PathOf("tree", "v3")).Files);
    }
}
