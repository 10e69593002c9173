using Microsoft.Data.Sqlite;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Metadata;

/// <summary>How the metadata store records file lists: shared when identical, as differences from the previous version
/// when close to it, and rebased when the version they differ from goes. Whatever the representation, every reader
/// must see each snapshot's own files, and the content they reference.</summary>
public sealed class FileListTests : IDisposable
{
    private const long Now = 1_767_000_000_123_456_789;
    private readonly TempDirectory _temp = new();
    private readonly MetadataStore _store;

    public FileListTests()
    {
        _store = MetadataStore.Open(_temp.CreateDirectory("metadata"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private static FileRecord File(int index, ulong digest, uint mode = 0x1A4) =>
        new($"d{index % 7}/f{index:D4}", new Digest(digest), index % 5 == 0, mode, 1000, 1000, 100 + index, Now - index, 0, EntryType.Regular);

    private static FileRecord[] Tree(int count, ulong digestBase = 0x1000) =>
        Enumerable.Range(0, count).Select(i => File(i, digestBase + (ulong)i)).ToArray();

    private long Commit(string version, IReadOnlyList<FileRecord> files, long nowNs = Now)
    {
        long id = _store.InsertPending("tree", version, nowNs, "owner", _ => true);
        ContentRecord[] contents = files.Select(f => f.ContentDigest).Distinct().Select(d => new ContentRecord(d, 10, 46)).ToArray();
        Assert.Empty(_store.Commit(id, files, contents, nowNs));
        return id;
    }

    private List<FileRecord> Files(string version) => _store.GetFiles(_store.FindCommitted("tree", version)!.Id);

    private static List<FileRecord> Sorted(IEnumerable<FileRecord> files) => files.OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList();

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _store.Path, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() is long value ? value : -1;
    }

    private long ListOf(string version) => Scalar($"SELECT list_id FROM snapshots WHERE name = 'tree' AND version = '{version}'");

    private long RowsOf(string version) => Scalar($"SELECT count(*) FROM files WHERE list_id = {ListOf(version)}");

    private long BaseOf(string version) => Scalar($"SELECT coalesce(base_id, -1) FROM file_lists WHERE id = {ListOf(version)}");

    [Fact]
    public void A_version_close_to_the_previous_one_is_recorded_as_its_difference_and_read_whole()
    {
        FileRecord[] v1 = Tree(100);
        Commit("v1", v1);
        var v2 = v1.ToList();
        v2[3] = v2[3] with { Digest = new Digest(0xAAA) };
        v2[4] = v2[4] with { Mode = 0x180 };
        v2[5] = v2[5] with { ModificationTimeNs = Now + 1 };
        v2.RemoveAt(50);
        v2.RemoveAt(60);
        v2.Add(File(200, 0xBBB));
        v2.Add(File(201, 0xCCC));
        Commit("v2", v2);

        Assert.Equal(Sorted(v2), Files("v2"));
        Assert.Equal(Sorted(v1), Files("v1"));
        Assert.Equal(7, RowsOf("v2"));
        Assert.Equal(ListOf("v1"), BaseOf("v2"));
        SnapshotSummary summary = _store.ListCommitted("tree", "v2").Single();
        Assert.Equal((100L, v2.Sum(f => f.Size), 100L * 46), (summary.Files, summary.Bytes, summary.StoredBytes));
    }

    [Fact]
    public void Versions_far_from_the_previous_one_and_small_lists_are_recorded_whole()
    {
        FileRecord[] v1 = Tree(100);
        Commit("v1", v1);
        FileRecord[] far = v1.Select((f, i) => i < 30 ? f with { Digest = new Digest(0x9000 + (ulong)i) } : f).ToArray();
        Commit("far", far);
        Assert.Equal((100, -1), (RowsOf("far"), BaseOf("far")));
        Assert.Equal(Sorted(far), Files("far"));

        FileRecord[] small = Tree(10);
        long id = _store.InsertPending("small", "v1", Now, "owner", _ => true);
        _store.Commit(id, small, small.Select(f => new ContentRecord(f.ContentDigest, 10, 46)).ToArray(), Now);
        FileRecord[] smallChanged = [small[0] with { Mode = 0x180 }, .. small[1..]];
        long changedId = _store.InsertPending("small", "v2", Now + 1, "owner", _ => true);
        _store.Commit(changedId, smallChanged, [], Now + 1);
        Assert.Equal(10, Scalar($"SELECT count(*) FROM files WHERE list_id = (SELECT list_id FROM snapshots WHERE id = {changedId})"));
    }

    [Fact]
    public void A_difference_is_always_over_a_whole_list()
    {
        FileRecord[] v1 = Tree(100);
        Commit("v1", v1, Now);
        FileRecord[] v2 = [v1[0] with { Digest = new Digest(0xA1) }, .. v1[1..]];
        Commit("v2", v2, Now + 1);
        FileRecord[] v3 = [v2[0], v2[1] with { Digest = new Digest(0xA2) }, .. v2[2..]];
        Commit("v3", v3, Now + 2);

        Assert.Equal(ListOf("v1"), BaseOf("v3"));
        Assert.Equal(2, RowsOf("v3"));
        Assert.Equal(Sorted(v3), Files("v3"));
    }

    [Fact]
    public void Deleting_the_version_others_differ_from_rebases_them_and_frees_what_only_it_used()
    {
        FileRecord[] v1 = Tree(100);
        Commit("v1", v1, Now);
        FileRecord[] v2 = [v1[0] with { Digest = new Digest(0xA1) }, .. v1[1..]];
        Commit("v2", v2, Now + 1);
        FileRecord[] v3 = [v1[0] with { Digest = new Digest(0xA2) }, v1[1] with { Digest = new Digest(0xB2) }, .. v1[2..]];
        Commit("v3", v3, Now + 2);

        DeletedSnapshot deleted = _store.DeleteCommitted("tree", "v1")!;
        Assert.Equal(100, deleted.Files);

        Assert.Equal(Sorted(v2), Files("v2"));
        Assert.Equal(Sorted(v3), Files("v3"));
        Assert.Equal((100, -1), (RowsOf("v3"), BaseOf("v3")));
        Assert.Equal(ListOf("v3"), BaseOf("v2"));
        Assert.Equal(2, Scalar("SELECT count(*) FROM file_lists"));
        var removed = new List<Digest>();
        _store.ReleaseUnreferenced(deleted.Digests, _ => false, removed.Add);
        Assert.Equal([v1[0].ContentDigest], removed);
        Assert.Empty(_store.CheckIntegrity());

        // The collector's path: the whole list goes, the last delta becomes whole.
        GcInventory inventory = _store.ReadInventory(_ => false);
        Assert.Single(_store.DeleteSnapshots([inventory.Snapshots.Single(s => s.Version == "v3")], _ => false));
        Assert.Equal(Sorted(v2), Files("v2"));
        Assert.Equal((100, -1), (RowsOf("v2"), BaseOf("v2")));
        _store.ReleaseUnreferenced([.. v3.Select(f => f.ContentDigest)], _ => false, removed.Add);
        Assert.Equal([v1[0].ContentDigest, new Digest(0xA2), new Digest(0xB2)], removed);
        Assert.Empty(_store.CheckIntegrity());
    }

    /// <summary>
    /// Random versions (some close to the previous one, some far, some identical to an older one) and random deletions
    /// through both deletion paths; after every step every reader agrees with a plain model: each snapshot's files, the
    /// collector's view of what each references, what is referenced at all, and the content left after releasing.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_reader_sees_each_snapshots_own_files_through_versions_and_deletions(int seed)
    {
        var random = new Random(seed);
        var model = new Dictionary<string, Dictionary<string, FileRecord>>();
        var allDigests = new HashSet<Digest>();
        ulong nextDigest = 0x10000;
        Dictionary<string, FileRecord> latest = Tree(120).ToDictionary(f => f.RelativePath);
        long now = Now;
        for (int step = 0; step < 40; step++)
        {
            now += 10;
            int action = random.Next(10);
            if (action < 6 || model.Count == 0)
            {
                var files = new Dictionary<string, FileRecord>(latest);
                int changes = random.Next(4) == 0 ? random.Next(30, 60) : random.Next(0, 12);
                for (int c = 0; c < changes; c++)
                {
                    string[] paths = [.. files.Keys];
                    string path = paths[random.Next(paths.Length)];
                    switch (random.Next(4))
                    {
                        case 0:
                            files[path] = files[path] with { Digest = new Digest(nextDigest++) };
                            break;
                        case 1:
                            files[path] = files[path] with { Mode = files[path].Mode ^ 0x40 };
                            break;
                        case 2 when files.Count > 70:
                            files.Remove(path);
                            break;
                        default:
                            FileRecord added = File(1000 + step * 100 + c, nextDigest++);
                            files[added.RelativePath] = added;
                            break;
                    }
                }

                string version = $"v{step}";
                Commit(version, [.. files.Values.OrderBy(_ => random.Next())], now);
                model[version] = files;
                latest = files;
            }
            else if (action < 7)
            {
                string older = model.Keys.ElementAt(random.Next(model.Count));
                Commit($"v{step}", [.. model[older].Values], now);
                model[$"v{step}"] = model[older];
            }
            else
            {
                string victim = model.Keys.ElementAt(random.Next(model.Count));
                if (random.Next(2) == 0)
                {
                    Assert.NotNull(_store.DeleteCommitted("tree", victim));
                }
                else
                {
                    SnapshotUsage usage = _store.ReadInventory(_ => false).Snapshots.Single(s => s.Version == victim);
                    Assert.Single(_store.DeleteSnapshots([usage], _ => false));
                }

                model.Remove(victim);
            }

            foreach (Dictionary<string, FileRecord> files in model.Values)
            {
                allDigests.UnionWith(files.Values.Select(f => f.ContentDigest));
            }

            _store.ReleaseUnreferenced([.. allDigests], _ => false, _ => { });
            var expectedReferenced = model.Values.SelectMany(f => f.Values).Select(f => f.ContentDigest).ToHashSet();
            foreach ((string version, Dictionary<string, FileRecord> files) in model)
            {
                Assert.Equal(Sorted(files.Values), Files(version));
            }

            GcInventory inventory = _store.ReadInventory(_ => false);
            Assert.Equal(model.Count, inventory.Snapshots.Count());
            foreach (SnapshotUsage usage in inventory.Snapshots)
            {
                Assert.True(model[usage.Version].Values.Select(f => f.ContentDigest).ToHashSet().SetEquals(usage.Digests), $"step {step}: {usage.Version}");
            }

            Assert.True(expectedReferenced.SetEquals(_store.ReferencedDigests()), $"step {step}: referenced digests");
            Assert.True(expectedReferenced.SetEquals(_store.ReadContent().Keys), $"step {step}: content records");
            foreach (SnapshotSummary summary in _store.ListCommitted("tree"))
            {
                Dictionary<string, FileRecord> files = model[summary.Snapshot.Version];
                long stored = files.Values.Select(f => f.ContentDigest).Distinct().Count() * 46L;
                Assert.Equal((files.Count, files.Values.Sum(f => f.Size), stored), ((int)summary.Files, summary.Bytes, summary.StoredBytes));
            }

            Assert.Empty(_store.CheckIntegrity());
        }

        Assert.True(Scalar("SELECT count(*) FROM file_lists WHERE base_id IS NOT NULL") > 0, "no version was recorded as a difference");
    }

    private long Staged(long snapshotId) =>
        Scalar($"SELECT (SELECT count(*) FROM staged_files WHERE snapshot_id = {snapshotId}) + (SELECT count(*) FROM staged_content WHERE snapshot_id = {snapshotId})");

    /// <summary>Stages <paramref name="files"/> in random batches and order, as a snapshot does while storing, then commits them.</summary>
    private long CommitStagedInBatches(string version, IReadOnlyList<FileRecord> files, Random random, long nowNs)
    {
        long id = _store.InsertPending("tree", version, nowNs, "owner", _ => true);
        FileRecord[] shuffled = [.. files.OrderBy(_ => random.Next())];
        for (int start = 0; start < shuffled.Length;)
        {
            FileRecord[] batch = shuffled[start..Math.Min(shuffled.Length, start + random.Next(1, 50))];
            _store.Stage(id, batch, batch.Select(f => new ContentRecord(f.ContentDigest, 10, 46)));
            start += batch.Length;
        }

        Assert.True(Staged(id) > 0);
        Assert.Empty(_store.CommitStaged(id, nowNs, _ => true));
        Assert.Equal(0, Staged(id));
        return id;
    }

    /// <summary>The rows a list over <paramref name="baseFiles"/> was recorded with before lists were staged: every file not
    /// in the base as it is, and a removal row per base file left out; null (a whole list) when the base is too small or
    /// the rows more than a quarter of it.</summary>
    private static HashSet<(string Path, bool Removed)>? DeltaRows(IReadOnlyCollection<FileRecord> baseFiles, IReadOnlyCollection<FileRecord> files)
    {
        if (baseFiles.Count < 64)
        {
            return null;
        }

        Dictionary<string, FileRecord> byPath = baseFiles.ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
        var present = files.Select(f => f.RelativePath).ToHashSet(StringComparer.Ordinal);
        HashSet<(string, bool)> rows =
        [
            .. files.Where(f => !byPath.TryGetValue(f.RelativePath, out FileRecord? old) || old != f).Select(f => (f.RelativePath, false)),
            .. baseFiles.Where(f => !present.Contains(f.RelativePath)).Select(f => (f.RelativePath, true)),
        ];
        return rows.Count <= baseFiles.Count / 4 ? rows : null;
    }

    private HashSet<(string Path, bool Removed)> RowsRecorded(string version)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _store.Path, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT relative_path, removed FROM files WHERE list_id = {ListOf(version)}";
        using SqliteDataReader reader = command.ExecuteReader();
        var rows = new HashSet<(string, bool)>();
        while (reader.Read())
        {
            rows.Add((PathEncoding.FromBytes(reader.GetFieldValue<byte[]>(0)), reader.GetInt64(1) != 0));
        }

        return rows;
    }

    private byte[] KeyOf(string version)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _store.Path, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT key FROM file_lists WHERE id = {ListOf(version)}";
        return (byte[])command.ExecuteScalar()!;
    }

