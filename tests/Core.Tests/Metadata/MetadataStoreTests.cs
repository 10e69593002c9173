using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Metadata;

public sealed class MetadataStoreTests : IDisposable
{
    private const long Now = 1_767_000_000_123_456_789;
    private readonly TempDirectory _temp = new();
    private readonly string _dir;

    public MetadataStoreTests()
    {
        _dir = _temp.CreateDirectory("metadata");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private MetadataStore Open() => MetadataStore.Open(_dir);

    private static FileRecord File(string path, ulong digest, bool readOnly = false, uint mode = 0x1A4, uint uid = 0, uint gid = 0, long size = 12, long mtimeNs = Now, int offsetSeconds = 0) =>
        new(path, new Digest(digest), readOnly, mode, uid, gid, size, mtimeNs, offsetSeconds, EntryType.Regular);

    private static ContentRecord[] ContentOf(params FileRecord[] files) =>
        files.Where(f => f.HasContent).Select(f => f.ContentDigest).Distinct().Select(d => new ContentRecord(d, 12, 48)).ToArray();

    private static long Pending(MetadataStore store, string name, string version, long now = Now) =>
        store.InsertPending(name, version, now, LiveOwner, _ => true);

    /// <summary>An owner token whose liveness the tests decide through the callback they pass.</summary>
    private const string LiveOwner = "00000000000000aa";

    /// <summary>One entry of each type without content, a hardlink, extended attributes and names that are not UTF-8.</summary>
    internal static readonly FileRecord[] TreeEntries =
    [
        new("t", null, false, 0xFED, 0, 0, 0, Now, 3600, EntryType.Directory, Xattrs: new([new("user.b", [1, 2]), new("user.a", [])])),
        new("t/link", null, false, 0x1FF, 1, 2, 0, 4, 3600, EntryType.Symlink, LinkTarget: "../outside/\uDCFF\uDC80target"),
        new("t/hard", new Digest(0xabc), true, 0x124, 0, 0, 0, -1_500_000_001, -18000, EntryType.Hardlink, LinkTarget: "z/last"),
        new("t/null", null, false, 0x1B6, 0, 0, 0, Now, 0, EntryType.CharacterDevice, DeviceMajor: 1, DeviceMinor: 3),
        new("t/disk", null, false, 0x1B0, 0, 6, 0, Now, 0, EntryType.BlockDevice, DeviceMajor: 0xFFF, DeviceMinor: 0xFFFFF),
        new("t/fifo\uDCE9", null, false, 0x1A4, 0, 0, 0, Now, 0, EntryType.Fifo),
        new("t/caf\uDCE9", new Digest(0x3), false, 0xDED, 0, 0, 5, Now, 0, EntryType.Regular, Xattrs: new([new("security.capability", new byte[20])])),
    ];

    [Fact]
    public void A_pending_snapshot_is_not_visible()
    {
        MetadataStore store = Open();
        long id = Pending(store, "snap", "v1");

        Assert.Null(store.FindCommitted("snap", "v1"));
        Assert.Empty(store.GetFiles(id));
    }

    [Fact]
    public void Commit_makes_the_snapshot_and_every_field_of_every_file_visible()
    {
        MetadataStore store = Open();
        long id = Pending(store, "snap", "v1", Now - 1000);
        FileRecord[] files =
        [
            new("z/last", new Digest(0xabc), ReadOnly: true, Mode: 0x124, Uid: 0, Gid: 0, Size: 0, ModificationTimeNs: -1_500_000_001, ModificationTimeOffsetSeconds: -18000, Type: EntryType.Regular),
            new("a/first", new Digest(0xffffffffffffffff), ReadOnly: false, Mode: 0x1ED, Uid: 4_294_967_294, Gid: 65534, Size: 1L << 40, ModificationTimeNs: Now, ModificationTimeOffsetSeconds: 28800, Type: EntryType.Regular),
            new("m/é ü/x", new Digest(0x1), ReadOnly: false, Mode: 0x180, Uid: 1000, Gid: 1001, Size: 12, ModificationTimeNs: 999_999_999, ModificationTimeOffsetSeconds: 0, Type: EntryType.Regular),
            .. TreeEntries,
        ];

        store.Commit(id, files, ContentOf(files), Now);

        SnapshotRecord? snapshot = store.FindCommitted("snap", "v1");
        Assert.Equal(new SnapshotRecord(id, "snap", "v1", Now, Now), snapshot);
        Assert.Equal(files.OrderBy(f => f.RelativePath, StringComparer.Ordinal), store.GetFiles(id));
        Assert.Null(store.FindCommitted("snap", "v2"));
        Assert.Null(store.FindCommitted("snap2", "v1"));
    }

    [Fact]
    public void A_failed_commit_leaves_the_snapshot_pending_without_any_file()
    {
        MetadataStore store = Open();
        long id = Pending(store, "snap", "v1");
        FileRecord good = File("good", 0x1);
        FileRecord duplicate = File("good", 0x2);

        Assert.ThrowsAny<SqliteException>(() => store.Commit(id, [good, duplicate], ContentOf(good, duplicate), Now));
        Assert.Null(store.FindCommitted("snap", "v1"));
        Assert.Empty(store.GetFiles(id));

        // Nothing half-written blocks a correct commit afterwards.
        store.Commit(id, [good], ContentOf(good), Now);
        Assert.Equal([good], store.GetFiles(store.FindCommitted("snap", "v1")!.Id));
    }

    [Fact]
    public void Files_referencing_unrecorded_content_are_refused()
    {
        MetadataStore store = Open();
        long id = Pending(store, "snap", "v1");

        Assert.ThrowsAny<SqliteException>(() => store.Commit(id, [File("a", 0x1)], [], Now));
        Assert.Null(store.FindCommitted("snap", "v1"));
    }

    [Fact]
    public void Readers_never_see_a_committed_snapshot_without_all_of_its_files()
    {
        MetadataStore writer = Open();
        MetadataStore reader = Open();
        const int FileCount = 3000;
        FileRecord[] files = Enumerable.Range(0, FileCount).Select(i => File($"f{i:D5}", (ulong)(i % 7) + 1)).ToArray();
        long id = Pending(writer, "big", "v1");
        var counts = new ConcurrentBag<int>();
        using var done = new ManualResetEventSlim();

        var poller = new Thread(() =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                if (reader.FindCommitted("big", "v1") is { } found)
                {
                    counts.Add(reader.GetFiles(found.Id).Count);
                    if (done.IsSet)
                    {
                        return;
                    }
                }
                else
                {
                    counts.Add(-1);
                }
            }
        });
        poller.Start();

