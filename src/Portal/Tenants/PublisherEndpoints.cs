using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Telemetry;
using RefusalReason = Hosting.Contracts.Sequencers.RefusalReason;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Access;
using Hosting.Portal.Keys;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Tenants;

/// <summary>
/// The tenant's publisher accounts (the L1 accounts that pay for and send its transactions): balance, pending
/// transactions and whether the balance can still pay for a typical transaction. An operator adds one at runtime:
/// a keystore with its password, or a key generated in the configured HSM or Key Vault. The key goes into key custody
/// (the store sequencer keys use: ciphertext only, audited, listed in key_holders where it can sign) marked as a
/// publisher key, and the account is attached to the tenant; every silo's publisher grain finds it there.
/// </summary>
public static partial class PublisherEndpoints
{
    public static IEndpointRouteBuilder MapPublishers(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/tenants/{tenantId}/publishers", ListAsync).WithTags("Tenants")
            .RequireAuthorization(TenantAccessRequirement.Policy)
            .WithSummary("The tenant's publisher accounts: L1 balance (wei), underfunded, pending transactions")
            .Produces<PublisherAccountsResponse>().ProducesProblem(404);
        routes.MapPost("/api/v1/tenants/{tenantId}/publishers", PostAsync).WithTags("Tenants")
            .RequireAuthorization(TenantAccessRequirement.Policy)
            .WithSummary("Add a publisher account: a keystore and its password, or a key generated in the configured HSM or Key Vault")
            .Accepts<AddPublisherRequest>("application/json")
            .Produces<PublisherAccount>(201).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
        routes.MapDelete("/api/v1/tenants/{tenantId}/publishers/{address}", DeleteAsync).WithTags("Tenants")
            .RequireAuthorization(TenantAccessRequirement.Policy)
            .WithSummary("Remove a publisher account added at runtime: it stops sending, its key is deleted from custody (history kept) and, when the platform generated it, destroyed in the HSM or vault; 409 while it has transactions pending")
            .Produces<RemovedPublisherAccount>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
        return routes;
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, string tenantId, string address, IGrainFactory grains)
    {
        if (!Address.TryParse(address, out var account))
        {
            return RequestBody.Invalid("address", $"'{address}' is not a publisher account address: expected 0x and 40 hex digits.");
        }
        var outcome = await RemoveAsync(http.RequestServices, grains, tenantId, account, KeyManagerEndpoints.Who(http), http.RequestAborted);
        return outcome.Removed is { } removed
            ? Results.Ok(removed)
            : Results.Problem(title: outcome.Title, detail: outcome.Message, statusCode: outcome.Status);
    }

