using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Sparse;

namespace Snapshotter.Tests.Support;

/// <summary>Drives the library's own SPF1 encoder and decoder on files.</summary>
internal static class LibrarySpf1
{
    public const int BufferBytes = 1 << 20;

    /// <summary>Encodes <paramref name="source"/> into <paramref name="encodedPath"/> (created) and returns the result.</summary>
    public static Spf1Result EncodeFile(string source, string encodedPath, int bufferBytes = BufferBytes)
    {
        using UnixFile input = UnixFile.OpenRead(source);
        long size = input.Stat().Size;
        using UnixFile output = UnixFile.CreateNew(encodedPath, 0x1A4);
        return Spf1Encoder.Encode(input, size, SparseFile.GetExtents(input, size), output, new byte[bufferBytes], onDataBytes: null, CancellationToken.None);
    }

    /// <summary>Decodes <paramref name="encodedPath"/> into <paramref name="outputPath"/> (created), verifying against <paramref name="expected"/> when given.</summary>
    public static Spf1Result DecodeFile(string encodedPath, string? outputPath, Digest? expected, int bufferBytes = BufferBytes)
    {
        using UnixFile content = UnixFile.OpenRead(encodedPath);
        using UnixFile? output = outputPath is null ? null : UnixFile.CreateNew(outputPath, 0x1A4);
        return Spf1Decoder.Decode(content, output, new byte[bufferBytes], expected, onDataBytes: null, CancellationToken.None);
    }

    public static List<Extent> Extents(string path)
    {
        using UnixFile file = UnixFile.OpenRead(path);
        return SparseFile.GetExtents(file, file.Stat().Size);
    }
}
