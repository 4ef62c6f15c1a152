using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
using Hosting.Signing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace Hosting.Grains.Keys;

/// <summary>
/// The Keymanager API done in this silo's key custody for a portal that has none: keystores imported here are
/// decrypted and held unlocked here (and this silo lists them in key_holders, so other silos route their duties
/// here). Placed like <see cref="KeyBackendGrain"/>, on a live silo that lists custody; if this silo has none (no
/// silo had), it says so and goes away after answering. Reentrant: custody orders its own work per key.
/// </summary>
[KeyBackendPlacement, Reentrant]
public sealed class KeymanagerGrain(IServiceProvider services, ILocalSiloDetails silo) : Grain, IKeymanagerGrain
{
    private string Here => silo.SiloAddress.ToParsableString();

    public Task<KeymanagerAnswer> ListAsync(string tenant, bool remote) =>
        RunAsync(keymanager => keymanager.ListAsync(tenant, remote));

    public Task<KeymanagerAnswer> ImportKeystoresAsync(string tenant, KeystoreUpload upload, string requestedBy) =>
        RunAsync(keymanager => keymanager.ImportKeystoresAsync(tenant, upload, requestedBy));

    public Task<KeymanagerAnswer> ImportRemoteKeysAsync(string tenant, IReadOnlyList<RemoteKeyUpload> keys, string requestedBy) =>
        RunAsync(keymanager => keymanager.ImportRemoteKeysAsync(tenant, keys, requestedBy));

    public Task<KeymanagerAnswer> DeleteAsync(string tenant, bool remote, IReadOnlyList<Address> keys, string requestedBy) =>
        RunAsync(keymanager => keymanager.DeleteAsync(tenant, remote, keys, requestedBy));

    private async Task<KeymanagerAnswer> RunAsync(Func<Keymanager, Task<KeymanagerAnswer>> call)
    {
        if (this.GetPrimaryKeyString() != IKeymanagerGrain.Key || services.GetService<KeyCustody>() is not { } custody)
        {
            DeactivateOnIdle();
            return new KeymanagerAnswer(KeymanagerFailure.NoCustody, null,
                $"Key custody is not configured on any live silo of the cluster (asked on {Here}): the key API needs a silo with Hosting:Postgres:ConnectionString set (environment Hosting__Postgres__ConnectionString).",
                [], [], null, Here);
        }
        return await call(new Keymanager(custody, GrainFactory)) with { Silo = Here };
    }
}
