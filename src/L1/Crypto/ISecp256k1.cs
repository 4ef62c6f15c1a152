using Hosting.Contracts.Domain;

namespace Hosting.L1.Crypto;

/// <summary>
/// ECDSA on secp256k1 as Ethereum uses it. Two implementations give identical answers (RFC 6979 makes
/// signing deterministic): libsecp256k1 through P/Invoke when the library is installed, BouncyCastle
/// otherwise. <see cref="Secp256k1.Default"/> picks one at startup.
/// </summary>
public interface ISecp256k1
{
    /// <summary>Which implementation this is, for logs and health output.</summary>
    string Name { get; }

    /// <summary>Signs a 32-byte digest with an RFC 6979 nonce; the result always has a low s.</summary>
    Signature Sign(Hash32 digest, PrivateKey key);

    /// <summary>The public key that made <paramref name="signature"/> over <paramref name="digest"/>; throws <see cref="SignatureException"/> when there is none.</summary>
    PublicKey Recover(Hash32 digest, Signature signature);

    /// <summary>True when the signature is canonical (low s) and made by <paramref name="publicKey"/>.</summary>
    bool Verify(Hash32 digest, Signature signature, PublicKey publicKey);

    /// <summary>The public key of <paramref name="key"/>.</summary>
    PublicKey DerivePublicKey(PrivateKey key);

    /// <summary>The address that made <paramref name="signature"/> over <paramref name="digest"/>.</summary>
    Address RecoverAddress(Hash32 digest, Signature signature) => Recover(digest, signature).ToAddress();
}
