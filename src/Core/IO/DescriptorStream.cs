using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// A sequential stream over a descriptor the caller owns (a file, pipe, socket, stdin or stdout): read(2) and
/// write(2) at its current position, never closed here. A non-blocking descriptor is waited for with poll(2) in
/// short slices, so that cancellation is noticed; a blocking one cannot be interrupted while the peer stalls.
/// </summary>
internal sealed class DescriptorStream : Stream
{
    private const int PollSliceMs = 200;
    private readonly int _fd;
    private readonly bool _writing;
    private readonly CancellationToken _cancellation;
    private long _position;

    public DescriptorStream(int fd, bool writing, CancellationToken cancellation)
    {
        _fd = fd;
        _writing = writing;
        _cancellation = cancellation;
        Name = $"fd {fd}";
    }

    /// <summary>"fd N", for messages.</summary>
    public string Name { get; }

    public override bool CanRead => !_writing;

    public override bool CanWrite => _writing;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    /// <summary>Bytes read or written so far.</summary>
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override unsafe int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        fixed (byte* p = buffer)
        {
            while (true)
            {
                _cancellation.ThrowIfCancellationRequested();
                nint n = Libc.Read(_fd, p, buffer.Length);
                if (n >= 0)
                {
                    _position += n;
                    return (int)n;
                }

                Retry("read from", Libc.POLLIN);
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                _cancellation.ThrowIfCancellationRequested();
                nint n = Libc.Write(_fd, p + done, buffer.Length - done);
                if (n >= 0)
                {
                    done += (int)n;
                    _position += n;
                    continue;
                }

                Retry("write to", Libc.POLLOUT);
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>After a failed read or write: EINTR retries at once, EAGAIN waits until the descriptor is ready,
    /// anything else is the error naming the descriptor.</summary>
    private unsafe void Retry(string operation, short events)
    {
        int errno = Errno.Last;
        if (errno == Errno.EINTR)
        {
            return;
        }

        if (errno != Errno.EAGAIN)
        {
            throw Errno.Exception(errno, operation, Name);
        }

        var poll = new Libc.PollFd { Fd = _fd, Events = events };
        if (Libc.Poll(&poll, 1, PollSliceMs) < 0 && Errno.Last != Errno.EINTR)
        {
            throw Errno.LastException("wait for", Name);
        }
    }
}
