namespace Snapshotter.Sparse;

/// <summary>A run of data in a sparse file: <see cref="Length"/> bytes at <see cref="Offset"/>.</summary>
internal readonly record struct Extent(long Offset, long Length)
{
    public long End => Offset + Length;
}
