using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
using Hosting.Signing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace Hosting.Grains.Keys;

/// <summary>
/// The Keymanager API, and adding and removing publisher accounts (<see cref="PublisherKeys"/>), done in this silo's
/// key custody for a portal that has none: keystores imported here are
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

    public Task<PublisherKeyAnswer> ListPublishersAsync(string tenant) =>
        RunAsync(publishers => publishers.ListAsync(tenant));

    public Task<PublisherKeyAnswer> AddPublisherAsync(string tenant, NewPublisherKey key, string requestedBy) =>
        RunAsync(publishers => publishers.AddAsync(tenant, key, requestedBy));

    public Task<PublisherKeyAnswer> RemovePublisherAsync(string tenant, Address address, string requestedBy) =>
        RunAsync(publishers => publishers.RemoveAsync(tenant, address, requestedBy));

    private async Task<KeymanagerAnswer> RunAsync(Func<Keymanager, Task<KeymanagerAnswer>> call) =>
        Custody() is { } custody
            ? await call(new Keymanager(custody, GrainFactory)) with { Silo = Here }
            : new KeymanagerAnswer(KeymanagerFailure.NoCustody, null, NoCustodyMessage, [], [], null, Here);

    private async Task<PublisherKeyAnswer> RunAsync(Func<PublisherKeys, Task<PublisherKeyAnswer>> call) =>
        Custody() is { } custody
            ? await call(new PublisherKeys(custody, GrainFactory)) with { Silo = Here }
            : PublisherKeyAnswer.Failed(PublisherKeyFailure.NoCustody, "Key custody is not configured", null, NoCustodyMessage) with { Silo = Here };

    private string NoCustodyMessage =>
        $"Key custody is not configured on any live silo of the cluster (asked on {Here}): the key API needs a silo with Hosting:Postgres:ConnectionString set (environment Hosting__Postgres__ConnectionString).";

    /// <summary>This silo's custody, or null (then this activation goes away after answering, so a later call is placed afresh).</summary>
    private KeyCustody? Custody()
    {
        if (this.GetPrimaryKeyString() != IKeymanagerGrain.Key || services.GetService<KeyCustody>() is not { } custody)
        {
            DeactivateOnIdle();
            return null;
        }
        return custody;
    }
}
