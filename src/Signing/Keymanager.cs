using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Telemetry;
using RefusalReason = Hosting.Contracts.Sequencers.RefusalReason;
using Hosting.Signing.Keystore;

namespace Hosting.Signing;

/// <summary>
/// The Ethereum Keymanager API's work on a tenant's sequencer keys, over this process's <see cref="KeyCustody"/>: the
/// one implementation behind both the co-hosted portal (in process) and <see cref="IKeymanagerGrain"/> (on a silo,
/// for a portal without custody), so both answer alike. The token, the tenant and the request's shape are checked
/// by the caller; an imported key becomes one of the tenant's sequencers through <paramref name="grains"/>.
/// </summary>
public sealed class Keymanager(KeyCustody custody, IGrainFactory grains)
{
    /// <summary>The tenant's live sequencer keys: keystore keys, or (<paramref name="remote"/>) HSM and vault keys with their references.</summary>
    public async Task<KeymanagerAnswer> ListAsync(string tenant, bool remote, CancellationToken cancellationToken = default)
    {
        var keys = await custody.ListKeysAsync(tenant, cancellationToken);
        return KeymanagerAnswer.Listed([.. keys
            .Where(k => (k.Backend == SigningBackend.Keystore) != remote && k.Status != KeyStatus.Deleted && k.Purpose == KeyPurpose.Sequencer)
            .Select(k => new KeymanagerKey(k.Address.ToString(), remote ? k.KeyReference : ""))]);
    }

    /// <summary>Imports the interchange file first (a refused file: nothing imported), then decrypts and registers the keystores; one status each, in order.</summary>
    public async Task<KeymanagerAnswer> ImportKeystoresAsync(string tenant, KeystoreUpload upload, string requestedBy, CancellationToken cancellationToken = default)
    {
        if (upload.Keystores.Count != upload.Passwords.Values.Count)
        {
            return KeymanagerAnswer.Invalid("passwords", $"Send one password per keystore: {upload.Keystores.Count} keystores, {upload.Passwords.Values.Count} passwords.");
        }
        if (upload.SlashingProtection is { Length: > 0 } interchange)
        {
            try
            {
                await custody.ImportHistoryAsync(interchange, requestedBy, cancellationToken);
            }
            catch (FormatException e)
            {
                return KeymanagerAnswer.Invalid("slashing_protection", $"The interchange file was refused, nothing imported: {e.Message}");
            }
        }
        var held = await HeldAsync(tenant, cancellationToken);
        var inputs = upload.Keystores.Select((json, i) => new KeystoreInput(json, upload.Passwords.Values[i] ?? "")).ToList();
        var registered = await custody.RegisterKeystoresAsync(tenant, inputs, requestedBy, cancellationToken: cancellationToken);
        var statuses = new List<KeymanagerStatus>(registered.Count);
        foreach (var result in registered)
        {
            statuses.Add(result.Key is { } key
                ? await ImportedAsync(tenant, key.Address, held)
                : new KeymanagerStatus("error", result.Error?.Message ?? "The keystore was not imported."));
        }
        return KeymanagerAnswer.Done(statuses);
    }

