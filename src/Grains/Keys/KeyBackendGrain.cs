using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
using Hosting.Contracts.Telemetry;
using Hosting.Signing;
using Hosting.Signing.AzureKeyVault;
using Hosting.Signing.Pkcs11;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Hosting.Grains.Keys;

/// <summary>
/// Generates and destroys keys in one backend through this silo's key custody. Placed on a silo configured for the
/// backend; if this silo is not (no silo was, or the list was stale), it says so and goes away after answering, so
/// the next call is placed afresh. Reentrant: the backend and custody order their own work.
/// </summary>
[KeyBackendPlacement, Reentrant]
public sealed class KeyBackendGrain(IServiceProvider services, ILocalSiloDetails silo, ILogger<KeyBackendGrain> logger) : Grain, IKeyBackendGrain
{
    private string Here => silo.SiloAddress.ToParsableString();

    public Task<bool> GeneratesKeysAsync()
    {
        if (Custody() is not { } found)
        {
            DeactivateOnIdle();
            return Task.FromResult(false);
        }
        return Task.FromResult(found.Custody.CanGenerate(found.Backend));
    }

    public async Task<KeyBackendOutcome> GenerateAsync(string tenant, string label, string requestedBy)
    {
        if (Custody() is not { } found)
        {
            return NotConfigured();
        }
        var (custody, backend) = found;
        try
        {
            var key = await custody.GenerateKeyAsync(tenant, backend, label, requestedBy);
            return new KeyBackendOutcome(key.Address, key.KeyReference, KeyBackendFailure.None, $"{KeyNames.Of(backend)} key {key.Address} made on {Here}", Here);
        }
        catch (KeyBackendException failure) when (failure is HsmException { Problem: HsmProblem.LabelTaken } or KeyVaultException { ErrorCode: KeyVaultBackend.KeyExists })
        {
            return Failed(KeyBackendFailure.LabelTaken, failure.Message);
        }
        catch (KeyBackendException failure)
        {
            logger.LogWarning("Generating a {Backend} key for {Tenant} failed: {Error}", this.GetPrimaryKeyString(), tenant, failure.Message);
            return Failed(KeyBackendFailure.BackendFailed, failure.Message);
        }
        catch (KeyCustodyException failure)
        {
            return Failed(KeyBackendFailure.Refused, failure.Message);
        }
    }

    public async Task<KeyBackendOutcome> DestroyAsync(string tenant, Address key, string requestedBy)
    {
        if (Custody() is not { } found)
        {
            return NotConfigured();
        }
        var custody = found.Custody;
        try
        {
            var destroyed = await custody.DestroyDeletedKeyAsync(tenant, key, requestedBy);
            return new KeyBackendOutcome(key, destroyed.Key.KeyReference, KeyBackendFailure.None, destroyed.Outcome, Here);
        }
        catch (KeyBackendException failure)
        {
            logger.LogWarning("Destroying {Backend} key {Key} failed: {Error}", this.GetPrimaryKeyString(), key, failure.Message);
            return Failed(KeyBackendFailure.BackendFailed, failure.Message);
        }
        catch (KeyCustodyException failure)
        {
            return Failed(KeyBackendFailure.Refused, failure.Message);
        }
    }

    /// <summary>This silo's custody and the backend this grain stands for, when the silo is configured for it.</summary>
    private (KeyCustody Custody, SigningBackend Backend)? Custody()
    {
        var name = this.GetPrimaryKeyString();
        if (name is not ("pkcs11" or "azure_key_vault"))
        {
            return null;
        }
        var backend = KeyNames.ParseBackend(name);
        return services.GetService<KeyCustody>() is { } custody && custody.HasBackend(backend) ? (custody, backend) : null;
    }

    private KeyBackendOutcome NotConfigured()
    {
        DeactivateOnIdle();
        return Failed(KeyBackendFailure.NotConfigured,
            $"The {this.GetPrimaryKeyString()} backend is not configured on any live silo of the cluster (asked on {Here}).");
    }

    private KeyBackendOutcome Failed(KeyBackendFailure failure, string message) => new(null, null, failure, message, Here);
}
