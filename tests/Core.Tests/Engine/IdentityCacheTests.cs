using Microsoft.Data.Sqlite;
using Snapshotter.Engine;
using Snapshotter.Metadata;
using Snapshotter.Progress;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// Files unchanged since a snapshot read them are not read again, and nothing that could have changed them is missed.
/// Stats prove what was read (bytes read counts every data byte read from a source). Most tests run the engine on a
/// clock an hour ahead, so the files they just wrote are long settled by its measure; the settling rule itself is
/// tested with a clock set relative to a file's own change time.
/// </summary>
public sealed class IdentityCacheTests : EngineTestBase
{
    private const int FileBytes = 50_000;
    private readonly FileSpec[] _tree = [new("a.bin", false), new("dir/b.bin", false), new("dir/sub/c.bin", false)];

    public IdentityCacheTests()
    {
        Source("a.bin", TestFiles.Pattern(FileBytes, 1));
        Source("dir/b.bin", TestFiles.Pattern(FileBytes, 2));
        Source("dir/sub/c.bin", TestFiles.Pattern(FileBytes, 3));
    }

    private static ManualTimeProvider HourAhead() => new(DateTimeOffset.UtcNow.AddHours(1));

    private SnapshotEngine Settled => _settled ??= OpenEngine(HourAhead());

    private SnapshotEngine? _settled;

    private OperationStats SnapshotWith(SnapshotEngine engine, string version, params FileSpec[] files) =>
        engine.Snapshot(SnapshotOf("s", version, BaseDir, files));

    private long Remembered() => MetadataStore.Open(Path.Join(RootDir, "metadata")).CountRememberedDigests();