    /// <summary>Registers HSM or vault keys by reference; a key whose address is not the one named is removed again (error).</summary>
    public async Task<KeymanagerAnswer> ImportRemoteKeysAsync(string tenant, IReadOnlyList<RemoteKeyUpload> keys, string requestedBy, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (BackendOf(keys[i].Url) is null)
            {
                return KeymanagerAnswer.Invalid($"remote_keys[{i}].url", $"'{keys[i].Url}' is not a key reference: expected a pkcs11: URI or an https:// Key Vault key URL.");
            }
        }
        var held = await HeldAsync(tenant, cancellationToken);
        var statuses = new List<KeymanagerStatus>(keys.Count);
        foreach (var entry in keys)
        {
            try
            {
                var key = await custody.RegisterAsync(tenant, BackendOf(entry.Url)!.Value, entry.Url, requestedBy, cancellationToken);
                if (key.Address != entry.Pubkey)
                {
                    await custody.DeleteKeyAsync(tenant, key.Address, requestedBy, cancellationToken);
                    statuses.Add(new KeymanagerStatus("error", $"The key at that reference is {key.Address}, not {entry.Pubkey}; not imported."));
                    continue;
                }
                statuses.Add(await ImportedAsync(tenant, key.Address, held));
            }
            catch (Exception e) when (e is KeyCustodyException or KeyBackendException or InvalidOperationException)
            {
                statuses.Add(new KeymanagerStatus("error", e.Message));
            }
        }
        return KeymanagerAnswer.Done(statuses);
    }

    /// <summary>Deletes the tenant's keystore keys, or (<paramref name="remote"/>) remote keys; statuses and the named keys' interchange.</summary>
    public Task<KeymanagerAnswer> DeleteAsync(string tenant, bool remote, IReadOnlyList<Address> keys, string requestedBy, CancellationToken cancellationToken = default) =>
        remote ? DeleteRemoteKeysAsync(tenant, keys, requestedBy, cancellationToken) : DeleteKeystoresAsync(tenant, keys, requestedBy, cancellationToken);

    private async Task<KeymanagerAnswer> DeleteKeystoresAsync(string tenant, IReadOnlyList<Address> addresses, string requestedBy, CancellationToken cancellationToken)
    {
        var statuses = new List<KeymanagerStatus>();
        var exported = new List<Address>();
        foreach (var address in addresses)
        {
            var key = await custody.FindKeyAsync(address, cancellationToken);
            if (key is null || key.Tenant != tenant || key.Backend != SigningBackend.Keystore || key.Purpose != KeyPurpose.Sequencer)
            {
                statuses.Add(new KeymanagerStatus("not_found", $"This tenant has no keystore key {address}."));
                continue;
            }
            exported.Add(address);
            if (key.Status == KeyStatus.Deleted)
            {
                statuses.Add(new KeymanagerStatus("not_active", $"{address} was already deleted; its history is in slashing_protection."));
                continue;
            }
            await custody.DeleteKeyAsync(tenant, address, requestedBy, cancellationToken);
            statuses.Add(new KeymanagerStatus("deleted", $"{address} stopped and deleted; its history is in slashing_protection and kept."));
        }
        return KeymanagerAnswer.Done(statuses, await custody.ExportHistoryAsync(exported, cancellationToken));
    }

    private async Task<KeymanagerAnswer> DeleteRemoteKeysAsync(string tenant, IReadOnlyList<Address> addresses, string requestedBy, CancellationToken cancellationToken)
    {
        var statuses = new List<KeymanagerStatus>();
        var exported = new List<Address>();
        foreach (var address in addresses)
        {
            var key = await custody.FindKeyAsync(address, cancellationToken);
            if (key is { Backend: not SigningBackend.Keystore, Purpose: KeyPurpose.Sequencer } && key.Tenant == tenant)
            {
                exported.Add(address);
            }
            if (key is null || key.Tenant != tenant || key.Backend == SigningBackend.Keystore || key.Status == KeyStatus.Deleted || key.Purpose != KeyPurpose.Sequencer)
            {
                statuses.Add(new KeymanagerStatus("not_found", $"This tenant has no remote key {address}."));
                continue;
            }
            await custody.DeleteKeyAsync(tenant, address, requestedBy, cancellationToken);
            statuses.Add(new KeymanagerStatus("deleted", $"{address} stopped and deleted; its history is kept. {await DestroyInBackendAsync(custody, grains, key, requestedBy, cancellationToken)}"));
        }
        // As for keystores: the history goes with the answer, since a key removed from its backend cannot sign it again elsewhere.
        return KeymanagerAnswer.Done(statuses, await custody.ExportHistoryAsync(exported, cancellationToken));
    }

    /// <summary>
    /// After a delete: removes a key the platform generated from its token or vault, here when this process holds the
    /// backend, else on a silo that does (its key-backend grain). A key registered by reference stays where its owner
    /// put it. Returns what happened, for the status message; a failure leaves the key deleted (it never signs again).
    /// </summary>
    public static async Task<string> DestroyInBackendAsync(KeyCustody custody, IGrainFactory grains, SigningKey key, string requestedBy, CancellationToken cancellationToken)
    {
        if (!await custody.WasGeneratedAsync(key.Address, cancellationToken))
        {
            return $"The platform did not generate it, so it stays in the {KeyNames.Of(key.Backend)} backend.";
        }
        var backend = KeyNames.Of(key.Backend);
        if (custody.HasBackend(key.Backend))
        {
            try
            {
                var destroyed = await custody.DestroyDeletedKeyAsync(key.Tenant, key.Address, requestedBy, cancellationToken);
                return $"'{key.KeyReference}' was removed from the {backend} backend: {destroyed.Outcome}.";
            }
            catch (Exception e) when (e is KeyBackendException or KeyCustodyException)
            {
                return $"The {backend} backend did not finish removing it: {e.Message}";
            }
        }
        try
        {
            var outcome = await grains.GetGrain<IKeyBackendGrain>(backend).DestroyAsync(key.Tenant, key.Address, requestedBy).WaitAsync(cancellationToken);
            return outcome.Failure == KeyBackendFailure.None
                ? $"'{key.KeyReference}' was removed from the {backend} backend (on {outcome.Silo}): {outcome.Message}."
                : $"The {backend} backend did not finish removing it: {outcome.Message}";
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            return $"The {backend} backend did not finish removing it: no silo with the backend took the call ({e.Message}).";
        }
    }

    /// <summary>Makes a registered key one of the tenant's sequencers; null when it is, or the reason it cannot be.</summary>
    public static async Task<string?> HostAsync(IGrainFactory grains, string tenant, Address address)
    {
        try
        {
            await grains.GetGrain<ISequencerGrain>(address.ToString()).ImportAsync(tenant);
            return null;
        }
        catch (RequestRefusedException e) when (e.Reason == RefusalReason.AlreadyImported)
        {
            var view = await grains.GetGrain<ISequencerGrain>(address.ToString()).GetAsync();
            return view?.Tenant == tenant ? null : e.Message;
        }
        catch (RequestRefusedException e)
        {
            return e.Message;
        }
    }

    /// <summary>The backend a remote key reference names: a pkcs11: URI, or an https Key Vault key URL; null for anything else.</summary>
    public static SigningBackend? BackendOf(string? url) =>
        url is null ? null
        : url.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase) ? SigningBackend.Pkcs11
        : Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps ? SigningBackend.AzureKeyVault
        : null;

    private async Task<HashSet<Address>> HeldAsync(string tenant, CancellationToken cancellationToken) =>
        (await custody.ListKeysAsync(tenant, cancellationToken)).Where(k => k.Status != KeyStatus.Deleted).Select(k => k.Address).ToHashSet();

    private async Task<KeymanagerStatus> ImportedAsync(string tenant, Address address, HashSet<Address> held) =>
        await HostAsync(grains, tenant, address) is { } hostError ? new KeymanagerStatus("error", hostError)
        : held.Contains(address) ? new KeymanagerStatus("duplicate", $"{address} was already imported for this tenant.")
        : new KeymanagerStatus("imported", $"{address} imported.");
}
