using Hosting.Contracts.Domain;

namespace Hosting.L1.Signing;

/// <summary>
/// An Ethereum account that can sign a 32-byte digest without handing out its key: an in-memory key on
/// the devnet, a vault or HSM in production. Everything else (transactions, EIP-191 messages, EIP-712
/// typed data) is built on this one operation by <see cref="EthSignerExtensions"/>.
/// </summary>
public interface IEthSigner
{
    /// <summary>The address whose key signs.</summary>
    Address Address { get; }

    /// <summary>
    /// Signs <paramref name="digest"/> as is (no further hashing) with a low-s, recoverable signature.
    /// </summary>
    Task<Signature> SignDigestAsync(Hash32 digest, CancellationToken cancellationToken = default);
}