    /// <summary>
    /// Removes one of <paramref name="tenant"/>'s publisher accounts added at runtime: first the publisher is detached
    /// (refused while it has transactions pending, which may still need its key for a fee bump; from then on it sends
    /// nothing), then custody deletes the key (stopped, history kept, keystore ciphertext dropped) and a key the
    /// platform generated in the HSM or vault is destroyed there the way <c>DELETE /eth/v1/remotekeys</c> does it.
    /// Only publisher keys: a sequencer key of the tenant is not found here.
    /// </summary>
    public static async Task<PublisherRemoval> RemoveAsync(IServiceProvider services, IGrainFactory grains, string tenant, Address address, string requestedBy, CancellationToken cancellationToken)
    {
        if (services.GetService<KeyCustody>() is not { } custody)
        {
            return new(null, StatusCodes.Status503ServiceUnavailable, "Key custody is not configured",
                "Publisher accounts are removed through key custody, which needs Hosting:Postgres:ConnectionString on this server.");
        }
        if (await grains.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            return new(null, StatusCodes.Status404NotFound, "Unknown tenant", $"No tenant has the id '{tenant}'.");
        }
        var publisher = grains.GetGrain<IPublisherGrain>(address.ToString());
        var key = await custody.FindKeyAsync(address, cancellationToken);
        if (key is null || key.Tenant != tenant || key.Status == KeyStatus.Deleted)
        {
            return new(null, StatusCodes.Status404NotFound, "Unknown publisher account",
                key is null && await publisher.GetAsync() is { } loaded && loaded.Tenant == tenant
                    ? $"{address} was loaded from the silo's configuration at start, not added at runtime; the platform admin removes it from that configuration."
                    : $"Tenant '{tenant}' has no publisher account {address}.");
        }
        if (key.Purpose != KeyPurpose.Publisher)
        {
            return new(null, StatusCodes.Status404NotFound, "Unknown publisher account",
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
                return new(null, StatusCodes.Status409Conflict, "Transactions pending", e.Message);
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
        return new(new RemovedPublisherAccount(address.ToString(), "deleted", KeyNames.Of(key.Backend),
            $"{address} no longer sends for tenant '{tenant}': its key is stopped and deleted from custody, its history kept. {backend}"), StatusCodes.Status200OK, null, "");
    }

    private static async Task<IResult> PostAsync(HttpContext http, string tenantId, IGrainFactory grains)
    {
        var (request, bad) = await RequestBody.ReadAsync<AddPublisherRequest>(http.Request);
        if (bad is not null)
        {
            return bad;
        }
        var outcome = await AddAsync(http.RequestServices, grains, tenantId, request!, KeyManagerEndpoints.Who(http), http.RequestAborted);
        if (outcome.Account is { } account)
        {
            return Results.Created($"/api/v1/tenants/{tenantId}/publishers", account);
        }
        return outcome.Status == StatusCodes.Status400BadRequest
            ? RequestBody.Invalid(outcome.Field!, outcome.Message)
            : Results.Problem(title: outcome.Title, detail: outcome.Message, statusCode: outcome.Status,
                extensions: outcome.Field is { } field ? new Dictionary<string, object?> { ["field"] = field } : null);
    }

    /// <summary>
    /// Adds a publisher account to <paramref name="tenant"/> from a keystore (with its password) or by generating a key
    /// in the backend <see cref="AddPublisherRequest.Backend"/> names. Every failure names the field that was wrong;
    /// the password is used to decrypt and then dropped: never logged, never stored.
    /// </summary>
    public static async Task<PublisherAddition> AddAsync(IServiceProvider services, IGrainFactory grains, string tenant, AddPublisherRequest request, string requestedBy, CancellationToken cancellationToken)
    {
        var hasKeystore = !string.IsNullOrWhiteSpace(request.Keystore);
        var hasBackend = !string.IsNullOrWhiteSpace(request.Backend);
        if (hasKeystore == hasBackend)
        {
            return hasKeystore
                ? PublisherAddition.Invalid("backend", "Send either a keystore (with its password) or a backend to generate the key in, not both.")
                : PublisherAddition.Invalid("keystore", "Send a keystore (Web3 Secret Storage v3 JSON, as a string) with its password, or name a backend to generate the key in: pkcs11 or azure_key_vault.");
        }
        if (services.GetService<KeyCustody>() is not { } custody)
        {
            return PublisherAddition.Failed(StatusCodes.Status503ServiceUnavailable, "Key custody is not configured", null,
                "Publisher accounts are added through key custody, which needs Hosting:Postgres:ConnectionString on this server.");
        }
        if (await grains.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            return PublisherAddition.Failed(StatusCodes.Status404NotFound, "Unknown tenant", null, $"No tenant has the id '{tenant}'.");
        }
        SigningKey key;
        if (hasKeystore)
        {
            if (string.IsNullOrEmpty(request.Password))
            {
                return PublisherAddition.Invalid("password", "Send the keystore's password: it decrypts the key once here and is not stored.");
            }
            Address? stated;
            try
            {
                stated = Web3Keystore.Describe(request.Keystore!).Address;
            }
            catch (KeystoreException e)
            {
                return PublisherAddition.Invalid("keystore", $"Not a Web3 Secret Storage v3 keystore: {e.Message}");
            }
            if (stated is { } address && await RefuseExistingAsync(custody, grains, tenant, address, cancellationToken) is { } refused)
            {
                return refused;
            }
            var result = (await custody.RegisterKeystoresAsync(tenant, [new KeystoreInput(request.Keystore!, request.Password)], requestedBy, 1, cancellationToken, KeyPurpose.Publisher))[0];
            switch (result.Error)
            {
                case null:
                    key = result.Key!;
                    break;
                case KeystoreException { Problem: KeystoreProblem.WrongPassword }:
                    return PublisherAddition.Invalid("password", "The password does not open this keystore (its MAC does not match); nothing was added.");
                case KeystoreException e:
                    return PublisherAddition.Invalid("keystore", $"The keystore did not open: {e.Message}");
                default:
                    return PublisherAddition.Failed(StatusCodes.Status409Conflict, "Key held elsewhere", "keystore", result.Error.Message);
            }
            if (stated is null && await RefuseAttachedElsewhereAsync(grains, tenant, key.Address) is { } elsewhere)
            {
                return elsewhere;
            }
        }
        else
        {
            var generated = await GenerateAsync(custody, tenant, request.Backend!, request.Label, requestedBy, cancellationToken);
            if (generated.Key is null)
            {
                return generated.Failure!;
            }
            key = generated.Key;
        }
        try
        {
            var view = await grains.GetGrain<IPublisherGrain>(key.Address.ToString()).AttachAsync(tenant);
            return new PublisherAddition(PublisherAccount.From(view, key), StatusCodes.Status201Created, null, null, "");
        }
        catch (RequestRefusedException e)
        {
            return PublisherAddition.Failed(StatusCodes.Status409Conflict, "Not attached", null, $"The key {key.Address} is in custody but the account was not attached: {e.Message}");
        }
    }

    /// <summary>409 when the account is already this tenant's publisher, another tenant's, or a key custody holds for another purpose.</summary>
    private static async Task<PublisherAddition?> RefuseExistingAsync(KeyCustody custody, IGrainFactory grains, string tenant, Address address, CancellationToken cancellationToken)
    {
        if (await custody.FindKeyAsync(address, cancellationToken) is { Status: not KeyStatus.Deleted } held)
        {
            if (held.Tenant != tenant)
            {
                return PublisherAddition.Failed(StatusCodes.Status409Conflict, "Key held for another tenant", "keystore", $"{address} is held for another tenant; a key is hosted once.");
            }
            return held.Purpose == KeyPurpose.Publisher
                ? PublisherAddition.Failed(StatusCodes.Status409Conflict, "Already a publisher account", "keystore", $"{address} is already one of this tenant's publisher accounts.")
                : PublisherAddition.Failed(StatusCodes.Status409Conflict, "Key is a sequencer's", "keystore", $"{address} is one of this tenant's sequencer keys; a sequencer key cannot also be a publisher account. Use another account to pay for L1 transactions.");
        }
        return await RefuseAttachedElsewhereAsync(grains, tenant, address);
    }

    private static async Task<PublisherAddition?> RefuseAttachedElsewhereAsync(IGrainFactory grains, string tenant, Address address) =>
        await grains.GetGrain<IPublisherGrain>(address.ToString()).GetAsync() is { } attached
            ? PublisherAddition.Failed(StatusCodes.Status409Conflict, attached.Tenant == tenant ? "Already a publisher account" : "Account sends for another tenant", "keystore",
                attached.Tenant == tenant ? $"{address} is already one of this tenant's publisher accounts." : $"{address} already sends for another tenant.")
            : null;

    private static async Task<(SigningKey? Key, PublisherAddition? Failure)> GenerateAsync(KeyCustody custody, string tenant, string backendName, string? label, string requestedBy, CancellationToken cancellationToken)
    {
        SigningBackend backend;
        try
        {
            backend = KeyNames.ParseBackend(backendName.Trim().ToLowerInvariant());
        }
        catch (FormatException)
        {
            return (null, PublisherAddition.Invalid("backend", $"'{backendName}' is not a key backend; expected pkcs11 or azure_key_vault."));
        }
        if (backend == SigningBackend.Keystore)
        {
            return (null, PublisherAddition.Invalid("backend", "Keystore keys are not generated by the platform: send the keystore and its password instead."));
        }
        if (!custody.HasBackend(backend) || !custody.CanGenerate(backend))
        {
            return (null, PublisherAddition.Failed(StatusCodes.Status503ServiceUnavailable, "Backend not configured", "backend",
                $"The {KeyNames.Of(backend)} backend is not configured to generate keys on this server; the platform admin sets it up (Hosting:Keys:Pkcs11 or Hosting:Keys:KeyVault)."));
        }
        var given = label?.Trim();
        if (given is { Length: > 0 } && !LabelPattern().IsMatch(given))
        {
            return (null, PublisherAddition.Invalid("label", $"'{given}' is not a key label: use 1-64 letters, digits, dots, dashes and underscores, starting with a letter or digit."));
        }
        // The tenant's id in front keeps one tenant's names apart from another's in the token; "publisher" from its sequencer keys.
        var tokenLabel = $"{tenant}.publisher.{(given is { Length: > 0 } ? given : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)))}";
        try
        {
            return (await custody.GenerateKeyAsync(tenant, backend, tokenLabel, requestedBy, cancellationToken, KeyPurpose.Publisher), null);
        }
        catch (KeyBackendException failure)
        {
            return (null, PublisherAddition.Failed(StatusCodes.Status503ServiceUnavailable, "The backend could not generate the key", "backend", $"Nothing was generated or added: {failure.Message}"));
        }
        catch (Exception failure) when (failure is KeyCustodyException or KeyPurposeConflictException)
        {
            return (null, PublisherAddition.Failed(StatusCodes.Status409Conflict, "Not recorded", null, $"The key was generated but custody refused it, so it was destroyed again: {failure.Message}"));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex LabelPattern();


    private static async Task<IResult> ListAsync(HttpContext http, string tenantId, IGrainFactory grains)
    {
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        var keys = await CustodyKeysAsync(http.RequestServices, tenantId, http.RequestAborted);
        return Results.Ok(new PublisherAccountsResponse([.. (await ReadAsync(grains, tenantId)).Select(v => PublisherAccount.From(v, keys.GetValueOrDefault(v.Publisher)))]));
    }

    /// <summary>The tenant's live publisher keys in custody, by address (none without custody).</summary>
    public static async Task<IReadOnlyDictionary<Address, SigningKey>> CustodyKeysAsync(IServiceProvider services, string tenant, CancellationToken cancellationToken) =>
        services.GetService<KeyCustody>() is { } custody
            ? (await custody.ListKeysAsync(tenant, cancellationToken)).Where(k => k.Purpose == KeyPurpose.Publisher && k.Status != KeyStatus.Deleted).ToDictionary(k => k.Address)
            : new Dictionary<Address, SigningKey>();

    /// <summary>
    /// Each publisher the tenant holds, reconciled with L1 now (balance refreshed, mined transactions dropped) so
    /// the page and the API show what a funding decision needs; only the tenant's own accounts are listed.
    /// </summary>
    public static async Task<IReadOnlyList<PublisherView>> ReadAsync(IGrainFactory grains, string tenantId)
    {
        var holdings = await grains.GetGrain<ITenantGrain>(tenantId).GetHoldingsAsync();
        var views = await Task.WhenAll(holdings.Publishers.Select(async Task<PublisherView?> (address) =>
        {
            var publisher = grains.GetGrain<IPublisherGrain>(address.ToString());
            try
            {
                return await publisher.CheckAsync();
            }
            catch (Exception)
            {
                // L1 unreachable: the last known state is still worth showing.
                return await publisher.GetAsync();
            }
        }));
        return [.. views.OfType<PublisherView>().Where(v => v.Tenant == tenantId)];
    }
}

public sealed record PublisherAccountsResponse(IReadOnlyList<PublisherAccount> Items);

/// <param name="Backend">Where the key lives: keystore, pkcs11 or azure_key_vault; "configuration" for a key the silo loaded at start.</param>
public sealed record PublisherAccount(
    string Address, string Balance, bool Underfunded, ulong NextNonce, long Sent, long Bumped, IReadOnlyList<PendingTransactionResponse> Pending, string? Backend = null)
{
    public static PublisherAccount From(PublisherView view, SigningKey? key = null) => new(
        view.Publisher.ToString(), view.Balance.ToString(CultureInfo.InvariantCulture), view.Underfunded, view.NextNonce, view.Sent, view.Bumped,
        [.. view.Pending.Select(p => new PendingTransactionResponse(p.Nonce, p.Hash.ToString(), p.Purpose, p.MaxFeePerGas.ToString(CultureInfo.InvariantCulture), p.Bumps))],
        key is null ? "configuration" : KeyNames.Of(key.Backend));
}

/// <summary>
/// A publisher account to add: <c>keystore</c> (Web3 Secret Storage v3 JSON as a string) with <c>password</c>, or
/// <c>backend</c> (<c>pkcs11</c>, <c>azure_key_vault</c>) with an optional <c>label</c> to generate the key there.
/// </summary>
public sealed record AddPublisherRequest(
    [property: JsonPropertyName("keystore")] string? Keystore,
    [property: JsonPropertyName("password")] string? Password,
    [property: JsonPropertyName("backend")] string? Backend,
    [property: JsonPropertyName("label")] string? Label)
{
    // The password never reaches a log or a response.
    public override string ToString() => $"AddPublisherRequest({(Keystore is null ? $"generate in {Backend}" : "keystore")})";
}

/// <summary>The account added, or the status, the field and the message of why not.</summary>
public sealed record PublisherAddition(PublisherAccount? Account, int Status, string? Field, string? Title, string Message)
{
    internal static PublisherAddition Invalid(string field, string message) => new(null, StatusCodes.Status400BadRequest, field, "Invalid request", message);

    internal static PublisherAddition Failed(int status, string title, string? field, string message) => new(null, status, field, title, message);
}

/// <summary>A publisher account removed: its address, <c>deleted</c>, where its key lived, and what happened to the key.</summary>
public sealed record RemovedPublisherAccount(string Address, string Status, string Backend, string Detail);

/// <summary>The account removed, or the status, title and message of why not.</summary>
public sealed record PublisherRemoval(RemovedPublisherAccount? Removed, int Status, string? Title, string Message);

public sealed record PendingTransactionResponse(ulong Nonce, string Hash, string Purpose, string MaxFeePerGas, int Bumps);
