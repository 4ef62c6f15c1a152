using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Grains.L1;
using Hosting.L1.Signing;
using Hosting.Signing;

namespace Hosting.Grains.Publishers;

/// <summary>Where a publisher grain finds the L1 signer of its account.</summary>
public interface IPublisherSigners
{
    /// <summary>
    /// The signer of <paramref name="publisher"/> for <paramref name="tenant"/> (any tenant when null, for a signer
    /// loaded from configuration), or null when this deployment holds no key for it.
    /// </summary>
    Task<IEthSigner?> FindAsync(Address publisher, string? tenant);
}

/// <summary>Only the keys loaded at start into <see cref="AccountKeys"/> (devnet key, keystore directory, tests).</summary>
public sealed class LoadedPublisherSigners(AccountKeys keys) : IPublisherSigners
{
    public Task<IEthSigner?> FindAsync(Address publisher, string? tenant) => Task.FromResult(keys.Find(publisher));
}

/// <summary>
/// The keys loaded at start first, then publisher keys in key custody (added at runtime through the portal: a
/// keystore, or a key generated in the HSM or vault). Custody is read at each lookup, so a key added on any silo is
/// found at once and a stopped or deleted one is not; the key signs here when it can, else on a silo that holds it.
/// </summary>
public sealed class CustodyPublisherSigners(AccountKeys keys, KeyCustody custody, IGrainFactory grains) : IPublisherSigners
{
    public async Task<IEthSigner?> FindAsync(Address publisher, string? tenant)
    {
        if (keys.Find(publisher) is { } loaded)
        {
            return loaded;
        }
        var key = await custody.FindKeyAsync(publisher);
        if (key is not { Purpose: KeyPurpose.Publisher, Status: KeyStatus.Active } || (tenant is not null && key.Tenant != tenant))
        {
            return null;
        }
        return new CustodyTransactionSigner(key, custody, grains);
    }
}

/// <summary>A publisher key in custody as an <see cref="IEthSigner"/>: signs in this process when the key can sign here, else through its <see cref="IPublisherKeyGrain"/>.</summary>
public sealed class CustodyTransactionSigner(SigningKey key, KeyCustody custody, IGrainFactory grains) : IEthSigner
{
    public Address Address => key.Address;

    public async Task<Signature> SignDigestAsync(Hash32 digest, CancellationToken cancellationToken = default)
    {
        if (custody.CanSignHere(key.Address, key.Backend))
        {
            return await custody.SignPublisherTransactionAsync(key.Tenant, key.Address, digest, cancellationToken);
        }
        var result = await grains.GetGrain<IPublisherKeyGrain>(key.Address.ToString()).SignTransactionAsync(key.Tenant, digest).WaitAsync(cancellationToken);
        return result.Signature ?? throw new PublisherSigningFailedException(key.Address, result);
    }
}

/// <summary>The silo that holds a publisher key could not sign; the message is that silo's error.</summary>
public sealed class PublisherSigningFailedException(Address publisher, PublisherSigningResult result)
    : InvalidOperationException($"Signing a transaction of publisher {publisher} on silo {result.Silo} failed: {result.ErrorType}: {result.Error}")
{
    /// <summary>The type name of the error there (for example KeystoreException when no silo holds the key unlocked).</summary>
    public string? ErrorType { get; } = result.ErrorType;
}
