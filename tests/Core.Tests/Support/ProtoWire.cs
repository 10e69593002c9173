using System.Text;

namespace Snapshotter.Tests.Support;

/// <summary>
/// The protobuf wire format by hand (protobuf.dev/programming-guides/encoding), independent of Google.Protobuf
/// and of the library's .proto files: golden tests read what the library sent, and write what dfdaemon would
/// send, field number by field number from docs/format.md ("The dfdaemon calls") and docs/vectors/dfdaemon/fields.tsv.
/// </summary>
internal static class ProtoWire
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int Len = 2;
    public const int Fixed32 = 5;

    /// <summary>One field occurrence: its number, wire type, and value (a varint, or the bytes of a LEN field).</summary>
    public readonly record struct Field(int Number, int WireType, ulong Value, byte[] Bytes)
    {
        public string Text => Encoding.UTF8.GetString(Bytes);

        public List<Field> Message => Parse(Bytes);
    }

    public static List<Field> Parse(ReadOnlySpan<byte> bytes)
    {
        var fields = new List<Field>();
        int at = 0;
        while (at < bytes.Length)
        {
            ulong key = ReadVarint(bytes, ref at);
            int number = (int)(key >> 3);
            int wireType = (int)(key & 7);
            switch (wireType)
            {
                case Varint:
                    fields.Add(new Field(number, wireType, ReadVarint(bytes, ref at), []));
                    break;
                case Len:
                    int length = checked((int)ReadVarint(bytes, ref at));
                    fields.Add(new Field(number, wireType, 0, bytes.Slice(at, length).ToArray()));
                    at += length;
                    break;
                case Fixed64:
                    fields.Add(new Field(number, wireType, BitConverter.ToUInt64(bytes.Slice(at, 8)), []));
                    at += 8;
                    break;
                case Fixed32:
                    fields.Add(new Field(number, wireType, BitConverter.ToUInt32(bytes.Slice(at, 4)), []));
                    at += 4;
                    break;
                default:
                    throw new FormatException($"wire type {wireType} of field {number} at byte {at}");
            }
        }

        return fields;
    }

    /// <summary>The single occurrence of a field, asserting its wire type.</summary>
    public static Field Single(List<Field> fields, int number, int wireType)
    {
        Field field = Assert.Single(fields, f => f.Number == number);
        Assert.True(field.WireType == wireType, $"field {number} has wire type {field.WireType}, expected {wireType}");
        return field;
    }

    public static byte[] VarintField(int number, ulong value) => [.. Key(number, Varint), .. EncodeVarint(value)];

    public static byte[] LenField(int number, ReadOnlySpan<byte> value) => [.. Key(number, Len), .. EncodeVarint((ulong)value.Length), .. value];

    public static byte[] StringField(int number, string value) => LenField(number, Encoding.UTF8.GetBytes(value));

    private static byte[] Key(int number, int wireType) => EncodeVarint(((ulong)number << 3) | (uint)wireType);

    private static byte[] EncodeVarint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("varint longer than 10 bytes");
    }
}
