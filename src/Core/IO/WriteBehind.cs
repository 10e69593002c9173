namespace Snapshotter.IO;

/// <summary>
/// Starts writeback of what has been written to a file every <see cref="IntervalBytes"/>, behind the write position
/// (sync_file_range, WRITE only): the disk works while reading, hashing and writing go on, and the sync that ends the
/// operation finds little left to write. Each start covers only the range written since the previous one, so the
/// kernel never walks the whole file's pages again.
/// </summary>
internal sealed class WriteBehind
{
    /// <summary>Data written between two starts. A few MiB: large enough that the syscall vanishes next to the
    /// copying, small enough that the disk starts early and dirty pages never pile up to the kernel's own threshold.</summary>
    public const long IntervalBytes = 8 << 20;

    private readonly UnixFile _output;
    private long _from = long.MaxValue;
    private long _to;
    private long _sinceStart;

    public WriteBehind(UnixFile output) => _output = output;

    /// <summary>Notes a write of <paramref name="length"/> bytes at <paramref name="offset"/>; starts writeback of the
    /// range written since the last start once it holds <see cref="IntervalBytes"/>.</summary>
    public void Wrote(long offset, long length)
    {
        _from = Math.Min(_from, offset);
        _to = Math.Max(_to, offset + length);
        _sinceStart += length;
        if (_sinceStart >= IntervalBytes)
        {
            _output.StartWriteBack(_from, _to - _from);
            _from = long.MaxValue;
            _to = 0;
            _sinceStart = 0;
        }
    }
}
