using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Hosting.Contracts.Domain;

/// <summary>
/// A 32-byte value: a Keccak-256 hash, a block or transaction hash, an archive root, a bytes32 word.
/// Held as four integers so it compares and hashes without allocation; text form is 0x + 64 lower-case hex.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.hash32")]
[JsonConverter(typeof(FixedHexJsonConverter<Hash32>))]
public readonly record struct Hash32 : IFixedHexValue<Hash32>
{
    private const string Expected = "a 32-byte value: expected 0x followed by 64 hex digits";

    public const int Length = 32;

    [Id(0)] private readonly ulong _a;
    [Id(1)] private readonly ulong _b;
    [Id(2)] private readonly ulong _c;
    [Id(3)] private readonly ulong _d;

    public static Hash32 Zero => default;

    static string IFixedHexValue<Hash32>.Expected => Expected;

    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A 32-byte value is {Length} bytes, got {bytes.Length}.", nameof(bytes));
        }
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    public bool IsZero => (_a | _b | _c | _d) == 0;

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        CopyTo(bytes);
        return bytes;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        CopyTo(bytes);
        return FixedHex.Format(bytes);
    }

    public static Hash32 Parse(string s) => Parse(s.AsSpan(), null);

    public static Hash32 Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static Hash32 Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var value)
            ? value
            : throw new FormatException($"'{s}' is not {Expected}.");

    public static bool TryParse([NotNullWhen(true)] string? s, out Hash32 result) => TryParse(s.AsSpan(), null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Hash32 result) =>
        TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Hash32 result)
    {
        Span<byte> bytes = stackalloc byte[Length];
        var parsed = FixedHex.TryDecode(s, bytes);
        result = parsed ? new Hash32(bytes) : default;
        return parsed;
    }
}
