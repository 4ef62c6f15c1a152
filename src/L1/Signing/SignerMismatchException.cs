using Hosting.Contracts.Domain;

namespace Hosting.L1.Signing;

/// <summary>
/// A signer returned a signature that does not recover to its own address: a misconfigured vault key
/// or a broken backend. Sending it would fail on chain (or worse, act for another account), so it stops here.
/// </summary>
public sealed class SignerMismatchException(Address expected, Address recovered, Hash32 digest, Signature signature)
    : L1Exception($"Signer {expected} returned signature {signature} over {digest}, which recovers to {recovered}.")
{
    /// <summary>The address the signer claims.</summary>
    public Address Expected { get; } = expected;

    /// <summary>The address the signature actually belongs to.</summary>
    public Address Recovered { get; } = recovered;

    /// <summary>The digest that was signed.</summary>
    public Hash32 Digest { get; } = digest;

    /// <summary>The signature that was returned.</summary>
    public Signature Signature { get; } = signature;
}