    /// <summary>
    /// Files staged a batch at a time in any order are recorded as lists were recorded from the files held whole: the key
    /// of the files, the same rows, the same choice of a delta or a whole list, and the list shared when the files are a
    /// recorded list's. Paths include a name that is not UTF-8 and characters on both sides of the surrogates.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Files_staged_in_batches_are_recorded_as_the_files_held_whole_were(int seed)
    {
        var random = new Random(seed);
        FileRecord[] v1 =
        [
            .. Tree(150 + seed * 10),
            File(900, 0x900) with { RelativePath = "n/caf\uDCE9" },
            File(901, 0x901) with { RelativePath = "n/\U0001F600" },
            File(902, 0x902) with { RelativePath = "n/\uE000" },
        ];
        CommitStagedInBatches("v1", v1, random, Now);
        Assert.Equal(FileListKey.Of(v1), KeyOf("v1"));
        Assert.Equal(-1, BaseOf("v1"));
        Assert.Equal(v1.Select(f => (f.RelativePath, false)).ToHashSet(), RowsRecorded("v1"));

        var close = v1.ToList();
        int changed = random.Next(10);
        close[changed] = close[changed] with { Digest = new Digest(0xA000 + (ulong)seed) };
        changed = 10 + random.Next(10);
        close[changed] = close[changed] with { Mode = 0x180 };
        close[^1] = close[^1] with { Xattrs = new([new("user.x", [(byte)seed])]) };
        close.RemoveAt(20 + random.Next(10));
        close.Add(File(2000, 0xB000));
        CommitStagedInBatches("close", close, random, Now + 1);
        HashSet<(string, bool)> delta = DeltaRows(v1, close)!;
        Assert.Equal(FileListKey.Of(close), KeyOf("close"));
        Assert.Equal(ListOf("v1"), BaseOf("close"));
        Assert.Equal(delta, RowsRecorded("close"));
        Assert.Equal(Sorted(close).ToHashSet(), Files("close").ToHashSet());

        FileRecord[] far = v1.Select((f, i) => i % 3 == 0 ? f with { ModificationTimeNs = Now + i } : f).ToArray();
        CommitStagedInBatches("far", far, random, Now + 2);
        Assert.Null(DeltaRows(v1, far));
        Assert.Equal(FileListKey.Of(far), KeyOf("far"));
        Assert.Equal(-1, BaseOf("far"));
        Assert.Equal(far.Length, RowsOf("far"));

        long lists = Scalar("SELECT count(*) FROM file_lists");
        CommitStagedInBatches("again", v1, random, Now + 3);
        Assert.Equal(ListOf("v1"), ListOf("again"));
        Assert.Equal(lists, Scalar("SELECT count(*) FROM file_lists"));

        SnapshotSummary summary = _store.ListCommitted("tree", "close").Single();
        Assert.Equal((close.Count, close.Sum(f => f.Size), close.Select(f => f.ContentDigest).Distinct().Count() * 46L), ((int)summary.Files, summary.Bytes, summary.StoredBytes));
        Assert.Equal(0, Scalar("SELECT count(*) FROM staged_files") + Scalar("SELECT count(*) FROM staged_content"));
        Assert.Empty(_store.CheckIntegrity());
    }

