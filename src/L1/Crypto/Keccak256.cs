using System.Text;
using Hosting.Contracts.Domain;
using Org.BouncyCastle.Crypto.Digests;

namespace Hosting.L1.Crypto;

/// <summary>
/// Keccak-256 as Ethereum uses it: the original Keccak padding, not the SHA3-256 that NIST standardised
/// later (so .NET's SHA3_256 gives different answers and cannot be used here).
/// </summary>
public static class Keccak256
{
    // KeccakDigest is stateful and costs a 200-byte state to create; one per thread keeps hashing allocation-free.
    [ThreadStatic] private static KeccakDigest? _digest;

    /// <summary>keccak256(data).</summary>
    public static Hash32 Hash(ReadOnlySpan<byte> data)
    {
        Span<byte> output = stackalloc byte[32];
        Hash(data, output);
        return new Hash32(output);
    }

    /// <summary>Hashes the UTF-8 bytes of text, as Solidity does for signatures like "Transfer(address,address,uint256)".</summary>
    public static Hash32 Hash(string text) => Hash(Encoding.UTF8.GetBytes(text));

    /// <summary>Writes keccak256(data) into the first 32 bytes of <paramref name="destination"/>.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (destination.Length < 32)
        {
            throw new ArgumentException($"A Keccak-256 hash is 32 bytes; the destination holds {destination.Length}.", nameof(destination));
        }
        var digest = _digest ??= new KeccakDigest(256);
        digest.BlockUpdate(data);
        digest.DoFinal(destination);
    }
}
