using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;

namespace Hosting.Contracts.Domain;

/// <summary>
/// A 20-byte Ethereum account address. Held as three integers so equality and hashing cost nothing
/// and the type crosses the Orleans wire and JSON as itself; text form is lower-case 0x-hex
/// (EIP-55 checksum formatting needs Keccak and lives in the L1 project).
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.address")]
[JsonConverter(typeof(FixedHexJsonConverter<Address>))]
[TypeConverter(typeof(AddressTypeConverter))]
public readonly record struct Address : IFixedHexValue<Address>
{
    private const string Expected = "an address: expected 0x followed by 40 hex digits";

    public const int Length = 20;

    [Id(0)] private readonly ulong _high;
    [Id(1)] private readonly ulong _middle;
    [Id(2)] private readonly uint _low;

    public static Address Zero => default;

    static string IFixedHexValue<Address>.Expected => Expected;

    public Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"An address is {Length} bytes, got {bytes.Length}.", nameof(bytes));
        }
        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _middle = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _low = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
    }

    public bool IsZero => _high == 0 && _middle == 0 && _low == 0;

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _middle);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _low);
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

    public static Address Parse(string s) => Parse(s.AsSpan(), null);

    public static Address Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static Address Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var address)
            ? address
            : throw new FormatException($"'{s}' is not {Expected}.");

    public static bool TryParse([NotNullWhen(true)] string? s, out Address result) => TryParse(s.AsSpan(), null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Address result) =>
        TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Address result)
    {
        Span<byte> bytes = stackalloc byte[Length];
        var parsed = FixedHex.TryDecode(s, bytes);
        result = parsed ? new Address(bytes) : default;
        return parsed;
    }
}

internal sealed class AddressTypeConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? Address.Parse(text) : base.ConvertFrom(context, culture, value);
}

