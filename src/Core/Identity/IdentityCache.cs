using System.Collections.Concurrent;
using Snapshotter.Formats;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;

namespace Snapshotter.Identity;

/// <summary>
/// Remembers, in the metadata database, the digest a snapshot read from each file by the file's
/// <see cref="FileIdentity"/>, so that a later snapshot finding exactly that identity need not read the file again.
/// A remembered digest is only a shortcut to what reading would give; whenever that is in doubt the file is read.
/// <list type="bullet">
/// <item>Only files on filesystems known to move the change time on every change are remembered (ext2/3/4, XFS,
/// Btrfs, F2FS): not tmpfs or hugetlbfs, whose shared mappings are written without ever touching the times, nor
/// network or FUSE filesystems, whose times come from another clock and whose attributes may be cached.</item>
/// <item>A file is remembered only when its identity was the same before and after the read, and its change time was
/// older than the start of the read by <see cref="SettleMargin"/> (git's "racy clean" problem): a write in the same
/// clock tick as an earlier one leaves the change time as it was, so a file changed just before or while it was
/// read could otherwise be remembered with bytes it no longer has. The margin covers the kernel's coarse timestamp
/// clock (milliseconds) and filesystems that keep whole seconds.</item>
/// <item>Before the read the file's dirty pages are written back (sync_file_range): that write-protects them in every
/// shared mapping, so a later write through a mapping faults and moves the change time, as a write(2) does.</item>
/// <item>A read-only file the snapshot hardlinks into the store has its change time moved by that very link, so it
/// is remembered by the next snapshot that finds it unchanged.</item>
/// <item>A digest is only taken in the boot it was remembered in (the kernel's boot id). After a crash a file's data
/// may have reached the disk while the journal commit carrying its new change time did not, so an old identity can
/// come back with new bytes; and device numbers are handed out afresh at every boot.</item>
/// </list>
/// What stays beyond any change-time cache (git's and restic's alike): a single write(2) call still copying data
/// more than the margin after it began (the kernel moves the change time once, at its start), with the size
/// unchanged. The content object a remembered digest names must still be in the store (the caller checks, under
/// its lease); callers that doubt the source filesystem ask for every file to be read.
/// </summary>
internal sealed class IdentityCache
{
    public static readonly TimeSpan SettleMargin = TimeSpan.FromSeconds(2);

    /// <summary>Some 200 bytes a row with the digest index: at most about 100 MB, small beside the content of that many files.</summary>
    public const int MaxEntries = 500_000;

    /// <summary>Learned digests are written this many at a time while a snapshot reads its files, not all at its commit: a
    /// snapshot of 100,000 new files held 100,000 of them (72 bytes each, in a list grown by doubling) until then. Writing
    /// them before the commit is safe: a digest is what the file held whatever becomes of the snapshot, and it is only
    /// ever taken while its content is stored.</summary>
    private const int SaveBatchEntries = 4096;

    /// <summary>A remembered digest that is used has its use time refreshed at most this often, so that repeated
    /// snapshots of an unchanged tree write nothing to the cache.</summary>
    public static readonly TimeSpan UseRefreshInterval = TimeSpan.FromDays(1);

    /// <summary>statfs f_type values: ext2/3/4, XFS, Btrfs, F2FS.</summary>
    private static readonly HashSet<long> TrustedFilesystemTypes = [0xEF53, 0x58465342, 0x9123683E, 0xF2F52010];

    private const string BootIdPath = "/proc/sys/kernel/random/boot_id";

