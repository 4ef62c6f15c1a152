using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Grains.Slots;
using Hosting.Signing;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Hosting.Grains.Publishers;

/// <summary>
/// Signs a publisher key's transaction digests on the silo that holds the key (<see cref="KeyHolderPlacement"/>, the
/// placement sequencer keys' <see cref="KeySignerGrain"/> uses). If the key cannot sign here after all (a stale
/// placement), the activation goes away after answering, so the next transaction is placed afresh.
/// </summary>
[KeyHolderPlacement, Reentrant]
public sealed class PublisherKeyGrain(KeyCustody custody, ILocalSiloDetails silo, ILogger<PublisherKeyGrain> logger) : Grain, IPublisherKeyGrain
{
    public async Task<PublisherSigningResult> SignTransactionAsync(string tenant, Hash32 digest)
    {
        var here = silo.SiloAddress.ToParsableString();
        var publisher = Address.Parse(this.GetPrimaryKeyString());
        try
        {
            return new PublisherSigningResult(await custody.SignPublisherTransactionAsync(tenant, publisher, digest), null, null, here);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            DeactivateOnIdle();
            logger.LogWarning("Signing a transaction of publisher {Publisher} on this silo failed: {Error}", publisher, exception.Message);
            return new PublisherSigningResult(null, exception.GetType().Name, exception.Message, here);
        }
    }
}
