using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Hosting.Contracts.Domain;

/// <summary>
/// A recoverable secp256k1 ECDSA signature: r, s and the parity of R's y coordinate.
/// Text and byte form are the 65 bytes r || s || v with v = 27 + parity, the layout cast prints and
/// ecrecover-based contracts (OpenZeppelin ECDSA) take. This type checks shape only; the curve rules
/// (r and s below the group order, low s) are checked by the L1 project where the curve lives.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.signature")]
[JsonConverter(typeof(FixedHexJsonConverter<Signature>))]
public readonly record struct Signature : IFixedHexValue<Signature>
{
    public const int Length = 65;

    static string IFixedHexValue<Signature>.Expected => "a signature: expected 0x followed by 130 hex digits";

    public Signature(Hash32 r, Hash32 s, byte yParity)
    {
        if (yParity > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(yParity), yParity, "The y parity of a signature is 0 or 1.");
        }
        R = r;
        S = s;
        YParity = yParity;
    }

    [Id(0)] public Hash32 R { get; }
    [Id(1)] public Hash32 S { get; }
    [Id(2)] public byte YParity { get; }

    /// <summary>The pre-EIP-155 recovery byte, 27 or 28.</summary>
    public byte V => (byte)(27 + YParity);

    /// <summary>Reads r || s || v where v is 0, 1, 27 or 28.</summary>
    public static Signature FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A signature is {Length} bytes (r, s, v), got {bytes.Length}.", nameof(bytes));
        }
        return TryParity(bytes[64], out var parity)
            ? new Signature(new Hash32(bytes[..32]), new Hash32(bytes[32..64]), parity)
            : throw new ArgumentException($"A signature's v is 0, 1, 27 or 28, got {bytes[64]}.", nameof(bytes));
    }

    public void CopyTo(Span<byte> destination)
    {
        R.CopyTo(destination);
        S.CopyTo(destination[32..]);
        destination[64] = V;
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

    public static Signature Parse(string s) => Parse(s.AsSpan(), null);

    public static Signature Parse(string s, IFormatProvider? provider) => Parse(s.AsSpan(), provider);

    public static Signature Parse(ReadOnlySpan<char> s, IFormatProvider? provider) =>
        TryParse(s, provider, out var value)
            ? value
            : throw new FormatException($"'{s}' is not a signature: expected 0x followed by 130 hex digits (r, s, v with v 0, 1, 27 or 28).");

    public static bool TryParse([NotNullWhen(true)] string? s, out Signature result) => TryParse(s.AsSpan(), null, out result);

    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, out Signature result) =>
        TryParse(s.AsSpan(), provider, out result);

    public static bool TryParse(ReadOnlySpan<char> s, IFormatProvider? provider, out Signature result)
    {
        result = default;
        Span<byte> bytes = stackalloc byte[Length];
        if (!FixedHex.TryDecode(s, bytes) || !TryParity(bytes[64], out var parity))
        {
            return false;
        }
        result = new Signature(new Hash32(bytes[..32]), new Hash32(bytes[32..64]), parity);
        return true;
    }

    private static bool TryParity(byte v, out byte parity)
    {
        parity = v switch { 0 or 27 => 0, 1 or 28 => 1, _ => 2 };
        return parity < 2;
    }
}