        writer.Commit(id, files, ContentOf(files), Now);
        done.Set();
        Assert.True(poller.Join(TimeSpan.FromSeconds(30)));

        Assert.Contains(FileCount, counts);
        Assert.All(counts, c => Assert.True(c is -1 or FileCount, $"a reader saw {c} of {FileCount} files"));
    }

    [Fact]
    public void Inserting_an_existing_pending_name_version_is_already_exists()
    {
        MetadataStore store = Open();
        Pending(store, "snap", "v1");

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => Pending(store, "snap", "v1"));
        Assert.Contains("snap:v1", e.Message, StringComparison.Ordinal);
        Assert.True(Pending(store, "snap", "v2") > 0);
        Assert.True(Pending(store, "snap2", "v1") > 0);
    }

    [Fact]
    public void Inserting_an_existing_committed_name_version_is_already_exists()
    {
        MetadataStore store = Open();
        long id = Pending(store, "snap", "v1");
        store.Commit(id, [], [], Now);

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => Pending(store, "snap", "v1"));
        Assert.Contains("snap:v1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeletePending_frees_a_pending_name_but_never_deletes_a_committed_snapshot()
    {
        MetadataStore store = Open();
        long pending = Pending(store, "snap", "pending");
        store.DeletePending(pending);
        Assert.Null(store.FindCommitted("snap", "pending"));
        long again = Pending(store, "snap", "pending");
        store.Commit(again, [], [], Now);
        Assert.Equal(again, store.FindCommitted("snap", "pending")?.Id);

        long committed = Pending(store, "snap", "committed");
        FileRecord file = File("a", 0x1);
        store.Commit(committed, [file], ContentOf(file), Now);
        store.DeletePending(committed);

        Assert.Equal(committed, store.FindCommitted("snap", "committed")?.Id);
        Assert.Equal([file], store.GetFiles(committed));
        Expect.Error(ErrorCode.AlreadyExists, () => Pending(store, "snap", "committed"));
    }

    [Fact]
    public void A_reservation_of_a_dead_owner_is_taken_over_and_one_of_a_live_owner_is_not()
    {
        MetadataStore store = Open();
        store.InsertPending("snap", "v1", Now, "00000000000000d1", _ => true);

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => store.InsertPending("snap", "v1", Now, "00000000000000d2", owner => owner == "00000000000000d1"));
        Assert.Contains("snap:v1", e.Message, StringComparison.Ordinal);

        long taken = store.InsertPending("snap", "v1", Now, "00000000000000d2", _ => false);
        store.Commit(taken, [], [], Now);
        Assert.Equal(taken, store.FindCommitted("snap", "v1")?.Id);

        // A committed snapshot has no owner to outlive: it is never taken over.
        Expect.Error(ErrorCode.AlreadyExists, () => store.InsertPending("snap", "v1", Now, "00000000000000d3", _ => false));
        Assert.Equal(taken, store.FindCommitted("snap", "v1")?.Id);
    }

    [Fact]
    public void DeleteAbandonedPending_drops_only_dead_owners_pending_reservations()
    {
        MetadataStore store = Open();
        store.InsertPending("snap", "dead", Now, "00000000000000d1", _ => true);
        store.InsertPending("snap", "live", Now, "00000000000000a1", _ => true);
        long committed = store.InsertPending("snap", "committed", Now, "00000000000000d1", _ => true);
        store.Commit(committed, [], [], Now);

        Assert.Equal(1, store.DeleteAbandonedPending(owner => owner == "00000000000000a1"));

        store.InsertPending("snap", "dead", Now, "00000000000000a2", _ => true);
        Expect.Error(ErrorCode.AlreadyExists, () => store.InsertPending("snap", "live", Now, "00000000000000a2", owner => owner == "00000000000000a1"));
        Assert.Equal(committed, store.FindCommitted("snap", "committed")?.Id);
    }

    [Fact]
    public void Touch_only_moves_last_used_forward()
    {
        MetadataStore store = Open();
        long id = Pending(store, "snap", "v1");
        store.Commit(id, [], [], Now);

        store.Touch(id, Now + 100);
        Assert.Equal(Now + 100, store.FindCommitted("snap", "v1")!.LastUsedNs);

        store.Touch(id, Now + 50);
        store.Touch(id, Now - 1_000_000);
        SnapshotRecord record = store.FindCommitted("snap", "v1")!;
        Assert.Equal(Now + 100, record.LastUsedNs);
        Assert.Equal(Now, record.CreatedNs);
    }

    [Fact]
    public void Committed_snapshots_survive_reopening()
    {
        MetadataStore first = Open();
        long id = Pending(first, "snap", "v1");
        FileRecord file = File("dir/file", 0x5e0ba398f628c5e4, readOnly: true, mode: 0x1A4, size: 12);
        first.Commit(id, [file], ContentOf(file), Now);
        SqliteConnection.ClearAllPools();

        MetadataStore second = Open();
        Assert.Equal(id, second.FindCommitted("snap", "v1")?.Id);
        Assert.Equal([file], second.GetFiles(id));
    }

    [Fact]
    public void A_schema_newer_than_supported_is_unsupported()
    {
        MetadataStore store = Open();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.Path, Pooling = false }.ToString()))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        SnapshotterException e = Expect.Error(ErrorCode.Unsupported, () => Open());
        Assert.Contains(store.Path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"up to {MetadataSchema.Version}", e.Message, StringComparison.Ordinal);
    }

    private void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private const string Boot = "6b1f0e7a-3c2d-4e5f-8a9b-0c1d2e3f4a5b";

    /// <summary>The remembered digests found for <paramref name="inodes"/>, by index (null where none was); each index is
    /// reported at most once.</summary>
    private static RememberedDigest?[] Find(MetadataStore store, string boot, IReadOnlyList<(ulong Device, ulong Inode)> inodes)
    {
        var found = new RememberedDigest?[inodes.Count];
        store.FindRememberedDigests(boot, inodes, (i, entry) =>
        {
            Assert.Null(found[i]);
            found[i] = entry;
        });
        return found;
    }

    private static RememberedDigest Remembered(ulong inode, ulong digest, long usedNs) =>
        new(new FileIdentity(2049, inode, 12, Now - 10, Now - 5, 0x81A4), new Digest(digest), Now, usedNs);

    [Fact]
    public void A_schema_2_database_gains_the_remembered_digests_and_keeps_its_snapshots()
    {
        // Schema 3 only added the remembered digests to schema 2.
        string path = Path.Join(_dir, MetadataStore.DatabaseFileName);
        Execute(path, SchemaThree + "DROP TABLE file_identities; PRAGMA user_version = 2;");

        MetadataStore migrated = Open();

        Assert.Equal(3, migrated.GetFiles(migrated.FindCommitted("vm", "a")!.Id).Count);
        Assert.Empty(migrated.CheckIntegrity());
        Assert.Equal(0, migrated.CountRememberedDigests());
        migrated.SaveRememberedDigests(Boot, [Remembered(7, 0xabc, Now)], [], [], Now, maxEntries: 10);
        Assert.Equal(new Digest(0xabc), Find(migrated, Boot, [(2049, 7)])[0]?.Digest);
    }

    /// <summary>A database of schema 3 as the library wrote it, with snapshots, a pending one and leases.</summary>
    private static string SchemaThree => System.IO.File.ReadAllText(Path.Join(AppContext.BaseDirectory, "Metadata", "testdata", "schema3.sql"));

    private static long Count(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public void A_schema_3_database_gets_shared_file_lists_pin_sets_and_tree_columns_and_keeps_everything_it_held()
    {
        string path = Path.Join(_dir, MetadataStore.DatabaseFileName);
        Execute(path, SchemaThree);

        MetadataStore store = Open();

        Assert.Equal(MetadataSchema.Version, Count(path, "PRAGMA user_version"));
        Assert.Empty(store.CheckIntegrity());
        const long Mtime = 1793527200123456789;
        FileRecord x = new("x.txt", new Digest(0x50d6615c4b0048f2), false, 420, 0, 0, 10, Mtime, 0, 0);
        FileRecord y = new("dir/y.txt", new Digest(0xbb780dbe8a349bd3), false, 416, 0, 0, 6, Mtime, 0, 0);
        FileRecord z = new("dir/z.bin", new Digest(0x28d5d6257474140c), true, 420, 0, 0, 5000, Mtime, 0, 0);
        FileRecord changed = y with { Digest = new Digest(0x29bf21d2b64862f8), Size = 12, ModificationTimeNs = 1793613600000000000 };
        Assert.Equal([y, z, x], store.GetFiles(store.FindCommitted("vm", "a")!.Id));
        Assert.Equal([y, z, x], store.GetFiles(store.FindCommitted("vm", "b")!.Id));
        Assert.Equal([changed, z, x], store.GetFiles(store.FindCommitted("vm", "c")!.Id));
        Assert.Equal([x], store.GetFiles(store.FindCommitted("other", "1")!.Id));
        Assert.Equal(3, Count(path, "SELECT count(*) FROM file_lists"));
        Assert.Equal(7, Count(path, "SELECT count(*) FROM files"));
        Assert.Equal(
            [("other", "1", 1L, 10L, 46L), ("vm", "a", 3L, 5016L, 5124L), ("vm", "b", 3L, 5016L, 5124L), ("vm", "c", 3L, 5022L, 5130L)],
            store.ListCommitted().Select(s => (s.Snapshot.Name, s.Snapshot.Version, s.Files, s.Bytes, s.StoredBytes)));

        // The pending reservation and the leases are still there, the pins of the live owner's lease still pin.
        Assert.Null(store.FindCommitted("vm", "d"));
        Expect.Error(ErrorCode.AlreadyExists, () => store.InsertPending("vm", "d", Now, "another", owner => owner == "live"));
        GcInventory inventory = store.ReadInventory(owner => owner == "live");
        Assert.True(inventory.IsPinned(new Digest(0x29bf21d2b64862f8)));
        Assert.True(inventory.IsPinned(new Digest(0xbb780dbe8a349bd3)));
        Assert.False(inventory.IsPinned(new Digest(0x50d6615c4b0048f2)));
        Assert.Equal([3L], inventory.Snapshots.Where(s => s.Pinned).Select(s => s.Id));

        // The shared list outlives the first of its snapshots and goes with the second, its rows with it.
        store.DeleteCommitted("vm", "a");
        Assert.Equal([y, z, x], store.GetFiles(store.FindCommitted("vm", "b")!.Id));
        DeletedSnapshot deleted = store.DeleteCommitted("vm", "b")!;
        Assert.Equal(3, deleted.Files);
        Assert.Equal(2, Count(path, "SELECT count(*) FROM file_lists"));
        Assert.Equal(4, Count(path, "SELECT count(*) FROM files"));
        var removed = new List<Digest>();
        store.ReleaseUnreferenced(deleted.Digests, owner => owner == "live", removed.Add);
        Assert.Empty(removed);
        store.ReleaseUnreferenced(deleted.Digests, _ => false, removed.Add);
        Assert.Equal([new Digest(0xbb780dbe8a349bd3)], removed);
        Assert.Empty(store.CheckIntegrity());
    }

    [Fact]
    public void Identical_file_lists_are_recorded_once_and_go_with_their_last_snapshot()
    {
        MetadataStore store = Open();
        FileRecord[] files = [File("a", 0x1), File("b/c", 0x2, readOnly: true), File("d", 0x1, size: 7)];
        store.Commit(Pending(store, "snap", "v1"), files, ContentOf(files), Now);
        store.Commit(Pending(store, "snap", "v2"), files.Reverse().ToArray(), ContentOf(files), Now + 1);
        FileRecord[] other = [files[0], files[1], files[2] with { Mode = 0x180 }];
        store.Commit(Pending(store, "snap", "v3"), other, ContentOf(other), Now + 2);

        Assert.Equal(2, Count(store.Path, "SELECT count(*) FROM file_lists"));
        Assert.Equal(6, Count(store.Path, "SELECT count(*) FROM files"));
        Assert.Equal(store.GetFiles(store.FindCommitted("snap", "v1")!.Id), store.GetFiles(store.FindCommitted("snap", "v2")!.Id));
        Assert.Equal(other.OrderBy(f => f.RelativePath, StringComparer.Ordinal), store.GetFiles(store.FindCommitted("snap", "v3")!.Id));

        // Eviction deletes through another path than a delete; the list goes all the same once nothing names it.
        store.DeleteCommitted("snap", "v1");
        Assert.Equal(2, Count(store.Path, "SELECT count(*) FROM file_lists"));
        GcInventory inventory = store.ReadInventory(_ => false);
        Assert.Equal(2, store.DeleteSnapshots(inventory.Snapshots.ToList(), _ => false).Count);
        Assert.Equal(0, Count(store.Path, "SELECT count(*) FROM file_lists"));
        Assert.Equal(0, Count(store.Path, "SELECT count(*) FROM files"));
        Assert.Empty(store.CheckIntegrity());
    }

    [Fact]
    public void A_list_already_recorded_commits_without_checking_its_content_and_a_new_one_is_checked()
    {
        MetadataStore store = Open();
        FileRecord[] files = [File("a", 0x1), File("b", 0x2)];
        store.Commit(Pending(store, "snap", "v1"), files, ContentOf(files), Now);

        // A committed snapshot references the list: its content cannot be released while the commit holds the write lock.
        Assert.Empty(store.Commit(Pending(store, "snap", "v2"), files, ContentOf(files), Now, isContentPresent: _ => false));
        FileRecord[] grown = [.. files, File("c", 0x3)];
        long pending = Pending(store, "snap", "v3");
        Assert.Equal([new Digest(0x3)], store.Commit(pending, grown, ContentOf(grown), Now, isContentPresent: d => d.Value != 0x3));
        Assert.Null(store.FindCommitted("snap", "v3"));
        Assert.Equal(1, Count(store.Path, "SELECT count(*) FROM file_lists"));
    }

    [Fact]
    public void Pins_of_every_call_and_lease_hold_until_their_owner_is_gone()
    {
        MetadataStore store = Open();
        FileRecord[] files = [File("a", 0x1), File("b", 0x2), File("c", 0x3), File("d", 0x4)];
        store.Commit(Pending(store, "snap", "v1"), files, ContentOf(files), Now);
        long first = store.CreateLease("owner-1", "test", Now);
        long second = store.CreateLease("owner-2", "test", Now);
        store.PinContent(first, [new Digest(0x1), new Digest(0x1)]);
        store.PinContent(first, [new Digest(0x2)]);
        store.PinContent(first, []);
        store.PinContent(second, [new Digest(0x3), new Digest(0xffffffffffffffff)]);
        store.DeleteCommitted("snap", "v1");
        Digest[] all = files.Select(f => f.ContentDigest).ToArray();
        var removed = new List<Digest>();

        store.ReleaseUnreferenced(all, owner => owner is "owner-1" or "owner-2", removed.Add);
        Assert.Equal([new Digest(0x4)], removed);
        store.ReleaseUnreferenced(all[..3], owner => owner == "owner-1", removed.Add);
        Assert.Equal([new Digest(0x4), new Digest(0x3)], removed);
        Assert.True(store.ReadInventory(owner => owner == "owner-2").IsPinned(new Digest(0xffffffffffffffff)));
        store.DeleteLease(first);
        store.ReleaseUnreferenced(all[..2], _ => true, removed.Add);
        Assert.Equal([new Digest(0x4), new Digest(0x3), new Digest(0x1), new Digest(0x2)], removed);
    }

    [Fact]
    public void Remembered_digests_keep_one_row_per_inode_and_full_inode_numbers()
    {
        MetadataStore store = Open();
        store.SaveRememberedDigests(Boot, [Remembered(ulong.MaxValue, 0x1, Now), Remembered(ulong.MaxValue, 0x2, Now + 1)], [], [], Now, maxEntries: 10);

        Assert.Equal(1, store.CountRememberedDigests());
        RememberedDigest found = Find(store, Boot, [(2049, ulong.MaxValue)])[0]!.Value;
        Assert.Equal(new Digest(0x2), found.Digest);
        Assert.Equal(ulong.MaxValue, found.Identity.Inode);
        Assert.Equal([null], Find(store, "another boot", [(2049, ulong.MaxValue)]));
    }

    [Fact]
    public void Remembered_digests_are_found_by_index_across_devices_gaps_and_other_boots()
    {
        MetadataStore store = Open();
        // Runs of neighbouring inodes, gaps longer than a lookup steps over, inodes and devices from 2^63 up (negative as
        // the table stores them), and rows of another boot between the ones asked for.
        ulong[] devices = [2049, 7, ulong.MaxValue];
        ulong[] inodes = [.. Enumerable.Range(1, 80).Select(i => (ulong)i), .. Enumerable.Range(0, 10).Select(i => 1000 + (ulong)i * 97),
            (1UL << 63) + 5, ulong.MaxValue - 1, ulong.MaxValue];
        var remembered = new Dictionary<(ulong, ulong), RememberedDigest>();
        var otherBoot = new List<RememberedDigest>();
        int n = 0;
        foreach (ulong device in devices)
        {
            foreach (ulong inode in inodes)
            {
                var entry = new RememberedDigest(new FileIdentity(device, inode, n, Now - n, Now - 5, 0x81A4), new Digest((ulong)n + 1), Now, Now + n);
                if (n++ % 3 == 0)
                {
                    otherBoot.Add(entry);
                }
                else if (n % 5 != 0)
                {
                    remembered[(device, inode)] = entry;
                }
            }
        }

        store.SaveRememberedDigests("another boot", otherBoot, [], [], Now, maxEntries: 1000);
        store.SaveRememberedDigests(Boot, remembered.Values.ToArray(), [], [], Now, maxEntries: 1000);
        // Not asked: a run of rows on one device longer than a lookup steps over before it seeks again.
        (ulong, ulong)[] asked = [.. devices.SelectMany(d => inodes.Where(i => d != 2049 || i is < 5 or > 70).Select(i => (d, i))).Reverse(),
            (2049, 3), (2049, 3), (8, 1), (2049, 81), (2049, 999_999)];

        RememberedDigest?[] found = Find(store, Boot, asked);

        Assert.Equal(asked.Select(k => remembered.TryGetValue(k, out RememberedDigest entry) ? entry : (RememberedDigest?)null), found);
        Assert.True(found.Count(f => f is not null) > 60);
    }

    [Fact]
    public void Beyond_the_bound_the_least_recently_used_remembered_digests_go_first()
    {
        MetadataStore store = Open();
        store.SaveRememberedDigests(Boot, Enumerable.Range(1, 10).Select(i => Remembered((ulong)i, (ulong)i, Now + i)).ToArray(), [], [], Now, maxEntries: 10);
        store.SaveRememberedDigests(Boot, [], [Remembered(1, 1, Now + 1).Identity], [], Now + 100, maxEntries: 10);
        store.SaveRememberedDigests(Boot, [Remembered(11, 11, Now + 11)], [], [], Now, maxEntries: 10);

        Assert.Equal(9, store.CountRememberedDigests());
        RememberedDigest?[] left = Find(store, Boot, Enumerable.Range(1, 11).Select(i => ((ulong)2049, (ulong)i)).ToArray());
        Assert.Equal([1UL, 4, 5, 6, 7, 8, 9, 10, 11], left.Where(r => r is not null).Select(r => r!.Value.Identity.Inode).ToArray());
    }

    [Fact]
    public void A_remembered_digest_is_marked_without_xattrs_only_at_the_identity_they_were_listed_at()
    {
        MetadataStore store = Open();
        RememberedDigest first = Remembered(1, 1, Now), second = Remembered(2, 2, Now);
        store.SaveRememberedDigests(Boot, [first, second], [], [], Now, maxEntries: 10);
        FileIdentity secondSinceChanged = second.Identity with { ChangeTimeNs = second.Identity.ChangeTimeNs + 1 };
        store.SaveRememberedDigests(Boot, [], [], [first.Identity, secondSinceChanged], Now, maxEntries: 10);

        Assert.Equal([true, false], Find(store, Boot, [(2049, 1), (2049, 2)]).Select(r => r!.Value.WithoutXattrs));

        // Read again and remembered without that knowledge: the mark goes with the old row.
        store.SaveRememberedDigests(Boot, [first with { Digest = new Digest(3) }], [], [], Now, maxEntries: 10);
        Assert.False(Find(store, Boot, [(2049, 1)])[0]!.Value.WithoutXattrs);
        store.SaveRememberedDigests(Boot, [first with { WithoutXattrs = true }], [], [], Now, maxEntries: 10);
        Assert.True(Find(store, Boot, [(2049, 1)])[0]!.Value.WithoutXattrs);
    }

    [Fact]
    public void Opening_a_fresh_database_from_many_threads_at_once_succeeds()
    {
        var errors = new ConcurrentBag<Exception>();
        using var start = new Barrier(8);
        Thread[] threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                MetadataStore store = Open();
                Assert.Null(store.FindCommitted("none", "v1"));
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        })).ToArray();
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            Assert.True(t.Join(TimeSpan.FromSeconds(60)));
        }

        Assert.Empty(errors);
    }

    [Fact]
    public void Two_instances_on_one_file_used_from_many_threads_agree_without_errors()
    {
        MetadataStore[] stores = [Open(), Open()];
        const int Threads = 8;
        const int Iterations = 12;
        var errors = new ConcurrentBag<Exception>();
        var raceWinners = new ConcurrentDictionary<int, int>();
        using var start = new Barrier(Threads);

        Thread[] threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            MetadataStore mine = stores[t % 2];
            MetadataStore other = stores[(t + 1) % 2];
            start.SignalAndWait();
            try
            {
                for (int i = 0; i < Iterations; i++)
                {
                    string version = $"t{t}-i{i}";
                    long id = Pending(mine, "own", version);
                    FileRecord[] files = [File("a", (ulong)(i + 1)), File("b/c", 0x77), File("d", (ulong)((t * 100) + i + 1000))];
                    mine.Commit(id, files, ContentOf(files), Now + i);
                    SnapshotRecord? seen = other.FindCommitted("own", version);
                    Assert.Equal(id, seen?.Id);
                    Assert.Equal(files.OrderBy(f => f.RelativePath, StringComparer.Ordinal), other.GetFiles(id));
                    other.Touch(id, Now + 1000 + i);

                    // Every thread contends for the same name per iteration: exactly one may win it.
                    try
                    {
                        Pending(mine, "race", $"i{i}");
                        raceWinners.AddOrUpdate(i, 1, (_, n) => n + 1);
                    }
                    catch (SnapshotterException e) when (e.Code == ErrorCode.AlreadyExists)
                    {
                    }
                }
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        })).ToArray();

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "a metadata thread hung");
        }

        Assert.Empty(errors);
        Assert.All(Enumerable.Range(0, Iterations), i => Assert.Equal(1, raceWinners.GetValueOrDefault(i)));
        for (int t = 0; t < Threads; t++)
        {
            for (int i = 0; i < Iterations; i++)
            {
                SnapshotRecord record = stores[0].FindCommitted("own", $"t{t}-i{i}")!;
                Assert.Equal(Now + 1000 + i, record.LastUsedNs);
                Assert.Equal(3, stores[1].GetFiles(record.Id).Count);
            }
        }
    }

    [Fact]
    public void Commit_with_a_presence_check_commits_nothing_when_content_is_missing()
    {
        MetadataStore store = Open();
        long id = Pending(store, "snap", "v1");
        FileRecord[] files = [File("a", 0x1), File("b", 0x2), File("c", 0x2)];

        IReadOnlyList<Digest> missing = store.Commit(id, files, ContentOf(files), Now, d => d.Value != 0x2);

        Assert.Equal([new Digest(0x2)], missing);
        Assert.Null(store.FindCommitted("snap", "v1"));
        Assert.Empty(store.Commit(id, files, ContentOf(files), Now, _ => true, createdNs: 42));
        SnapshotRecord committed = store.FindCommitted("snap", "v1")!;
        Assert.Equal((42L, Now), (committed.CreatedNs, committed.LastUsedNs));
    }

    [Fact]
    public void Summaries_count_files_bytes_and_distinct_stored_content()
    {
        MetadataStore store = Open();
        FileRecord[] files = [File("a", 0x1, size: 100), File("b", 0x1, size: 100), File("c", 0x2, size: 7)];
        store.Commit(Pending(store, "snap", "v1"), files, ContentOf(files), Now);
        Pending(store, "snap", "pending");

        SnapshotSummary summary = Assert.Single(store.ListCommitted("snap"));

        Assert.Equal(("v1", 3L, 207L, 96L), (summary.Snapshot.Version, summary.Files, summary.Bytes, summary.StoredBytes));
        Assert.Equal([("v1", Now)], store.ListVersions("snap"));
        Assert.Empty(store.ListCommitted("snap", "pending"));
    }

    [Fact]
    public void Delete_removes_metadata_then_releases_only_unreferenced_content()
    {
        MetadataStore store = Open();
        FileRecord[] first = [File("a", 0x1), File("b", 0x2)];
        FileRecord[] second = [File("a", 0x2)];
        store.Commit(Pending(store, "snap", "v1"), first, ContentOf(first), Now);
        store.Commit(Pending(store, "snap", "v2"), second, ContentOf(second), Now);
        Pending(store, "snap", "v3");

        Assert.Null(store.DeleteCommitted("snap", "v3"));
        Assert.Null(store.DeleteCommitted("snap", "v9"));
        DeletedSnapshot deleted = store.DeleteCommitted("snap", "v1")!;
        Assert.Equal(2, deleted.Files);
        Assert.Equal([new Digest(0x1), new Digest(0x2)], deleted.Digests.OrderBy(d => d.Value));
        var removed = new List<Digest>();
        List<ContentRecord> released = store.ReleaseUnreferenced(deleted.Digests, _ => false, removed.Add);

        Assert.Equal([new Digest(0x1)], removed);
        Assert.Equal([new ContentRecord(new Digest(0x1), 12, 48)], released);
        Assert.Null(store.FindCommitted("snap", "v1"));
        Assert.NotNull(store.FindCommitted("snap", "v2"));
        Assert.Empty(store.ReleaseUnreferenced([new Digest(0x2)], _ => false, removed.Add));
    }
}
