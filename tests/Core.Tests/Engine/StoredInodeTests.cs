using Snapshotter.Engine;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// storage/snapshot/xxh3/&lt;hex&gt; is shared by every restore of that content (and, when captured by hardlink,
/// is the user's own source file): restore links it only when it already carries the recorded attributes and
/// never changes its mode, mtime or bytes (docs/format.md: the Go library changes the mode and mtime of that shared inode).
/// </summary>
public sealed class StoredInodeTests : EngineTestBase
{
    private const long FirstMtime = 1_700_000_000_111_111_111;
    private const long SecondMtime = 1_710_000_000_222_222_222;
    private readonly byte[] _content = TestFiles.Pattern(50_000, 42);

    [Fact]
    public void Identical_content_with_other_mode_and_mtime_restores_as_a_private_copy_and_leaves_the_stored_inode_alone()
    {
        string first = Source("first/model.bin", _content, mode: 0x124, mtimeNs: FirstMtime);
        Snapshot("model", "v1", new FileSpec("first/model.bin", true));
        string second = Source("second/model.bin", _content, mode: 0x1B4, mtimeNs: SecondMtime);
        Snapshot("model", "v2", new FileSpec("second/model.bin", true));
        string stored = StoredPath(Spf1Reference.DigestOf(first));
        Inode storedBefore = Inode.Of(stored);
        Assert.True(storedBefore.IsSameAs(Inode.Of(first)));

        string output = Temp.Combine("out2");
        OperationStats stats = Restore("model", "v2", output);

        Inode restored = Inode.Of(Path.Join(output, "second/model.bin"));
        Assert.False(restored.IsSameAs(storedBefore), "restored through the stored inode although its attributes differ");
        Assert.Equal(0x1B4u, restored.Permissions);
        Assert.Equal(SecondMtime, restored.MtimeNs);
        Assert.Equal(_content, File.ReadAllBytes(Path.Join(output, "second/model.bin")));
        Assert.Equal(0, stats.FilesLinked);

        Inode storedAfter = Inode.Of(stored);
        Assert.True(storedAfter.IsSameAs(storedBefore));
        Assert.Equal(0x124u, storedAfter.Permissions);
        Assert.Equal(FirstMtime, storedAfter.MtimeNs);
        Assert.Equal(_content, File.ReadAllBytes(stored));

        // The first snapshot still restores as a link of the untouched inode.
        string output1 = Temp.Combine("out1");
        Assert.Equal(1, Restore("model", "v1", output1).FilesLinked);
        Assert.True(Inode.Of(Path.Join(output1, "first/model.bin")).IsSameAs(storedBefore));
    }

    [Fact]
    public void A_differing_mtime_alone_is_enough_to_restore_a_private_copy()
    {
        string first = Source("model.bin", _content, mode: 0x124, mtimeNs: FirstMtime);
        Snapshot("model", "v1", new FileSpec("model.bin", true));
        string stored = StoredPath(Spf1Reference.DigestOf(first));

        // The user touches the source after the snapshot: it is the stored inode, so that inode now differs from the record.
        TestFiles.SetMtimeNs(first, SecondMtime);

        string output = Temp.Combine("out");
        Restore("model", "v1", output);

        Inode restored = Inode.Of(Path.Join(output, "model.bin"));
        Assert.False(restored.IsSameAs(Inode.Of(stored)));
        Assert.Equal(FirstMtime, restored.MtimeNs);
        Assert.Equal(0x124u, restored.Permissions);
        Assert.Equal(SecondMtime, Inode.Of(stored).MtimeNs);
        Assert.Equal(SecondMtime, Inode.Of(first).MtimeNs);
    }

    [Fact]
    public void A_deleted_stored_file_is_recreated_from_content_with_the_recorded_attributes_and_linked()
    {
        string source = Source("model.bin", _content, mode: 0x1A4, mtimeNs: FirstMtime);
        Snapshot("model", "v1", new FileSpec("model.bin", true));
        string stored = StoredPath(Spf1Reference.DigestOf(source));
        File.Delete(stored);

        string output = Temp.Combine("out");
        OperationStats stats = Restore("model", "v1", output);

        Assert.True(File.Exists(stored));
        Inode recreated = Inode.Of(stored);
        Inode restored = Inode.Of(Path.Join(output, "model.bin"));
        Assert.True(restored.IsSameAs(recreated));
        Assert.False(recreated.IsSameAs(Inode.Of(source)));
        Assert.Equal(0x1A4u, recreated.Permissions);
        Assert.Equal(FirstMtime, recreated.MtimeNs);
        Assert.Equal(_content, File.ReadAllBytes(stored));
        Assert.Equal(1, stats.FilesLinked);
        Assert.Empty(TestFiles.TempFiles(RootDir));
    }

