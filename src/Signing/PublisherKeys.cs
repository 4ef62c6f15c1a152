using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Tenants;
using Hosting.Signing.Keystore;
using RefusalReason = Hosting.Contracts.Sequencers.RefusalReason;

namespace Hosting.Signing;

/// <summary>
/// Adding and removing a tenant's publisher accounts (the L1 accounts that pay for and send its transactions) in this
/// process's <see cref="KeyCustody"/>: the one implementation behind both the co-hosted portal (in process) and
/// <see cref="IKeymanagerGrain"/> (on a silo, for the standalone portal), so both answer alike, as
/// <see cref="Keymanager"/> does for sequencer keys. The key goes into custody with purpose publisher (a keystore
/// decrypted here with its password, which is then dropped: never logged, stored or put in an answer; or a key
/// generated in this process's HSM or vault) and the account is attached to the tenant through its publisher grain.
/// The caller checks the token; <see cref="Validate"/> is the shape check the portal does before routing.
/// </summary>
public sealed partial class PublisherKeys(KeyCustody custody, IGrainFactory grains)
{
    /// <summary>The request's shape, checked without custody: null when it may go on, else the field that was wrong.</summary>
    public static PublisherKeyAnswer? Validate(NewPublisherKey request)
    {
        var hasKeystore = !string.IsNullOrWhiteSpace(request.Keystore);
        var hasBackend = !string.IsNullOrWhiteSpace(request.Backend);
        if (hasKeystore == hasBackend)
        {
            return hasKeystore
                ? PublisherKeyAnswer.Invalid("backend", "Send either a keystore (with its password) or a backend to generate the key in, not both.")
                : PublisherKeyAnswer.Invalid("keystore", "Send a keystore (Web3 Secret Storage v3 JSON, as a string) with its password, or name a backend to generate the key in: pkcs11 or azure_key_vault.");
        }
        if (hasKeystore)
        {
            if (string.IsNullOrEmpty(request.PasswordValue))
            {
                return PublisherKeyAnswer.Invalid("password", "Send the keystore's password: it decrypts the key once here and is not stored.");
            }
            try
            {
                Web3Keystore.Describe(request.Keystore!);
            }
            catch (KeystoreException e)
            {
                return PublisherKeyAnswer.Invalid("keystore", $"Not a Web3 Secret Storage v3 keystore: {e.Message}");
            }
            return null;
        }
        var backend = ParseBackend(request.Backend!, out var refused);
        if (backend is null)
        {
            return refused;
        }
        var given = request.Label?.Trim();
        return given is { Length: > 0 } && !LabelPattern().IsMatch(given)
            ? PublisherKeyAnswer.Invalid("label", $"'{given}' is not a key label: use 1-64 letters, digits, dots, dashes and underscores, starting with a letter or digit.")
            : null;
    }

    /// <summary>The tenant's live publisher keys in custody and their backends.</summary>
    public async Task<PublisherKeyAnswer> ListAsync(string tenant, CancellationToken cancellationToken = default) =>
        PublisherKeyAnswer.Listed([.. (await custody.ListKeysAsync(tenant, cancellationToken))
            .Where(k => k.Purpose == KeyPurpose.Publisher && k.Status != KeyStatus.Deleted)
            .Select(k => new PublisherKeyEntry(k.Address, KeyNames.Of(k.Backend)))]);

