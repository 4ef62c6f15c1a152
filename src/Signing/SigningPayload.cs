using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.Signing;

/// <summary>
/// The only payload shape the gate signs: an EIP-712 signing input. Refusing anything else means a
/// sequencer key can never be talked into signing a transaction or a personal message through the gate.
/// </summary>
public static class SigningPayload
{
    /// <summary>The length of an EIP-712 signing input: 2 + 32 + 32 bytes.</summary>
    public const int Length = 66;

    /// <summary><c>0x19 0x01 ‖ domainSeparator ‖ structHash</c>, whose Keccak-256 is the EIP-712 digest.</summary>
    public static byte[] Eip712(Hash32 domainSeparator, Hash32 structHash)
    {
        var payload = new byte[Length];
        payload[0] = 0x19;
        payload[1] = 0x01;
        domainSeparator.CopyTo(payload.AsSpan(2));
        structHash.CopyTo(payload.AsSpan(34));
        return payload;
    }

    /// <summary>Why <paramref name="payload"/> is not an EIP-712 signing input, or null when it is one.</summary>
    public static string? FindProblem(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != Length)
        {
            return $"the payload is {payload.Length} bytes; an EIP-712 signing input (0x1901 ‖ domainSeparator ‖ structHash) is {Length}";
        }
        return payload[0] == 0x19 && payload[1] == 0x01
            ? null
            : $"the payload starts with 0x{payload[0]:x2}{payload[1]:x2}; an EIP-712 signing input starts with 0x1901";
    }

    /// <summary>The digest that is signed and the safety record's payload hash: keccak256(payload).</summary>
    public static Hash32 Digest(ReadOnlySpan<byte> payload) => Keccak256.Hash(payload);

    /// <summary>The domain separator inside an EIP-712 signing input.</summary>
    public static Hash32 DomainSeparator(ReadOnlySpan<byte> payload) => new(payload.Slice(2, 32));
}
