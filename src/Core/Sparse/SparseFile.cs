using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;

namespace Snapshotter.Sparse;

/// <summary>Finds the data extents of a file with SEEK_DATA/SEEK_HOLE, exactly as the SPF1 encoding defines them.</summary>
internal static class SparseFile
{
    /// <summary>
    /// The data extents of the first <paramref name="size"/> bytes, in order. A filesystem without SEEK_DATA
    /// yields one extent covering the whole file (the digest of any dense file of those bytes).
    /// </summary>
    public static List<Extent> GetExtents(UnixFile file, long size)
    {
        var extents = new List<Extent>();
        if (size == 0)
        {
            return extents;
        }

        long offset = 0;
        try
        {
            // A file that starts with data (most do) has its first extent from one SEEK_HOLE, so a dense file takes one
            // call; SEEK_HOLE at 0 answers 0 only when the file starts with a hole, which the loop then skips.
            long firstHole = file.Seek(0, Libc.SEEK_HOLE);
            if (firstHole != 0)
            {
                offset = firstHole < 0 || firstHole > size ? size : firstHole;
                extents.Add(new Extent(0, offset));
            }

            while (offset < size)
            {
                long data = file.Seek(offset, Libc.SEEK_DATA);
                if (data < 0 || data >= size)
                {
                    break;
                }

                long hole = file.Seek(data, Libc.SEEK_HOLE);
                long end = hole < 0 || hole > size ? size : hole;
                extents.Add(new Extent(data, end - data));
                offset = end;
            }
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.Unsupported && extents.Count == 0)
        {
            extents.Add(new Extent(0, size));
        }

        return extents;
    }
}