    [Fact]
    public void A_writable_entry_is_never_left_as_a_hardlink_of_the_stored_inode()
    {
        // v1 holds the file read-only, v2 the same file writable (same bytes, mode and mtime). Restoring v1 puts
        // a hardlink of the stored inode at out/model.bin; restoring v2 over it must leave a private copy there,
        // or writing to the "writable" file would rewrite the store (and the user's original source).
        string source = Source("model.bin", _content, mode: 0x1A4, mtimeNs: FirstMtime);
        Snapshot("model", "v1", new FileSpec("model.bin", true));
        Snapshot("model", "v2", new FileSpec("model.bin", false));
        Inode stored = Inode.Of(StoredPath(Spf1Reference.DigestOf(source)));

        string output = Temp.Combine("out");
        Restore("model", "v1", output);
        Assert.True(Inode.Of(Path.Join(output, "model.bin")).IsSameAs(stored));

        Restore("model", "v2", output, overwrite: true);

        Inode restored = Inode.Of(Path.Join(output, "model.bin"));
        Assert.False(restored.IsSameAs(stored), "the writable entry of v2 is the stored read-only inode");
        Assert.Equal(_content, File.ReadAllBytes(Path.Join(output, "model.bin")));
        Assert.Equal(FirstMtime, restored.MtimeNs);
    }

    [Fact]
    public void Overwriting_a_linked_file_with_other_content_replaces_the_link_and_never_writes_into_the_store()
    {
        string source = Source("model.bin", _content, mode: 0x124, mtimeNs: FirstMtime);
        Snapshot("model", "v1", new FileSpec("model.bin", true));
        string stored = StoredPath(Spf1Reference.DigestOf(source));
        byte[] other = TestFiles.Pattern(70_000, 43);
        Source("next/model.bin", other, mode: 0x1A4, mtimeNs: SecondMtime);
        Snapshot("model", "v2", new FileSpec("next/model.bin", false));

        string output = Temp.Combine("out");
        Restore("model", "v1", output);
        File.Move(Path.Join(output, "model.bin"), Path.Join(output, "placeholder"));
        Directory.CreateDirectory(Path.Join(output, "next"));
        File.Move(Path.Join(output, "placeholder"), Path.Join(output, "next/model.bin"));
        Assert.True(Inode.Of(Path.Join(output, "next/model.bin")).IsSameAs(Inode.Of(stored)));

        Restore("model", "v2", output, overwrite: true);

        Assert.Equal(other, File.ReadAllBytes(Path.Join(output, "next/model.bin")));
        Assert.False(Inode.Of(Path.Join(output, "next/model.bin")).IsSameAs(Inode.Of(stored)));
        Assert.Equal(_content, File.ReadAllBytes(stored));
        Assert.Equal(_content, File.ReadAllBytes(source));
        Assert.Equal(0x124u, Inode.Of(stored).Permissions);
        Assert.Equal(FirstMtime, Inode.Of(stored).MtimeNs);
    }

    [Fact]
    public void Restoring_many_times_never_changes_the_stored_inode()
    {
        string source = Source("model.bin", _content, mode: 0x124, mtimeNs: FirstMtime);
        Snapshot("model", "v1", new FileSpec("model.bin", true));
        Source("other/model.bin", _content, mode: 0x1FF, mtimeNs: SecondMtime);
        Snapshot("model", "v2", new FileSpec("other/model.bin", true));
        Snapshot("model", "v3", new FileSpec("other/model.bin", false));
        string stored = StoredPath(Spf1Reference.DigestOf(source));
        Inode before = Inode.Of(stored);

        for (int i = 0; i < 3; i++)
        {
            foreach (string version in new[] { "v1", "v2", "v3" })
            {
                Restore("model", version, Temp.Combine($"out-{version}"), overwrite: true);
            }
        }

        Inode after = Inode.Of(stored);
        Assert.True(after.IsSameAs(before));
        Assert.Equal(before.Permissions, after.Permissions);
        Assert.Equal(before.MtimeNs, after.MtimeNs);
        Assert.Equal(before.Uid, after.Uid);
        Assert.Equal(_content, File.ReadAllBytes(stored));
    }
}