    /// <summary>This boot's id; null when it cannot be read, and then nothing is remembered or taken.</summary>
    private static readonly Lazy<string?> CurrentBoot = new(() =>
    {
        try
        {
            string id = File.ReadAllText(BootIdPath).Trim();
            return id.Length > 0 ? id : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    });

    private readonly MetadataStore _metadata;
    private readonly TimeProvider _time;
    private readonly string? _boot;
    private readonly ConcurrentDictionary<ulong, bool> _trustedDevices = new();
    private readonly object _gate = new();
    private List<RememberedDigest> _learned = [];
    private List<FileIdentity> _used = [];
    private List<FileIdentity> _listedWithoutXattrs = [];

    /// <summary>What is held to be written: digests learned, remembered identities used, and remembered identities root
    /// listed no extended attributes on.</summary>
    private readonly record struct Held(List<RememberedDigest> Learned, List<FileIdentity> Used, List<FileIdentity> WithoutXattrs);

    public IdentityCache(MetadataStore metadata, TimeProvider time)
    {
        _metadata = metadata;
        _time = time;
        _boot = CurrentBoot.Value;
    }

    public long NowNs => _time.GetUnixTimeNs();

    /// <summary>
    /// The digests remembered for the <paramref name="count"/> files whose identity is exactly their current status, by
    /// index, read in one transaction. Each is only a candidate: its content must still be in the store. A file's path is
    /// asked for only when its identity matches. <paramref name="withoutXattrs"/>, when given, is set at the index of each
    /// file recalled that was remembered holding no extended attributes at all (see <see cref="Learn"/>): the ctime that
    /// every change of them moves is the same, so it holds none now.
    /// </summary>
    public Dictionary<int, Digest> Recall(int count, Func<int, FileStatus> statusOf, Func<int, string> pathOf, bool[]? withoutXattrs = null)
    {
        if (_boot is null)
        {
            return [];
        }

        var inodes = new (ulong Device, ulong Inode)[count];
        for (int i = 0; i < count; i++)
        {
            FileStatus status = statusOf(i);
            inodes[i] = (status.Device, status.Inode);
        }

        long refreshBeforeNs = NowNs - (long)(UseRefreshInterval.Ticks * TimeSpan.NanosecondsPerTick);
        // Sized once, at the first file recalled, for every file: grown by doubling it left its smaller copies behind.
        Dictionary<int, Digest>? recalled = null;
        _metadata.FindRememberedDigests(_boot, inodes, (i, entry) =>
        {
            FileStatus status = statusOf(i);
            if (entry.Identity == FileIdentity.Of(status)
                && IsSettled(status.ChangeTimeNs, entry.HashedNs)
                && TrustsFilesystem(pathOf(i), status.Device))
            {
                recalled ??= new Dictionary<int, Digest>(count);
                recalled[i] = entry.Digest;
                if (withoutXattrs is not null)
                {
                    withoutXattrs[i] = entry.WithoutXattrs;
                }

                if (entry.UsedNs < refreshBeforeNs)
                {
                    lock (_gate)
                    {
                        _used.Add(entry.Identity);
                    }
                }
            }
        });

        return recalled ?? [];
    }

    /// <summary>
    /// Called with a file opened and stat-ed, before it is read from <paramref name="readStartNs"/> on: whether it may
    /// be remembered afterwards (a trusted filesystem, a change time old enough), writing back its dirty pages if so.
    /// </summary>
    public bool PrepareToLearn(UnixFile file, in FileStatus status, long readStartNs) =>
        _boot is not null
        && IsSettled(status.ChangeTimeNs, readStartNs) && TrustsFilesystem(file.Path, status.Device) && file.TryWriteBack();

    /// <summary>Remembers <paramref name="digest"/> when the file was prepared and its identity did not change while it was read.
    /// What was learned is written <see cref="SaveBatchEntries"/> at a time as it comes. <paramref name="withoutXattrsSinceNs"/>:
    /// root listed no extended attributes on the file, at this time or later but before <paramref name="before"/>; it is
    /// remembered holding none when its ctime had settled by then, so that no change of them can hide in the ctime's tick.</summary>
    public void Learn(bool prepared, in FileStatus before, in FileStatus after, Digest digest, long readStartNs, long? withoutXattrsSinceNs = null)
    {
        FileIdentity identity = FileIdentity.Of(before);
        if (!prepared || identity != FileIdentity.Of(after) || !IsSettled(identity.ChangeTimeNs, readStartNs))
        {
            return;
        }

        Held? batch = null;
        lock (_gate)
        {
            _learned.Add(new RememberedDigest(identity, digest, readStartNs, readStartNs, withoutXattrsSinceNs is { } listedNs && IsSettled(identity.ChangeTimeNs, listedNs)));
            if (_learned.Count >= SaveBatchEntries)
            {
                batch = TakeHeld();
            }
        }

        // Written outside the lock: the other threads storing files go on learning meanwhile.
        if (batch is { } full)
        {
            Write(full);
        }
    }

    /// <summary>Notes that root listed no extended attributes on a file recalled at <paramref name="status"/>, at
    /// <paramref name="listedNs"/> or later: its remembered digest says so from the next save on, when its ctime had settled
    /// by then (as for <see cref="Learn"/>). A digest remembered before extended attributes were remembered gets to say
    /// so without the file being read again.</summary>
    public void LearnWithoutXattrs(in FileStatus status, long listedNs)
    {
        if (IsSettled(status.ChangeTimeNs, listedNs))
        {
            lock (_gate)
            {
                _listedWithoutXattrs.Add(FileIdentity.Of(status));
            }
        }
    }

    /// <summary>Writes what was learned and which remembered digests were used, in one transaction (not fsynced:
    /// losing it to a power cut only means reading those files again).</summary>
    public void Save() => Write(TakeHeld());

    private Held TakeHeld()
    {
        lock (_gate)
        {
            var held = new Held(_learned, _used, _listedWithoutXattrs);
            _learned = [];
            _used = [];
            _listedWithoutXattrs = [];
            return held;
        }
    }

    private void Write(Held held)
    {
        if (_boot is not null && (held.Learned.Count > 0 || held.Used.Count > 0 || held.WithoutXattrs.Count > 0))
        {
            _metadata.SaveRememberedDigests(_boot, held.Learned, held.Used, held.WithoutXattrs, NowNs, MaxEntries);
        }
    }

    private static bool IsSettled(long changeTimeNs, long readStartNs) =>
        changeTimeNs < readStartNs - (SettleMargin.Ticks * TimeSpan.NanosecondsPerTick);

    /// <summary>Whether the filesystem holding <paramref name="path"/>, which statx said is <paramref name="device"/>, is
    /// one whose change times can be trusted. The path is stat-ed again after statfs: a path swapped to another
    /// filesystem in between is not trusted (and not remembered for the device).</summary>
    private bool TrustsFilesystem(string path, ulong device)
    {
        if (_trustedDevices.TryGetValue(device, out bool trusted))
        {
            return trusted;
        }

        long? type;
        FileStatus? again;
        try
        {
            type = UnixPath.TryFilesystemType(path);
            again = UnixPath.TryStat(path, followSymlinks: false);
        }
        catch (Errors.SnapshotterException)
        {
            return false;
        }

        if (type is null || again is not { } status || status.Device != device)
        {
            return false;
        }

        return _trustedDevices.GetOrAdd(device, TrustedFilesystemTypes.Contains(type.Value));
    }
}
