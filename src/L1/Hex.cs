using System.Buffers;
using System.Globalization;
using System.Numerics;

namespace Hosting.L1;

/// <summary>
/// The two hex forms of Ethereum JSON-RPC: data (0x + two digits per byte, any length, leading zeros kept)
/// and quantities (0x + the shortest digits of an unsigned integer, "0x0" for zero).
/// </summary>
public static class Hex
{
    /// <summary>0x followed by two lower-case hex digits per byte.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>Reads hex data; the 0x prefix is optional because keys and calldata arrive both ways from people.</summary>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var digits = StripPrefix(text);
        if (digits.Length % 2 != 0)
        {
            throw new HexFormatException(text, $"an even number of hex digits, got {digits.Length}");
        }
        var bytes = new byte[digits.Length / 2];
        if (Convert.FromHexString(digits, bytes, out _, out _) != OperationStatus.Done)
        {
            throw new HexFormatException(text, $"only the digits 0-9 and a-f (first bad character '{digits[FirstNonHex(digits)]}' at {FirstNonHex(digits) + text.Length - digits.Length})");
        }
        return bytes;
    }

    /// <summary>Reads hex data that must be exactly <paramref name="length"/> bytes long.</summary>
    public static byte[] Decode(string text, int length)
    {
        var bytes = Decode(text);
        return bytes.Length == length
            ? bytes
            : throw new HexFormatException(text, $"{length} bytes ({2 * length} hex digits), got {bytes.Length} bytes");
    }

    /// <summary>A quantity: 0x and the shortest hex digits ("0x0" for zero).</summary>
    public static string EncodeQuantity(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A JSON-RPC quantity is unsigned.");
        }
        if (value.IsZero)
        {
            return "0x0";
        }
        var digits = value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        return "0x" + digits;
    }

    /// <summary>A quantity: 0x and the shortest hex digits ("0x0" for zero).</summary>
    public static string EncodeQuantity(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Reads a quantity ("0x1a"); leading zeros are tolerated on input, never written.</summary>
    public static BigInteger DecodeQuantity(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        {
            throw new HexFormatException(text, "a quantity: 0x followed by at least one hex digit");
        }
        var digits = text.AsSpan(2);
        if (FirstNonHex(digits) is var bad and >= 0)
        {
            throw new HexFormatException(text, $"a quantity: only the digits 0-9 and a-f (first bad character '{digits[bad]}' at {bad + 2})");
        }
        return BigInteger.Parse("0" + digits.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a quantity that must fit in 64 bits (block numbers, nonces, gas).</summary>
    public static ulong DecodeUInt64Quantity(string text)
    {
        var value = DecodeQuantity(text);
        return value <= ulong.MaxValue
            ? (ulong)value
            : throw new HexFormatException(text, "a quantity below 2^64");
    }

    private static ReadOnlySpan<char> StripPrefix(string text) =>
        text.Length >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') ? text.AsSpan(2) : text.AsSpan();

    private static int FirstNonHex(ReadOnlySpan<char> digits) => digits.IndexOfAnyExcept(HexDigits);

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");
}