    /// <summary>Restores name:version and checks every file against its source as it is now.</summary>
    private void AssertRestoresCurrentSources(SnapshotEngine engine, string version, params FileSpec[] files)
    {
        string output = Temp.Combine($"out-{version}");
        engine.Restore(new RestoreRequest { Name = "s", Version = version, OutputDir = output });
        foreach (FileSpec file in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, file.RelativePath)), File.ReadAllBytes(Path.Join(output, file.RelativePath)));
        }
    }

    /// <summary>Runs <paramref name="change"/> again until the file's ctime has moved: the kernel stamps changes with a
    /// coarse clock, and a change in the tick of the previous one keeps the ctime (which is the point of the
    /// settling rule, but not what these tests are about).</summary>
    private static void ChangeInALaterTick(string path, Action change)
    {
        long before = Inode.Of(path).CtimeNs;
        while (true)
        {
            change();
            if (Inode.Of(path).CtimeNs != before)
            {
                return;
            }

            Thread.Sleep(1);
        }
    }

    [Fact]
    public void A_second_snapshot_of_an_unchanged_tree_reads_nothing_and_records_the_same_digests()
    {
        OperationStats first = SnapshotWith(Settled, "v1", _tree);
        OperationStats second = SnapshotWith(Settled, "v2", _tree);

        Assert.Equal(3 * FileBytes, first.BytesRead);
        Assert.Equal(3, Remembered());
        Assert.Equal(0, second.BytesRead);
        Assert.Equal(0, second.BytesWritten);
        Assert.Equal(3, second.FilesReused);
        Assert.Equal(3 * FileBytes, second.Bytes);
        Assert.Equal(
            Settled.Inspect(SnapshotReference.Parse("s:v1")).Files,
            Settled.Inspect(SnapshotReference.Parse("s:v2")).Files);
        AssertRestoresCurrentSources(Settled, "v2", _tree);
    }

    [Fact]
    public void Progress_counts_unread_files_as_done()
    {
        SnapshotWith(Settled, "v1", _tree);
        var reports = new List<ProgressReport>();
        Settled.Snapshot(SnapshotOf("s", "v2", BaseDir, _tree) with { Progress = reports.Add });

        ProgressReport last = reports[^1];
        Assert.Equal(3, last.FilesDone);
        Assert.Equal(3 * FileBytes, last.BytesDone);
    }

    [Fact]
    public void Same_size_new_bytes_with_the_mtime_set_back_are_read_because_the_ctime_moved()
    {
        SnapshotWith(Settled, "v1", _tree);
        string path = Path.Join(BaseDir, "dir/b.bin");
        long mtime = Inode.Of(path).MtimeNs;
        ChangeInALaterTick(path, () =>
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                stream.Write(TestFiles.Pattern(FileBytes, 99));
            }

            TestFiles.SetMtimeNs(path, mtime);
        });
        Assert.Equal(mtime, Inode.Of(path).MtimeNs);

        OperationStats second = SnapshotWith(Settled, "v2", _tree);

        Assert.Equal(FileBytes, second.BytesRead);
        Assert.Equal(2, second.FilesReused);
        AssertRestoresCurrentSources(Settled, "v2", _tree);
    }

    [Fact]
    public void A_file_replaced_by_rename_is_read_even_with_the_same_size_and_mtime()
    {
        SnapshotWith(Settled, "v1", _tree);
        string path = Path.Join(BaseDir, "a.bin");
        long mtime = Inode.Of(path).MtimeNs;
        string replacement = TestFiles.WriteDense(Path.Join(BaseDir, "a.new"), TestFiles.Pattern(FileBytes, 42));
        TestFiles.SetMode(replacement, 0x1A4);
        TestFiles.SetMtimeNs(replacement, mtime);
        File.Move(replacement, path, overwrite: true);

        OperationStats second = SnapshotWith(Settled, "v2", _tree);

        Assert.Equal(FileBytes, second.BytesRead);
        AssertRestoresCurrentSources(Settled, "v2", _tree);
    }

    [Fact]
    public void A_mode_change_is_read_again_and_recorded()
    {
        SnapshotWith(Settled, "v1", _tree);
        string path = Path.Join(BaseDir, "a.bin");
        ChangeInALaterTick(path, () => TestFiles.SetMode(path, Inode.Of(path).Permissions == 0x1A4 ? 0x180u : 0x1A4u));

        OperationStats second = SnapshotWith(Settled, "v2", _tree);

        Assert.Equal(FileBytes, second.BytesRead);
        Assert.Equal(Inode.Of(path).Permissions, Settled.Inspect(SnapshotReference.Parse("s:v2")).Files.Single(f => f.RelativePath == "a.bin").Mode);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, true)]
    public void A_file_is_remembered_only_once_its_ctime_is_older_than_the_read_by_the_margin(int secondsAfterChange, bool remembered)
    {
        string path = Path.Join(BaseDir, "a.bin");
        long ctime = Inode.Of(path).CtimeNs;
        SnapshotEngine engine = OpenEngine(new ManualTimeProvider(DateTimeOffset.UnixEpoch.AddTicks(ctime / TimeSpan.NanosecondsPerTick).AddSeconds(secondsAfterChange)));

        SnapshotWith(engine, "v1", new FileSpec("a.bin", false));
        OperationStats second = SnapshotWith(engine, "v2", new FileSpec("a.bin", false));

        Assert.Equal(remembered ? 1 : 0, Remembered());
        Assert.Equal(remembered ? 0 : FileBytes, second.BytesRead);
    }

    [Fact]
    public void A_file_written_in_the_tick_it_was_read_in_is_read_again_on_the_real_clock()
    {
        // On the system clock the file was changed an instant before it was read: too recent to remember. Changing
        // it again now, possibly in the same timestamp tick (same size, same mtime, maybe the same ctime), must
        // still be seen by the next snapshot.
        string path = Path.Join(BaseDir, "a.bin");
        long mtime = Inode.Of(path).MtimeNs;
        SnapshotWith(Engine, "v1", new FileSpec("a.bin", false));
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.Write(TestFiles.Pattern(FileBytes, 7));
        }

        TestFiles.SetMtimeNs(path, mtime);

        OperationStats second = SnapshotWith(Engine, "v2", new FileSpec("a.bin", false));

        Assert.Equal(FileBytes, second.BytesRead);
        AssertRestoresCurrentSources(Engine, "v2", new FileSpec("a.bin", false));
    }

    [Fact]
    public void A_file_whose_identity_changes_while_it_is_read_is_not_remembered()
    {
        // concurrency 1 and a clock whose timestamp steps on every read: the progress callback runs while the
        // large file is being read. A chmod moves its ctime but not its size or mtime, so the snapshot succeeds.
        var clock = HourAhead();
        SnapshotEngine engine = OpenEngine(clock, concurrency: 1);
        string path = TestFiles.WriteLarge(Path.Join(BaseDir, "large.img"), 8L << 20, seed: 5);
        bool changed = false;
        engine.Snapshot(SnapshotOf("s", "v1", BaseDir, new FileSpec("large.img", false)) with
        {
            Progress = p =>
            {
                if (p.BytesDone >= 65536 && !changed)
                {
                    changed = true;
                    ChangeInALaterTick(path, () => TestFiles.SetMode(path, Inode.Of(path).Permissions == 0x1A4 ? 0x180u : 0x1A4u));
                }
            },
        });

        Assert.True(changed);
        Assert.Equal(0, Remembered());
        Assert.Equal(8L << 20, SnapshotWith(engine, "v2", new FileSpec("large.img", false)).BytesRead);
        Assert.Equal(1, Remembered());
    }

    [Fact]
    public void Digests_remembered_in_another_boot_are_not_taken()
    {
        SnapshotWith(Settled, "v1", _tree);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Join(RootDir, "metadata", MetadataStore.DatabaseFileName), Pooling = false }.ToString()))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "UPDATE file_identities SET boot = 'a boot before the last crash'";
            Assert.Equal(3, command.ExecuteNonQuery());
        }

        OperationStats second = SnapshotWith(Settled, "v2", _tree);
        OperationStats third = SnapshotWith(Settled, "v3", _tree);

        Assert.Equal(3 * FileBytes, second.BytesRead);
        Assert.Equal(0, third.BytesRead);
    }

    [Fact]
    public void Content_gone_from_the_store_is_read_and_stored_again()
    {
        SnapshotWith(Settled, "v1", _tree);
        string digest = Settled.Inspect(SnapshotReference.Parse("s:v1")).Files.Single(f => f.RelativePath == "a.bin").Digest;
        File.Delete(ContentPath(digest));

        OperationStats second = SnapshotWith(Settled, "v2", _tree);

        Assert.Equal(FileBytes, second.BytesRead);
        Assert.Equal(2, second.FilesReused);
        Assert.True(File.Exists(ContentPath(digest)));
        AssertRestoresCurrentSources(Settled, "v2", _tree);
    }

    [Fact]
    public void Deleting_the_last_snapshot_of_some_content_forgets_the_files_remembered_for_it()
    {
        SnapshotWith(Settled, "v1", _tree);
        Assert.Equal(3, Remembered());

        Settled.Delete(SnapshotReference.Parse("s:v1"));

        Assert.Equal(0, Remembered());
        Assert.Equal(3 * FileBytes, SnapshotWith(Settled, "v2", _tree).BytesRead);
    }

    [Fact]
    public void A_read_only_file_is_remembered_by_the_snapshot_after_the_one_that_linked_it_and_stays_linked()
    {
        var file = new FileSpec("a.bin", true);
        string path = Path.Join(BaseDir, "a.bin");

        OperationStats linking = SnapshotWith(Settled, "v1", file);
        OperationStats reading = SnapshotWith(Settled, "v2", file);
        OperationStats unread = SnapshotWith(Settled, "v3", file);

        Assert.Equal(1, linking.FilesLinked);
        Assert.Equal(FileBytes, reading.BytesRead);
        Assert.Equal(0, unread.BytesRead);
        string digest = Settled.Inspect(SnapshotReference.Parse("s:v3")).Files.Single().Digest;
        Assert.True(Inode.Of(StoredPath(digest)).IsSameAs(Inode.Of(path)));
        AssertRestoresCurrentSources(Settled, "v3", file);
    }

    [Fact]
    public void A_remembered_file_captured_read_only_for_the_first_time_is_still_hardlinked_into_the_store()
    {
        string path = Path.Join(BaseDir, "a.bin");
        SnapshotWith(Settled, "v1", new FileSpec("a.bin", false));
        string digest = Settled.Inspect(SnapshotReference.Parse("s:v1")).Files.Single().Digest;
        Assert.False(File.Exists(StoredPath(digest)));

        OperationStats second = SnapshotWith(Settled, "v2", new FileSpec("a.bin", true));

        Assert.Equal(1, second.FilesLinked);
        Assert.True(Inode.Of(StoredPath(digest)).IsSameAs(Inode.Of(path)));
        AssertRestoresCurrentSources(Settled, "v2", new FileSpec("a.bin", true));
    }

    [Fact]
    public void Rehash_reads_every_file_and_still_remembers_them()
    {
        SnapshotWith(Settled, "v1", _tree);

        OperationStats rehashed = Settled.Snapshot(SnapshotOf("s", "v2", BaseDir, _tree) with { Rehash = true });
        OperationStats second = SnapshotWith(Settled, "v3", _tree);

        Assert.Equal(3 * FileBytes, rehashed.BytesRead);
        Assert.Equal(3, rehashed.FilesReused);
        Assert.Equal(0, second.BytesRead);
    }

    [Fact]
    public void Another_handle_on_the_same_root_uses_and_extends_what_one_remembered()
    {
        SnapshotEngine other = OpenEngine(HourAhead());
        SnapshotWith(Settled, "v1", _tree);

        Source("d.bin", TestFiles.Pattern(FileBytes, 4));
        FileSpec[] grown = [.. _tree, new FileSpec("d.bin", false)];
        OperationStats fromOther = SnapshotWith(other, "v2", grown);
        OperationStats back = SnapshotWith(Settled, "v3", grown);

        Assert.Equal(FileBytes, fromOther.BytesRead);
        Assert.Equal(0, back.BytesRead);
        AssertRestoresCurrentSources(Settled, "v3", grown);
    }

    [Fact]
    public void Concurrent_snapshots_on_two_handles_record_the_right_digests()
    {
        SnapshotEngine other = OpenEngine(HourAhead());
        for (int i = 0; i < 40; i++)
        {
            Source($"many/{i}.bin", TestFiles.Pattern(4096 + i, 100 + i));
        }

        FileSpec[] many = Enumerable.Range(0, 40).Select(i => new FileSpec($"many/{i}.bin", false)).ToArray();
        Parallel.For(0, 8, i => SnapshotWith(i % 2 == 0 ? Settled : other, $"v{i}", many));

        foreach (int i in Enumerable.Range(0, 8))
        {
            AssertRestoresCurrentSources(Settled, $"v{i}", many);
        }

        Assert.Equal(40, Remembered());
        Assert.Equal(0, SnapshotWith(other, "again", many).BytesRead);
    }

    [Fact]
    public void Files_on_tmpfs_are_never_remembered()
    {
        string shm = Path.Join("/dev/shm", $"identity-{Guid.NewGuid():N}");
        Directory.CreateDirectory(shm);
        try
        {
            File.WriteAllBytes(Path.Join(shm, "mem.bin"), TestFiles.Pattern(FileBytes, 8));
            Settled.Snapshot(SnapshotOf("s", "v1", shm, new FileSpec("mem.bin", false)));
            OperationStats second = Settled.Snapshot(SnapshotOf("s", "v2", shm, new FileSpec("mem.bin", false)));

            Assert.Equal(0, Remembered());
            Assert.Equal(FileBytes, second.BytesRead);
        }
        finally
        {
            Directory.Delete(shm, recursive: true);
        }
    }
    /// <summary>Snapshots the tree as v1, restores it, then restores it in place over what it wrote, which remembers the
    /// restored files; returns the output dir.</summary>
    private string RestoredAndKeptInPlace()
    {
        SnapshotWith(Settled, "v1", _tree);
        string output = Temp.Combine("out");
        Settled.Restore(new RestoreRequest { Name = "s", Version = "v1", OutputDir = output });
        InPlaceOver(output);
        return output;
    }

    /// <summary>Restores v1 in place over <paramref name="output"/> on the settled clock.</summary>
    private OperationStats InPlaceOver(string output) =>
        Settled.Restore(new RestoreRequest { Name = "s", Version = "v1", OutputDir = output, InPlace = true });

    /// <summary>Points the row remembered for <paramref name="path"/>'s inode at its identity as it is now, keeping the
    /// digest it was read with: what the cache would hold had the file been changed without its identity moving.</summary>
    private void RememberCurrentIdentityOf(string path)
    {
        Inode now = Inode.Of(path);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Join(RootDir, "metadata", MetadataStore.DatabaseFileName), Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "UPDATE file_identities SET size = $size, mtime_ns = $mtime, ctime_ns = $ctime, mode = $mode WHERE inode = $inode";
        command.Parameters.AddWithValue("$size", now.Size);
        command.Parameters.AddWithValue("$mtime", now.MtimeNs);
        command.Parameters.AddWithValue("$ctime", now.CtimeNs);
        command.Parameters.AddWithValue("$mode", now.Mode);
        command.Parameters.AddWithValue("$inode", (long)now.Number);
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    /// <summary>Whether the rows remembered for the inodes of <paramref name="paths"/> say the file held no xattrs (1) or
    /// not (0), by path; -1 where no row is.</summary>
    private long[] WithoutXattrsOf(params string[] paths) => RememberedColumn("without_xattrs", paths);

    /// <summary>A column of the rows remembered for the inodes of <paramref name="paths"/>, by path; -1 where no row is.</summary>
    private long[] RememberedColumn(string column, string[] paths)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Join(RootDir, "metadata", MetadataStore.DatabaseFileName), Pooling = false }.ToString());
        connection.Open();
        return paths.Select(path =>
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = $"SELECT {column} FROM file_identities WHERE inode = $inode";
            command.Parameters.AddWithValue("$inode", (long)Inode.Of(path).Number);
            return command.ExecuteScalar() is long flag ? flag : -1;
        }).ToArray();
    }

    private void ForgetWhichHoldNoXattrs()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Join(RootDir, "metadata", MetadataStore.DatabaseFileName), Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "UPDATE file_identities SET without_xattrs = 0";
        Assert.True(command.ExecuteNonQuery() > 0);
    }

    /// <summary>Rewrites a file with other bytes of the same size and sets its mtime back, in a later tick.</summary>
    private static void RewriteKeepingSizeAndMtime(string path, int seed)
    {
        long mtime = Inode.Of(path).MtimeNs;
        ChangeInALaterTick(path, () =>
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
            {
                stream.Write(TestFiles.Pattern(FileBytes, seed));
            }

            TestFiles.SetMtimeNs(path, mtime);
        });
    }

    [Fact]
    public void An_in_place_restore_remembers_the_files_it_kept_and_the_next_takes_them_without_reading()
    {
        SnapshotWith(Settled, "v1", _tree);
        string output = Temp.Combine("out");
        Settled.Restore(new RestoreRequest { Name = "s", Version = "v1", OutputDir = output });
        Assert.Equal(3, Remembered());

        OperationStats first = InPlaceOver(output);

        Assert.Equal((3L, 0L), (first.FilesReused, first.BytesWritten));
        Assert.Equal(6, Remembered());

        // The cache now vouches for the new bytes of a.bin as if they were the old: only a file that is not read keeps them.
        string kept = Path.Join(output, "a.bin");
        RewriteKeepingSizeAndMtime(kept, 77);
        RememberCurrentIdentityOf(kept);

        OperationStats second = InPlaceOver(output);

        Assert.Equal((3L, 0L), (second.FilesReused, second.BytesWritten));
        Assert.Equal(TestFiles.Pattern(FileBytes, 77), File.ReadAllBytes(kept));
    }

    [Fact]
    public void Rehash_makes_an_in_place_restore_read_every_kept_file()
    {
        string output = RestoredAndKeptInPlace();
        string kept = Path.Join(output, "a.bin");
        RewriteKeepingSizeAndMtime(kept, 79);
        RememberCurrentIdentityOf(kept);

        OperationStats stats = Settled.Restore(new RestoreRequest { Name = "s", Version = "v1", OutputDir = output, InPlace = true, Rehash = true });

        Assert.Equal((2L, (long)FileBytes), (stats.FilesReused, stats.BytesWritten));
        Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, "a.bin")), File.ReadAllBytes(kept));
    }

    [Fact]
    public void An_in_place_restore_reads_a_kept_file_whose_ctime_moved_and_rewrites_it()
    {
        string output = RestoredAndKeptInPlace();
        string changed = Path.Join(output, "dir/b.bin");
        RewriteKeepingSizeAndMtime(changed, 78);

        OperationStats stats = InPlaceOver(output);

        Assert.Equal((2L, (long)FileBytes), (stats.FilesReused, stats.BytesWritten));
        Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, "dir/b.bin")), File.ReadAllBytes(changed));
    }

    [Fact]
    public void A_kept_file_remembered_with_other_content_is_rewritten_without_being_read()
    {
        string output = RestoredAndKeptInPlace();
        string path = Path.Join(output, "dir/sub/c.bin");
        Inode before = Inode.Of(path);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Join(RootDir, "metadata", MetadataStore.DatabaseFileName), Pooling = false }.ToString()))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "UPDATE file_identities SET digest = 'xxh3:1234' WHERE inode = $inode";
            command.Parameters.AddWithValue("$inode", (long)before.Number);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        OperationStats stats = InPlaceOver(output);

        Assert.Equal((2L, (long)FileBytes), (stats.FilesReused, stats.BytesWritten));
        Assert.False(Inode.Of(path).IsSameAs(before));
        Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, "dir/sub/c.bin")), File.ReadAllBytes(path));
    }

    [Fact]
    public void An_in_place_restore_remembers_that_the_files_it_read_hold_no_xattrs()
    {
        string output = RestoredAndKeptInPlace();

        Assert.Equal([1L, 1L, 1L], WithoutXattrsOf(_tree.Select(f => Path.Join(output, f.RelativePath)).ToArray()));
    }

    [Fact]
    public void An_xattr_set_on_a_kept_file_moves_its_ctime_and_the_next_in_place_restore_removes_it()
    {
        string output = RestoredAndKeptInPlace();
        string kept = Path.Join(output, "dir/b.bin");
        ChangeInALaterTick(kept, () => TestFiles.SetXattr(kept, "user.added", [1, 2]));

        OperationStats stats = InPlaceOver(output);

        Assert.Equal((3L, 0L), (stats.FilesReused, stats.BytesWritten));
        Assert.Null(TestFiles.GetXattr(kept, "user.added"));
    }

    [Fact]
    public void The_cache_vouches_for_a_kept_file_it_remembers_without_xattrs_so_their_list_is_not_read()
    {
        string output = RestoredAndKeptInPlace();
        string kept = Path.Join(output, "a.bin");
        ChangeInALaterTick(kept, () => TestFiles.SetXattr(kept, "user.unseen", [7]));
        RememberCurrentIdentityOf(kept);

        OperationStats stats = InPlaceOver(output);

        // Only a restore that did not list the file's xattrs leaves one its record lacks.
        Assert.Equal((3L, 0L), (stats.FilesReused, stats.BytesWritten));
        Assert.Equal([7], TestFiles.GetXattr(kept, "user.unseen"));
    }

    [Fact]
    public void A_file_remembered_before_its_xattrs_were_is_marked_without_them_by_the_next_in_place_restore_without_a_read()
    {
        string output = RestoredAndKeptInPlace();
        string[] kept = _tree.Select(f => Path.Join(output, f.RelativePath)).ToArray();
        ForgetWhichHoldNoXattrs();
        long[] hashed = RememberedColumn("hashed_ns", kept);

        OperationStats stats = InPlaceOver(output);

        Assert.Equal((3L, 0L), (stats.FilesReused, stats.BytesWritten));
        Assert.Equal([1L, 1L, 1L], WithoutXattrsOf(kept));
        Assert.Equal(hashed, RememberedColumn("hashed_ns", kept));
    }
}
