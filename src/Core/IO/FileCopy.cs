using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>Copies byte ranges between open files inside the kernel (copy_file_range), falling back to
/// read/write where the kernel or filesystem pair cannot.</summary>
internal static class FileCopy
{
    private const int ChunkBytes = 64 << 20;

    /// <summary>Copies <paramref name="length"/> bytes from <paramref name="sourceOffset"/> to <paramref name="targetOffset"/>.</summary>
    public static unsafe void Copy(UnixFile source, long sourceOffset, UnixFile target, long targetOffset, long length, byte[] buffer, CancellationToken cancellation)
    {
        while (length > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            long inOffset = sourceOffset;
            long outOffset = targetOffset;
            nint copied = Libc.CopyFileRange(source.Fd, &inOffset, target.Fd, &outOffset, (nint)Math.Min(length, ChunkBytes), 0);
            if (copied < 0)
            {
                int errno = Errno.Last;
                if (errno == Errno.EINTR)
                {
                    continue;
                }

                if (errno is Errno.EXDEV or Errno.EINVAL or Errno.EOPNOTSUPP or Errno.ENOSYS or Errno.EIO)
                {
                    CopyThroughBuffer(source, sourceOffset, target, targetOffset, length, buffer, cancellation);
                    return;
                }

                throw Errno.Exception(errno, "copy to", target.Path);
            }

            if (copied == 0)
            {
                throw new SnapshotterException(ErrorCode.IO, $"'{source.Path}' ended {length} bytes early while being copied");
            }

            sourceOffset += copied;
            targetOffset += copied;
            length -= copied;
        }
    }

    private static void CopyThroughBuffer(UnixFile source, long sourceOffset, UnixFile target, long targetOffset, long length, byte[] buffer, CancellationToken cancellation)
    {
        while (length > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = source.Read(sourceOffset, buffer.AsSpan(0, (int)Math.Min(length, buffer.Length)));
            if (n == 0)
            {
                throw new SnapshotterException(ErrorCode.IO, $"'{source.Path}' ended {length} bytes early while being copied");
            }

            target.Write(targetOffset, buffer.AsSpan(0, n));
            sourceOffset += n;
            targetOffset += n;
            length -= n;
        }
    }
}