    /// <summary>
    /// Adds a publisher account to <paramref name="tenant"/> from a keystore (with its password) or by generating a key
    /// in the backend the request names. Every failure names the field that was wrong; nothing is stored on a failure
    /// before custody took the key.
    /// </summary>
    public async Task<PublisherKeyAnswer> AddAsync(string tenant, NewPublisherKey request, string requestedBy, CancellationToken cancellationToken = default)
    {
        if (Validate(request) is { } invalid)
        {
            return invalid;
        }
        if (await grains.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            return UnknownTenant(tenant);
        }
        SigningKey key;
        if (!string.IsNullOrWhiteSpace(request.Keystore))
        {
            var stated = Web3Keystore.Describe(request.Keystore!).Address;
            if (stated is { } address && await RefuseExistingAsync(tenant, address, cancellationToken) is { } refused)
            {
                return refused;
            }
            var result = (await custody.RegisterKeystoresAsync(tenant, [new KeystoreInput(request.Keystore!, request.PasswordValue!)], requestedBy, 1, cancellationToken, KeyPurpose.Publisher))[0];
            switch (result.Error)
            {
                case null:
                    key = result.Key!;
                    break;
                case KeystoreException { Problem: KeystoreProblem.WrongPassword }:
                    return PublisherKeyAnswer.Invalid("password", "The password does not open this keystore (its MAC does not match); nothing was added.");
                case KeystoreException e:
                    return PublisherKeyAnswer.Invalid("keystore", $"The keystore did not open: {e.Message}");
                default:
                    return PublisherKeyAnswer.Failed(PublisherKeyFailure.Conflict, "Key held elsewhere", "keystore", result.Error.Message);
            }
            if (stated is null && await RefuseAttachedElsewhereAsync(tenant, key.Address) is { } elsewhere)
            {
                return elsewhere;
            }
        }
        else
        {
            var generated = await GenerateAsync(tenant, request.Backend!, request.Label, requestedBy, cancellationToken);
            if (generated.Key is null)
            {
                return generated.Failure!;
            }
            key = generated.Key;
        }
        try
        {
            var view = await grains.GetGrain<IPublisherGrain>(key.Address.ToString()).AttachAsync(tenant);
            return PublisherKeyAnswer.Added(view, KeyNames.Of(key.Backend));
        }
        catch (RequestRefusedException e)
        {
            return PublisherKeyAnswer.Failed(PublisherKeyFailure.Conflict, "Not attached", null, $"The key {key.Address} is in custody but the account was not attached: {e.Message}");
        }
    }

    /// <summary>
    /// Removes one of <paramref name="tenant"/>'s publisher accounts added at runtime: first the publisher is detached
    /// (refused while it has transactions pending, which may still need its key for a fee bump; from then on it sends
    /// nothing), then custody deletes the key (stopped, history kept, keystore ciphertext dropped) and a key the
    /// platform generated in the HSM or vault is destroyed there the way <c>DELETE /eth/v1/remotekeys</c> does it.
    /// Only publisher keys: a sequencer key of the tenant is not found here.
    /// </summary>
    public async Task<PublisherKeyAnswer> RemoveAsync(string tenant, Address address, string requestedBy, CancellationToken cancellationToken = default)
    {
        if (await grains.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            return UnknownTenant(tenant);
        }
        var publisher = grains.GetGrain<IPublisherGrain>(address.ToString());
        var key = await custody.FindKeyAsync(address, cancellationToken);
        if (key is null || key.Tenant != tenant || key.Status == KeyStatus.Deleted)
        {
            return PublisherKeyAnswer.Failed(PublisherKeyFailure.NotFound, "Unknown publisher account", null,
                key is null && await publisher.GetAsync() is { } loaded && loaded.Tenant == tenant
                    ? $"{address} was loaded from the silo's configuration at start, not added at runtime; the platform admin removes it from that configuration."
                    : $"Tenant '{tenant}' has no publisher account {address}.");
        }
        if (key.Purpose != KeyPurpose.Publisher)
        {
            return PublisherKeyAnswer.Failed(PublisherKeyFailure.NotFound, "Unknown publisher account", null,
                $"{address} is one of this tenant's sequencer keys, not a publisher account; a sequencer key is deleted through /eth/v1/keystores or /eth/v1/remotekeys.");
        }
        var detached = false;
        if (await publisher.GetAsync() is { } view && view.Tenant == tenant)
        {
            try
            {
                await publisher.DetachAsync(tenant);
                detached = true;
            }
            catch (RequestRefusedException e) when (e.Reason == RefusalReason.TransactionsPending)
            {
                return PublisherKeyAnswer.Failed(PublisherKeyFailure.Conflict, "Transactions pending", null, e.Message);
            }
        }
        // Past this point the account sends nothing; the rest runs to its end even if the caller goes away.
        try
        {
            await custody.DeleteKeyAsync(tenant, address, requestedBy, CancellationToken.None);
        }
        catch (Exception failure) when (detached)
        {
            // The key was not deleted, so the account goes back to the tenant rather than sit unattached and unused.
            try
            {
                await publisher.AttachAsync(tenant);
            }
            catch (Exception again)
            {
                throw new AggregateException($"Deleting the key of publisher {address} failed and attaching it again failed too; add it again.", failure, again);
            }
            throw;
        }
        var backend = key.Backend == SigningBackend.Keystore
            ? "Its keystore ciphertext was dropped."
            : await Keymanager.DestroyInBackendAsync(custody, grains, key, requestedBy, CancellationToken.None);
        return PublisherKeyAnswer.Removed(address, KeyNames.Of(key.Backend),
            $"{address} no longer sends for tenant '{tenant}': its key is stopped and deleted from custody, its history kept. {backend}");
    }

