using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Publishers;

/// <summary>
/// Signs one publisher account's L1 transactions on a silo where its key can sign (keyed by the account's address):
/// a keystore added through the portal is unlocked only in the process that had its password, an HSM key only where
/// the token is configured. A publisher grain on another silo routes the digest here; placement puts this grain on a
/// silo listed in key_holders for the key. The signed transaction goes back to the publisher grain, which records it
/// before it is sent.
/// </summary>
[Alias("hosting.publisher-key")]
public interface IPublisherKeyGrain : IGrainWithStringKey
{
    [Alias("sign-transaction")]
    Task<PublisherSigningResult> SignTransactionAsync(string tenant, Hash32 digest);
}

/// <summary>The signature, or why there is none as the signing silo saw it (error type name and message).</summary>
[GenerateSerializer, Immutable, Alias("hosting.publisher-signing-result")]
public sealed record PublisherSigningResult(
    [property: Id(0)] Signature? Signature,
    [property: Id(1)] string? ErrorType,
    [property: Id(2)] string? Error,
    [property: Id(3)] string Silo);
