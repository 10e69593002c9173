using Snapshotter.Sparse;

namespace Snapshotter.Archive;

/// <summary>
/// One member of a tar archive as <see cref="TarReader"/> resolved it: pax records and GNU long names applied, and
/// for a GNU sparse 1.0 file its map read, so that <see cref="DataBytes"/> is what remains to read: the data of
/// <see cref="Extents"/>, in order (or the whole file for a dense one). Members other than regular files have no data.
/// </summary>
internal sealed class TarEntry
{
    public required TarMember Member { get; init; }

    /// <summary>Where its header starts in the (uncompressed) archive, for messages.</summary>
    public required long Offset { get; init; }

    /// <summary>The file's logical size (GNU.sparse.realsize for a sparse file); 0 for members without data.</summary>
    public required long Size { get; init; }

    /// <summary>The data regions: one covering the file when dense (none when empty), the sparse map otherwise.</summary>
    public required IReadOnlyList<Extent> Extents { get; init; }

    /// <summary>The bytes of data the archive holds for it after any sparse map.</summary>
    public long DataBytes => Extents.Sum(e => e.Length);
}