    private static PublisherKeyAnswer UnknownTenant(string tenant) =>
        PublisherKeyAnswer.Failed(PublisherKeyFailure.NotFound, "Unknown tenant", null, $"No tenant has the id '{tenant}'.");

    /// <summary>409 when the account is already this tenant's publisher, another tenant's, or a key custody holds for another purpose.</summary>
    private async Task<PublisherKeyAnswer?> RefuseExistingAsync(string tenant, Address address, CancellationToken cancellationToken)
    {
        if (await custody.FindKeyAsync(address, cancellationToken) is { Status: not KeyStatus.Deleted } held)
        {
            if (held.Tenant != tenant)
            {
                return PublisherKeyAnswer.Failed(PublisherKeyFailure.Conflict, "Key held for another tenant", "keystore", $"{address} is held for another tenant; a key is hosted once.");
            }
            return held.Purpose == KeyPurpose.Publisher
                ? PublisherKeyAnswer.Failed(PublisherKeyFailure.Conflict, "Already a publisher account", "keystore", $"{address} is already one of this tenant's publisher accounts.")
                : PublisherKeyAnswer.Failed(PublisherKeyFailure.Conflict, "Key is a sequencer's", "keystore", $"{address} is one of this tenant's sequencer keys; a sequencer key cannot also be a publisher account. Use another account to pay for L1 transactions.");
        }
        return await RefuseAttachedElsewhereAsync(tenant, address);
    }

    private async Task<PublisherKeyAnswer?> RefuseAttachedElsewhereAsync(string tenant, Address address) =>
        await grains.GetGrain<IPublisherGrain>(address.ToString()).GetAsync() is { } attached
            ? PublisherKeyAnswer.Failed(PublisherKeyFailure.Conflict, attached.Tenant == tenant ? "Already a publisher account" : "Account sends for another tenant", "keystore",
                attached.Tenant == tenant ? $"{address} is already one of this tenant's publisher accounts." : $"{address} already sends for another tenant.")
            : null;

    private static SigningBackend? ParseBackend(string backendName, out PublisherKeyAnswer? refused)
    {
        refused = null;
        SigningBackend backend;
        try
        {
            backend = KeyNames.ParseBackend(backendName.Trim().ToLowerInvariant());
        }
        catch (FormatException)
        {
            refused = PublisherKeyAnswer.Invalid("backend", $"'{backendName}' is not a key backend; expected pkcs11 or azure_key_vault.");
            return null;
        }
        if (backend == SigningBackend.Keystore)
        {
            refused = PublisherKeyAnswer.Invalid("backend", "Keystore keys are not generated by the platform: send the keystore and its password instead.");
            return null;
        }
        return backend;
    }

    private async Task<(SigningKey? Key, PublisherKeyAnswer? Failure)> GenerateAsync(string tenant, string backendName, string? label, string requestedBy, CancellationToken cancellationToken)
    {
        var backend = ParseBackend(backendName, out _)!.Value;
        if (!custody.HasBackend(backend) || !custody.CanGenerate(backend))
        {
            return (null, PublisherKeyAnswer.Failed(PublisherKeyFailure.Unavailable, "Backend not configured", "backend",
                $"The {KeyNames.Of(backend)} backend is not configured to generate keys on the server that holds key custody for this call; the platform admin sets it up (Hosting:Keys:Pkcs11 or Hosting:Keys:KeyVault)."));
        }
        var given = label?.Trim();
        // The tenant's id in front keeps one tenant's names apart from another's in the token; "publisher" from its sequencer keys.
        var tokenLabel = $"{tenant}.publisher.{(given is { Length: > 0 } ? given : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)))}";
        try
        {
            return (await custody.GenerateKeyAsync(tenant, backend, tokenLabel, requestedBy, cancellationToken, KeyPurpose.Publisher), null);
        }
        catch (KeyBackendException failure)
        {
            return (null, PublisherKeyAnswer.Failed(PublisherKeyFailure.Unavailable, "The backend could not generate the key", "backend", $"Nothing was generated or added: {failure.Message}"));
        }
        catch (Exception failure) when (failure is KeyCustodyException or KeyPurposeConflictException)
        {
            return (null, PublisherKeyAnswer.Failed(PublisherKeyFailure.Conflict, "Not recorded", null, $"The key was generated but custody refused it, so it was destroyed again: {failure.Message}"));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex LabelPattern();
}
