using Snapshotter.Content;
using Snapshotter.IO;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Content;

/// <summary>An operation's pending area: new content written there, renamed into the content directory, and nothing
/// left behind by it, whether it finishes, fails or its owner dies.</summary>
public sealed class PendingAreaTests : IDisposable
{
    private const string Token = "0123456789abcdef";
    private readonly TempDirectory _temp = new();
    private readonly ContentStore _store;

    public PendingAreaTests() => _store = new ContentStore(_temp.Combine("root"), Token);

    public void Dispose() => _temp.Dispose();

    private IngestResult Ingest(PendingArea area, string name, byte[] bytes)
    {
        string path = _temp.Combine("src", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        using UnixFile file = UnixFile.OpenRead(path);
        return _store.Ingest(file, file.Stat(), readOnly: false, new byte[64 << 10], onDataBytes: null, CancellationToken.None, area: area);
    }

    /// <summary>Gives <paramref name="directory"/> a default ACL of just the owner, group and other entries (permission
    /// bits 0-7 each); false where the filesystem keeps no ACLs.</summary>
    private static bool TrySetDefaultAcl(string directory, ushort user, ushort group, ushort other)
    {
        const int AclVersion = 2;
        const ushort UserObj = 0x01, GroupObj = 0x04, Other = 0x20;
        var acl = new byte[4 + (3 * 8)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(acl, AclVersion);
        int at = 4;
        foreach ((ushort tag, ushort perm) in new[] { (UserObj, user), (GroupObj, group), (Other, other) })
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(acl.AsSpan(at), tag);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(acl.AsSpan(at + 2), perm);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(acl.AsSpan(at + 4), uint.MaxValue);
            at += 8;
        }

        try
        {
            TestFiles.SetXattr(directory, "system.posix_acl_default", acl);
            return true;
        }
        catch (IOException e) when (e.Message.EndsWith("errno 95", StringComparison.Ordinal))
        {
            return false;
        }
    }

    private List<string> ContentNames() => [.. Directory.EnumerateFileSystemEntries(_store.ContentDir).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    [Fact]
    public void New_content_waits_in_the_area_not_in_the_content_directory_and_is_placed_with_its_spf1_bytes()
    {
        using PendingArea area = _store.OpenPendingArea();
        string source = _temp.Combine("src", "a");
        IngestResult result = Ingest(area, "a", TestFiles.Pattern(10_000, 1));

        string pending = area.PathOf(result.PendingId!.Value);
        Assert.StartsWith(area.Root + "/", pending, StringComparison.Ordinal);
        Assert.Equal(Spf1Reference.Encode(source), File.ReadAllBytes(pending));
        Assert.Equal(0x124u, Inode.Of(pending).Permissions);
        Assert.Equal([Path.GetFileName(area.Root)], ContentNames());
        Assert.StartsWith($"{ContentStore.TempContentPrefix}{Token}-", Path.GetFileName(area.Root), StringComparison.Ordinal);

        Assert.True(area.Place(result.PendingId!.Value, result.Digest));

        Assert.False(File.Exists(pending));
        Assert.Equal(Spf1Reference.Encode(source), File.ReadAllBytes(_store.ContentPath(result.Digest)));
        Assert.Equal(Spf1Reference.DigestOf(source), result.Digest.ToString());
    }

    [Fact]
    public void Content_is_read_only_for_everyone_where_a_default_acl_takes_bits_from_new_files()
    {
        // user::rwx group::r-x other::--- : a file created 0444 beneath the content directory would be 0440.
        if (!TrySetDefaultAcl(_store.ContentDir, user: 7, group: 5, other: 0))
        {
            return;
        }

        using PendingArea area = _store.OpenPendingArea();
        string source = _temp.Combine("src", "acl");
        IngestResult result = Ingest(area, "acl", TestFiles.Pattern(4000, 7));
        Assert.Equal(0x124u, Inode.Of(area.PathOf(result.PendingId!.Value)).Permissions);

        Assert.True(area.Place(result.PendingId!.Value, result.Digest));

        Assert.Equal(0x124u, Inode.Of(_store.ContentPath(result.Digest)).Permissions);
        Assert.Equal(Spf1Reference.Encode(source), File.ReadAllBytes(_store.ContentPath(result.Digest)));
    }

    [Fact]
    public void Placing_content_another_writer_stored_first_keeps_that_object_and_drops_the_copy()
    {
        using PendingArea first = _store.OpenPendingArea();
        using PendingArea second = _store.OpenPendingArea();
        byte[] bytes = TestFiles.Pattern(5000, 2);
        IngestResult one = Ingest(first, "one", bytes);
        IngestResult two = Ingest(second, "two", bytes);
        Assert.NotEqual(first.Root, second.Root);

        Assert.True(first.Place(one.PendingId!.Value, one.Digest));
        Inode placed = Inode.Of(_store.ContentPath(one.Digest));
        Assert.False(second.Place(two.PendingId!.Value, two.Digest));

        Assert.Equal(placed, Inode.Of(_store.ContentPath(two.Digest)));
        Assert.False(File.Exists(second.PathOf(two.PendingId!.Value)));
    }

    /// <summary>Makes <paramref name="area"/> skip its lookups (<see cref="PendingArea.LikelyHasContent"/>): 64 new objects
    /// in a row, dropped.</summary>
    private void IngestNewUntilLookupsAreSkipped(PendingArea area)
    {
        for (int i = 0; i < 64; i++)
        {
            IngestResult result = Ingest(area, $"new{i}", TestFiles.Pattern(100, 500 + i));
            area.Drop(result.PendingId!.Value);
        }
    }

    [Fact]
    public void Stored_content_not_looked_up_after_new_objects_in_a_row_is_found_by_the_rename_which_keeps_the_stored_object()
    {
        byte[] bytes = TestFiles.Pattern(5000, 8);
        using (PendingArea first = _store.OpenPendingArea())
        {
            IngestResult stored = Ingest(first, "stored", bytes);
            Assert.True(first.Place(stored.PendingId!.Value, stored.Digest));
        }

        using PendingArea area = _store.OpenPendingArea();
        IngestResult looked = Ingest(area, "looked", bytes);
        Assert.Null(looked.PendingId);
        IngestNewUntilLookupsAreSkipped(area);
        Inode placed = Inode.Of(_store.ContentPath(looked.Digest));

        IngestResult unlooked = Ingest(area, "unlooked", bytes);
        Assert.NotNull(unlooked.PendingId);
        Assert.False(area.Place(unlooked.PendingId!.Value, unlooked.Digest));

        Assert.Equal(placed, Inode.Of(_store.ContentPath(unlooked.Digest)));
        Assert.False(File.Exists(area.PathOf(unlooked.PendingId!.Value)));
        // An object found by a rename makes every lookup count again.
        Assert.Null(Ingest(area, "again", bytes).PendingId);
    }

    [Fact]
    public void A_damaged_object_at_the_digests_name_is_taken_as_stored_whether_looked_up_or_found_by_the_rename()
    {
        byte[] bytes = TestFiles.Pattern(5000, 9);
        using PendingArea area = _store.OpenPendingArea();
        IngestResult first = Ingest(area, "first", bytes);
        area.Drop(first.PendingId!.Value);
        string damaged = _store.ContentPath(first.Digest);
        File.WriteAllBytes(damaged, [1, 2, 3]);
        Inode before = Inode.Of(damaged);

        Assert.Null(Ingest(area, "looked", bytes).PendingId);
        IngestNewUntilLookupsAreSkipped(area);
        IngestResult unlooked = Ingest(area, "unlooked", bytes);
        Assert.NotNull(unlooked.PendingId);
        Assert.False(area.Place(unlooked.PendingId!.Value, unlooked.Digest));

        Assert.Equal(before, Inode.Of(damaged));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(damaged));
        Assert.False(File.Exists(area.PathOf(unlooked.PendingId!.Value)));
    }

    [Fact]
    public void Disposing_removes_the_area_with_the_content_never_placed_and_keeps_what_was()
    {
        PendingArea area = _store.OpenPendingArea();
        IngestResult placed = Ingest(area, "placed", TestFiles.Pattern(3000, 3));
        IngestResult dropped = Ingest(area, "dropped", TestFiles.Pattern(3000, 4));
        area.Place(placed.PendingId!.Value, placed.Digest);

        area.Dispose();

        Assert.Equal([placed.Digest.Hex], ContentNames());
        Assert.False(_store.HasContent(dropped.Digest));
    }

    [Fact]
    public void The_area_of_an_owner_that_died_is_removed_with_its_other_temporary_files()
    {
        PendingArea area = _store.OpenPendingArea();
        IngestResult left = Ingest(area, "left", TestFiles.Pattern(3000, 5));
        Assert.True(File.Exists(area.PathOf(left.PendingId!.Value)));

        int removed = _store.DeleteAbandonedTemps(token => token != Token);

        Assert.Equal(1, removed);
        Assert.Empty(ContentNames());
        area.Dispose();
    }

    [Fact]
    public void The_area_of_an_owner_still_alive_stays()
    {
        using PendingArea area = _store.OpenPendingArea();
        IngestResult waiting = Ingest(area, "waiting", TestFiles.Pattern(3000, 6));

        Assert.Equal(0, _store.DeleteAbandonedTemps(token => token == Token));

        Assert.True(File.Exists(area.PathOf(waiting.PendingId!.Value)));
    }
}
