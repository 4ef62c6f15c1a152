using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Transactions;

/// <summary>
/// An RLP value: a byte string or a list of items. Integers are byte strings without leading zeros
/// (zero is the empty string); reading them back checks that form, as go-ethereum does.
/// </summary>
public sealed class RlpItem
{
    private readonly byte[]? _bytes;
    private readonly IReadOnlyList<RlpItem>? _items;

    private RlpItem(byte[]? bytes, IReadOnlyList<RlpItem>? items, int offset)
    {
        _bytes = bytes;
        _items = items;
        Offset = offset;
    }

    /// <summary>The empty byte string (also the integer zero).</summary>
    public static RlpItem Empty { get; } = new([], null, 0);

    /// <summary>True for a list, false for a byte string.</summary>
    public bool IsList => _items is not null;

    /// <summary>Where this item started in the bytes it was decoded from (0 for items built in code).</summary>
    public int Offset { get; }

    /// <summary>The bytes of a byte string.</summary>
    public byte[] Bytes => _bytes ?? throw Shape("a byte string", "a list");

    /// <summary>The items of a list.</summary>
    public IReadOnlyList<RlpItem> Items => _items ?? throw Shape("a list", "a byte string");

    /// <summary>A byte string.</summary>
    public static RlpItem Of(ReadOnlySpan<byte> bytes) => new(bytes.ToArray(), null, 0);

    /// <summary>An unsigned integer, big-endian without leading zeros.</summary>
    public static RlpItem Of(ulong value) => Of(new BigInteger(value));

    /// <summary>An unsigned integer, big-endian without leading zeros.</summary>
    public static RlpItem Of(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "RLP integers are unsigned.");
        }
        return value.IsZero ? Empty : new RlpItem(value.ToByteArray(isUnsigned: true, isBigEndian: true), null, 0);
    }

    /// <summary>An address as its 20 bytes.</summary>
    public static RlpItem Of(Address address) => new(address.ToArray(), null, 0);

    /// <summary>A 32-byte value as its bytes.</summary>
    public static RlpItem Of(Hash32 hash) => new(hash.ToArray(), null, 0);

    /// <summary>A list of items.</summary>
    public static RlpItem List(params IEnumerable<RlpItem> items) => new(null, [.. items], 0);

    internal static RlpItem Decoded(byte[] bytes, int offset) => new(bytes, null, offset);

    internal static RlpItem DecodedList(IReadOnlyList<RlpItem> items, int offset) => new(null, items, offset);

    /// <summary>Reads a canonical unsigned integer of at most <paramref name="maxBytes"/> bytes.</summary>
    public BigInteger ToBigInteger(string field, int maxBytes = 32)
    {
        var bytes = Bytes;
        if (bytes.Length > maxBytes)
        {
            throw Field(field, $"{bytes.Length} bytes; at most {maxBytes} for an integer");
        }
        if (bytes.Length > 0 && bytes[0] == 0)
        {
            throw Field(field, $"{Hex.Encode(bytes)} has a leading zero; integers are written without");
        }
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Reads a canonical unsigned integer that fits in 64 bits.</summary>
    public ulong ToUInt64(string field) => (ulong)ToBigInteger(field, 8);

    /// <summary>Reads a 20-byte address, or null for the empty string (contract creation's "to").</summary>
    public Address? ToOptionalAddress(string field)
    {
        var bytes = Bytes;
        return bytes.Length switch
        {
            0 => null,
            Address.Length => new Address(bytes),
            _ => throw Field(field, $"{Hex.Encode(bytes)} is {bytes.Length} bytes; an address is 20 (or empty for contract creation)"),
        };
    }

    /// <summary>Reads a 32-byte string.</summary>
    public Hash32 ToHash32(string field) => Bytes.Length == Hash32.Length
        ? new Hash32(Bytes)
        : throw Field(field, $"{Hex.Encode(Bytes)} is {Bytes.Length} bytes; expected 32");

    private RlpException Shape(string expected, string actual) =>
        new($"expected {expected}, found {actual}", Offset, IsList ? "(list)" : Hex.Encode(_bytes!));

    private RlpException Field(string field, string problem) => new($"field '{field}': {problem}", Offset, Hex.Encode(_bytes ?? []));

    /// <inheritdoc />
    public override string ToString() => IsList ? $"[{string.Join(", ", _items!)}]" : Hex.Encode(_bytes!);
}
