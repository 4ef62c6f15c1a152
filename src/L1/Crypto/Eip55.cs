using Hosting.Contracts.Domain;

namespace Hosting.L1.Crypto;

/// <summary>
/// EIP-55 mixed-case checksum addresses: a letter digit is upper case when the matching nibble of
/// keccak(lower-case hex) is 8 or more, so a mistyped address fails the check.
/// </summary>
public static class Eip55
{
    /// <summary>The address in EIP-55 mixed-case checksum form.</summary>
    public static string ToChecksumString(this Address address)
    {
        var lower = address.ToString()[2..];
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(lower), hash);
        Span<char> result = stackalloc char[42];
        result[0] = '0';
        result[1] = 'x';
        for (var i = 0; i < 40; i++)
        {
            var nibble = (i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2]) & 0xF;
            result[i + 2] = nibble >= 8 ? char.ToUpperInvariant(lower[i]) : lower[i];
        }
        return new string(result);
    }

    /// <summary>
    /// Reads an address; all-lower or all-upper case is taken as carrying no checksum, mixed case must
    /// match the checksum exactly.
    /// </summary>
    public static Address Parse(string text)
    {
        if (!Address.TryParse(text, out var address))
        {
            throw new HexFormatException(text, "an address: 0x followed by 40 hex digits");
        }
        var digits = text.AsSpan(2);
        var mixedCase = digits.ContainsAny("abcdef") && digits.ContainsAny("ABCDEF");
        if (mixedCase && address.ToChecksumString()[2..] != digits.ToString())
        {
            throw new HexFormatException(text, $"an address with a valid EIP-55 checksum ({address.ToChecksumString()})");
        }
        return address;
    }
}
