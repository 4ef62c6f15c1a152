using System.Globalization;
using System.Text;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Crypto;

/// <summary>
/// EIP-191 version 0x45 ("personal_sign"): the message is prefixed with "\x19Ethereum Signed Message:\n"
/// and its decimal length before hashing, so a signed message can never be replayed as a transaction.
/// </summary>
public static class PersonalMessage
{
    private const string Prefix = "\u0019Ethereum Signed Message:\n";

    /// <summary>The digest personal_sign and <c>cast wallet sign</c> sign for <paramref name="message"/>.</summary>
    public static Hash32 Hash(ReadOnlySpan<byte> message)
    {
        var header = Encoding.ASCII.GetBytes(Prefix + message.Length.ToString(CultureInfo.InvariantCulture));
        var input = new byte[header.Length + message.Length];
        header.CopyTo(input, 0);
        message.CopyTo(input.AsSpan(header.Length));
        return Keccak256.Hash(input);
    }

    /// <summary>The digest for the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static Hash32 Hash(string text) => Hash(Encoding.UTF8.GetBytes(text));
}