    [Fact]
    public void Staged_files_go_with_their_reservation_and_reference_no_content()
    {
        FileRecord[] files = Tree(20, digestBase: 0x7000);
        ContentRecord[] contents = [.. files.Select(f => new ContentRecord(f.ContentDigest, 10, 46))];

        // Dropped by the call that failed.
        long failed = _store.InsertPending("tree", "failed", Now, "owner", _ => true);
        _store.Stage(failed, files, contents);
        Assert.Equal(40, Staged(failed));
        Assert.Empty(_store.ReferencedDigests());
        _store.DeletePending(failed);
        Assert.Equal(0, Staged(failed));

        // Dropped by recovery once its process is gone.
        long crashed = _store.InsertPending("tree", "crashed", Now, "crashed-owner", _ => true);
        _store.Stage(crashed, files, contents);
        Assert.Equal(1, _store.DeleteAbandonedPending(owner => owner != "crashed-owner"));
        Assert.Equal(0, Staged(crashed));

        // Taken over by a later call of the same name and version.
        long abandoned = _store.InsertPending("tree", "v1", Now, "crashed-owner", _ => true);
        _store.Stage(abandoned, files, contents);
        long taker = _store.InsertPending("tree", "v1", Now, "owner", owner => owner != "crashed-owner");
        Assert.Equal(0, Staged(abandoned));

        // Kept when content is missing at the commit (the caller stores it again and retries), dropped once committed.
        _store.Stage(taker, files, contents);
        Assert.Equal([files[3].ContentDigest], _store.CommitStaged(taker, Now, d => d != files[3].ContentDigest));
        Assert.Null(_store.FindCommitted("tree", "v1"));
        Assert.Equal(40, Staged(taker));
        Assert.Empty(_store.CommitStaged(taker, Now, _ => true));
        Assert.Equal(0, Staged(taker));
        Assert.Equal(Sorted(files), Files("v1"));

        // A path staged twice is refused unless the file replaces the one staged.
        long twice = _store.InsertPending("tree", "twice", Now, "owner", _ => true);
        _store.Stage(twice, files[..1], []);
        Assert.ThrowsAny<SqliteException>(() => _store.Stage(twice, files[..1], []));
        _store.Stage(twice, [files[0] with { Mode = 0x180 }], [], replace: true);
        Assert.Equal([files[0] with { Mode = 0x180 }], _store.ReadStaged(twice));
        Assert.Empty(_store.CheckIntegrity());
    }
}
