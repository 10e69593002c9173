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

    /// <summary>Readers see a list in the order of its paths' bytes.</summary>
    private static List<FileRecord> Sorted(IEnumerable<FileRecord> files) => files.OrderBy(f => f.RelativePath, PathOrder.Instance).ToList();

    /// <summary>Name endings whose bytes order differently from their UTF-16 characters, or that are not UTF-8.</summary>
    private static readonly string[] ExoticEndings = ["\uE000", "\U0001F600", "\uFFFD", PathEncoding.FromBytes([0xFF]), "\u00E9"];

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

    /// <summary>A delta is merged with its base in the order of the paths' bytes, the order SQLite keeps them in: UTF-16
    /// order differs for characters beyond U+FFFF against U+E000..U+FFFF, and for names that are not UTF-8.</summary>
    [Fact]
    public void A_difference_over_names_whose_bytes_order_differently_from_their_characters_reads_back_whole()
    {
        string notUtf8 = PathEncoding.FromBytes([.. "d0/"u8, 0xFF, .. "-not-utf8"u8]);
        string[] names = ["d0/\uE000-private", "d0/\U0001F600-emoji", "d0/\uFFFD-replacement", notUtf8, "d0/z-ascii", "d0/\u00E9-accent"];
        FileRecord[] v1 = [.. Tree(100), .. names.Select((n, i) => File(500 + i, 0x5000 + (ulong)i) with { RelativePath = n })];
        Commit("v1", v1, Now);
        var v2 = v1.ToList();
        v2.RemoveAll(f => f.RelativePath == names[0]);
        v2[v2.FindIndex(f => f.RelativePath == names[1])] = v2.Single(f => f.RelativePath == names[1]) with { Digest = new Digest(0xE1) };
        v2[v2.FindIndex(f => f.RelativePath == notUtf8)] = v2.Single(f => f.RelativePath == notUtf8) with { Mode = 0x180 };
        v2.Add(File(600, 0x6000) with { RelativePath = "d0/\U0001F601-emoji" });
        v2.Add(File(601, 0x6001) with { RelativePath = "d0/\uE001-private" });
        Commit("v2", v2, Now + 1);

        List<FileRecord> expected = [.. v2.OrderBy(f => f.RelativePath, PathOrder.Instance)];
        Assert.NotEqual(expected.Select(f => f.RelativePath), expected.Select(f => f.RelativePath).Order(StringComparer.Ordinal));
        Assert.Equal(ListOf("v1"), BaseOf("v2"));
        Assert.Equal(5, RowsOf("v2"));
        Assert.Equal(expected, Files("v2"));

        Assert.NotNull(_store.DeleteCommitted("tree", "v1"));
        Assert.Equal((v2.Count, -1), ((int)RowsOf("v2"), BaseOf("v2")));
        Assert.Equal(expected, Files("v2"));
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
                            if (random.Next(3) == 0)
                            {
                                added = added with { RelativePath = added.RelativePath + ExoticEndings[random.Next(ExoticEndings.Length)] };
                            }

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
}
