using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Snapshotter.Errors;

namespace Snapshotter.Oci;

/// <summary>OCI content digests: only sha256, the algorithm every registry supports and the Go library uses.</summary>
internal static class OciDigest
{
    public const string Sha256Prefix = "sha256:";
    private const int HexLength = 64;

    public static bool IsSha256([NotNullWhen(true)] string? digest) =>
        digest is not null
        && digest.Length == Sha256Prefix.Length + HexLength
        && digest.StartsWith(Sha256Prefix, StringComparison.Ordinal)
        && !digest.AsSpan(Sha256Prefix.Length).ContainsAnyExcept("0123456789abcdef");

    public static string Of(ReadOnlySpan<byte> data) => Sha256Prefix + Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>The 64 hex digits of a sha256 digest (its file name in an OCI layout).</summary>
    public static string Hex(string digest) => digest[Sha256Prefix.Length..];

    /// <summary>Checks received bytes against the descriptor they were fetched by; CORRUPT naming both otherwise.</summary>
    public static void Verify(ReadOnlySpan<byte> data, BlobDescriptor expected, string source)
    {
        if (data.Length != expected.Size)
        {
            throw SnapshotterException.Corrupt($"{source}: received {data.Length} bytes, the descriptor says {expected.Size}");
        }

        string actual = Of(data);
        if (actual != expected.Digest)
        {
            throw SnapshotterException.Corrupt($"{source}: received content has digest {actual}, expected {expected.Digest}");
        }
    }
}
