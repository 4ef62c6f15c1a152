using System.Security.Cryptography;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Crypto;

/// <summary>
/// A secp256k1 private key held in memory: for tests, the devnet and the in-memory signer only. Production
/// keys stay in a vault behind <see cref="Signing.IEthSigner"/>. The key never appears in text: ToString and
/// every error name the address or what was wrong, not the key. Dispose wipes it.
/// </summary>
public sealed class PrivateKey : IDisposable
{
    private readonly byte[] _bytes;
    private PublicKey? _publicKey;

    /// <summary>Takes a copy of 32 big-endian bytes in [1, n-1].</summary>
    public PrivateKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 32)
        {
            throw new InvalidKeyException($"A private key is 32 bytes, got {bytes.Length}.");
        }
        if (!Secp256k1.IsValidScalar(bytes))
        {
            throw new InvalidKeyException("A private key must be between 1 and n-1 (the secp256k1 group order); this one is not.");
        }
        _bytes = bytes.ToArray();
    }

    /// <summary>Reads 64 hex digits, with or without 0x. A malformed key is reported by shape only, never echoed.</summary>
    public static PrivateKey FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex.AsSpan(2) : hex.AsSpan();
        Span<byte> bytes = stackalloc byte[32];
        try
        {
            if (digits.Length != 64 || Convert.FromHexString(digits, bytes, out _, out _) != System.Buffers.OperationStatus.Done)
            {
                throw new InvalidKeyException($"A private key is 64 hex digits (optionally after 0x); the text given has {digits.Length} characters or is not all hex.");
            }
            return new PrivateKey(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>A new random key from the operating system's CSPRNG.</summary>
    public static PrivateKey Generate()
    {
        Span<byte> bytes = stackalloc byte[32];
        try
        {
            do
            {
                RandomNumberGenerator.Fill(bytes);
            }
            while (!Secp256k1.IsValidScalar(bytes));
            return new PrivateKey(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>The key's public key (computed once).</summary>
    public PublicKey PublicKey => _publicKey ??= Secp256k1.Default.DerivePublicKey(this);

    /// <summary>The key's account address.</summary>
    public Address Address => PublicKey.ToAddress();

    internal ReadOnlySpan<byte> Bytes => _bytes;

    /// <inheritdoc />
    public override string ToString() => $"PrivateKey({Address})";

    /// <summary>Wipes the key bytes.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_bytes);
}
