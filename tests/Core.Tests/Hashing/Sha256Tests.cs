using System.Security.Cryptography;
using System.Text;
using Snapshotter.Hashing;

namespace Snapshotter.Tests.Hashing;

/// <summary>The library's SHA-256 against FIPS 180-4 vectors and against .NET's (OpenSSL's) implementation.</summary>
public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Known_vectors(string input, string hex)
    {
        Assert.Equal(hex, Convert.ToHexStringLower(Sha256.Hash(Encoding.ASCII.GetBytes(input))));
        Assert.Equal("sha256:" + hex, Sha256.OciDigest(Encoding.ASCII.GetBytes(input)));
    }

    [Fact]
    public void Every_length_around_the_block_and_padding_boundaries_matches_the_reference()
    {
        byte[] data = new byte[300];
        new Random(256).NextBytes(data);
        for (int length = 0; length <= data.Length; length++)
        {
            Assert.Equal(SHA256.HashData(data.AsSpan(0, length)), Sha256.Hash(data.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Streaming_in_uneven_pieces_matches_one_shot()
    {
        byte[] data = new byte[1 << 20];
        new Random(1).NextBytes(data);
        var random = new Random(2);
        var sha = new Sha256();
        for (int offset = 0; offset < data.Length;)
        {
            int length = Math.Min(random.Next(0, 5000), data.Length - offset);
            sha.Append(data.AsSpan(offset, length));
            offset += length;
        }

        Assert.Equal(SHA256.HashData(data), sha.Finish());
        sha.Append("abc"u8);
        Assert.Equal(SHA256.HashData("abc"u8), sha.Finish());
    }
}
