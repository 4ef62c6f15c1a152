using System.Security.Claims;
using System.Text.Json.Serialization;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using RefusalReason = Hosting.Contracts.Sequencers.RefusalReason;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Tenants;
using Hosting.Portal.Access;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Keys;

/// <summary>
/// The Ethereum Keymanager API (/eth/v1/keystores, /eth/v1/remotekeys) for sequencer keys, scoped to the tenant of
/// the bearer token (the platform admin names one with ?tenant=). Every change goes through <see cref="KeyCustody"/>,
/// so it is locked, audited and keeps the signing history; an imported key becomes one of the tenant's sequencers.
/// </summary>
public static class KeyManagerEndpoints
{
    public static IEndpointRouteBuilder MapKeyManager(this IEndpointRouteBuilder routes)
    {
        var keys = routes.MapGroup("/eth/v1").WithTags("Keys").RequireAuthorization();
        keys.MapGet("/keystores", ListKeystoresAsync)
            .WithSummary("The tenant's keystore keys").Produces<KeystoreList>().ProducesProblem(503);
        keys.MapPost("/keystores", ImportKeystoresAsync)
            .WithSummary("Import keystores (and optionally their slashing-protection interchange); one status per keystore")
            .Accepts<ImportKeystoresRequest>("application/json")
            .Produces<KeyStatuses>().ProducesValidationProblem().ProducesProblem(413).ProducesProblem(503);
        keys.MapDelete("/keystores", DeleteKeystoresAsync)
            .WithSummary("Delete keys: they stop signing, their history is exported and kept")
            .Accepts<DeleteKeysRequest>("application/json")
            .Produces<DeletedKeys>().ProducesValidationProblem().ProducesProblem(503);
        keys.MapGet("/remotekeys", ListRemoteKeysAsync)
            .WithSummary("The tenant's HSM (PKCS#11) and Azure Key Vault keys").Produces<RemoteKeyList>().ProducesProblem(503);
        keys.MapPost("/remotekeys", ImportRemoteKeysAsync)
            .WithSummary("Register HSM or vault keys by reference (pkcs11: URI or Key Vault key URL)")
            .Accepts<ImportRemoteKeysRequest>("application/json")
            .Produces<KeyStatuses>().ProducesValidationProblem().ProducesProblem(503);
        keys.MapDelete("/remotekeys", DeleteRemoteKeysAsync)
            .WithSummary("Delete HSM or vault keys from signing (a key the platform generated is removed from its token or vault); their history is exported and kept")
            .Accepts<DeleteKeysRequest>("application/json")
            .Produces<DeletedKeys>().ProducesValidationProblem().ProducesProblem(503);
        return routes;
    }

    private static async Task<IResult> ListKeystoresAsync(HttpContext http, string? tenant)
    {
        var (custody, owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        var keys = await custody!.ListKeysAsync(owner, http.RequestAborted);
        return Results.Ok(new KeystoreList([.. keys
            .Where(k => k.Backend == SigningBackend.Keystore && k.Status != KeyStatus.Deleted && k.Purpose == KeyPurpose.Sequencer)
            .Select(k => new KeystoreEntry(k.Address.ToString(), "", false))]));
    }

    private static async Task<IResult> ImportKeystoresAsync(HttpContext http, string? tenant, IGrainFactory grains)
    {
        var (custody, owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        var (request, bad) = await RequestBody.ReadAsync<ImportKeystoresRequest>(http.Request);
        if (bad is not null)
        {
            return bad;
        }
        if (request!.Keystores is not { Count: > 0 } keystores)
        {
            return RequestBody.Invalid("keystores", "Send at least one keystore (Web3 Secret Storage v3 JSON, as a string).");
        }
        if (request.Passwords is not { } passwords || passwords.Count != keystores.Count)
        {
            return RequestBody.Invalid("passwords", $"Send one password per keystore: {keystores.Count} keystores, {request.Passwords?.Count ?? 0} passwords.");
        }
        if (keystores.IndexOf(null!) is >= 0 and var missing)
        {
            return RequestBody.Invalid($"keystores[{missing}]", "A keystore must be a JSON string, not null.");
        }
        if (await grains.GetGrain<ITenantGrain>(owner!).GetAsync() is null)
        {
            return TenantProblems.Unknown(owner!);
        }
        if (request.SlashingProtection is { Length: > 0 } interchange)
        {
            try
            {
                await custody!.ImportHistoryAsync(interchange, Who(http), http.RequestAborted);
            }
            catch (FormatException e)
            {
                return RequestBody.Invalid("slashing_protection", $"The interchange file was refused, nothing imported: {e.Message}");
            }
        }
        var held = (await custody!.ListKeysAsync(owner, http.RequestAborted))
            .Where(k => k.Status != KeyStatus.Deleted).Select(k => k.Address).ToHashSet();
        var inputs = keystores.Select((json, i) => new KeystoreInput(json, passwords[i] ?? "")).ToList();
        var registered = await custody.RegisterKeystoresAsync(owner!, inputs, Who(http), cancellationToken: http.RequestAborted);
        var statuses = new List<KeyStatusEntry>(registered.Count);
        foreach (var result in registered)
        {
            if (result.Key is not { } key)
            {
                statuses.Add(new KeyStatusEntry("error", result.Error?.Message ?? "The keystore was not imported."));
                continue;
            }
            var hostError = await HostAsync(grains, owner!, key.Address);
            statuses.Add(hostError is not null ? new KeyStatusEntry("error", hostError)
                : held.Contains(key.Address) ? new KeyStatusEntry("duplicate", $"{key.Address} was already imported for this tenant.")
                : new KeyStatusEntry("imported", $"{key.Address} imported."));
        }
        return Results.Ok(new KeyStatuses(statuses));
    }

    private static async Task<IResult> DeleteKeystoresAsync(HttpContext http, string? tenant)
    {
        var (custody, owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        var (addresses, bad) = await ReadPubkeysAsync(http.Request);
        if (bad is not null)
        {
            return bad;
        }
        var statuses = new List<KeyStatusEntry>();
        var exported = new List<Address>();
        foreach (var address in addresses!)
        {
            var key = await custody!.FindKeyAsync(address, http.RequestAborted);
            if (key is null || key.Tenant != owner || key.Backend != SigningBackend.Keystore || key.Purpose != KeyPurpose.Sequencer)
            {
                statuses.Add(new KeyStatusEntry("not_found", $"This tenant has no keystore key {address}."));
                continue;
            }
            exported.Add(address);
            if (key.Status == KeyStatus.Deleted)
            {
                statuses.Add(new KeyStatusEntry("not_active", $"{address} was already deleted; its history is in slashing_protection."));
                continue;
            }
            await custody.DeleteKeyAsync(owner!, address, Who(http), http.RequestAborted);
            statuses.Add(new KeyStatusEntry("deleted", $"{address} stopped and deleted; its history is in slashing_protection and kept."));
        }
        var interchange = await custody!.ExportHistoryAsync(exported, http.RequestAborted);
        return Results.Ok(new DeletedKeys(statuses, interchange));
    }

    private static async Task<IResult> ListRemoteKeysAsync(HttpContext http, string? tenant)
    {
        var (custody, owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        var keys = await custody!.ListKeysAsync(owner, http.RequestAborted);
        return Results.Ok(new RemoteKeyList([.. keys
            .Where(k => k.Backend != SigningBackend.Keystore && k.Status != KeyStatus.Deleted && k.Purpose == KeyPurpose.Sequencer)
            .Select(k => new RemoteKeyEntry(k.Address.ToString(), k.KeyReference, false))]));
    }

    private static async Task<IResult> ImportRemoteKeysAsync(HttpContext http, string? tenant, IGrainFactory grains)
    {
        var (custody, owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        var (request, bad) = await RequestBody.ReadAsync<ImportRemoteKeysRequest>(http.Request);
        if (bad is not null)
        {
            return bad;
        }
        if (request!.RemoteKeys is not { Count: > 0 } remote)
        {
            return RequestBody.Invalid("remote_keys", "Send at least one remote key: {\"pubkey\": address, \"url\": pkcs11: URI or Key Vault key URL}.");
        }
        for (var i = 0; i < remote.Count; i++)
        {
            if (remote[i] is null || !Address.TryParse(remote[i].Pubkey, out _))
            {
                return RequestBody.Invalid($"remote_keys[{i}].pubkey", $"'{remote[i]?.Pubkey}' is not an address: expected 0x and 40 hex digits.");
            }
            if (BackendOf(remote[i].Url) is null)
            {
                return RequestBody.Invalid($"remote_keys[{i}].url", $"'{remote[i].Url}' is not a key reference: expected a pkcs11: URI or an https:// Key Vault key URL.");
            }
        }
        if (await grains.GetGrain<ITenantGrain>(owner!).GetAsync() is null)
        {
            return TenantProblems.Unknown(owner!);
        }
        var held = (await custody!.ListKeysAsync(owner, http.RequestAborted)).Where(k => k.Status != KeyStatus.Deleted).Select(k => k.Address).ToHashSet();
        var statuses = new List<KeyStatusEntry>();
        foreach (var entry in remote)
        {
            var expected = Address.Parse(entry.Pubkey!);
            try
            {
                var key = await custody.RegisterAsync(owner!, BackendOf(entry.Url)!.Value, entry.Url!, Who(http), http.RequestAborted);
                if (key.Address != expected)
                {
                    await custody.DeleteKeyAsync(owner!, key.Address, Who(http), http.RequestAborted);
                    statuses.Add(new KeyStatusEntry("error", $"The key at that reference is {key.Address}, not {expected}; not imported."));
                    continue;
                }
                var hostError = await HostAsync(grains, owner!, key.Address);
                statuses.Add(hostError is not null ? new KeyStatusEntry("error", hostError)
                    : held.Contains(key.Address) ? new KeyStatusEntry("duplicate", $"{key.Address} was already imported for this tenant.")
                    : new KeyStatusEntry("imported", $"{key.Address} imported."));
            }
            catch (Exception e) when (e is KeyCustodyException or KeyBackendException or InvalidOperationException)
            {
                statuses.Add(new KeyStatusEntry("error", e.Message));
            }
        }
        return Results.Ok(new KeyStatuses(statuses));
    }

    private static async Task<IResult> DeleteRemoteKeysAsync(HttpContext http, string? tenant, IGrainFactory grains)
    {
        var (custody, owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        var (addresses, bad) = await ReadPubkeysAsync(http.Request);
        if (bad is not null)
        {
            return bad;
        }
        var statuses = new List<KeyStatusEntry>();
        var exported = new List<Address>();
        foreach (var address in addresses!)
        {
            var key = await custody!.FindKeyAsync(address, http.RequestAborted);
            if (key is { Backend: not SigningBackend.Keystore, Purpose: KeyPurpose.Sequencer } && key.Tenant == owner)
            {
                exported.Add(address);
            }
            if (key is null || key.Tenant != owner || key.Backend == SigningBackend.Keystore || key.Status == KeyStatus.Deleted || key.Purpose != KeyPurpose.Sequencer)
            {
                statuses.Add(new KeyStatusEntry("not_found", $"This tenant has no remote key {address}."));
                continue;
            }
            await custody.DeleteKeyAsync(owner!, address, Who(http), http.RequestAborted);
            statuses.Add(new KeyStatusEntry("deleted", $"{address} stopped and deleted; its history is kept. {await DestroyInBackendAsync(custody, grains, key, Who(http), http.RequestAborted)}"));
        }
        // As for keystores: the history goes with the answer, since a key removed from its backend cannot sign it again elsewhere.
        return Results.Ok(new DeletedKeys(statuses, await custody!.ExportHistoryAsync(exported, http.RequestAborted)));
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
                return $"It could not be removed from the {backend} backend: {e.Message}";
            }
        }
        try
        {
            var outcome = await grains.GetGrain<Hosting.Contracts.Keys.IKeyBackendGrain>(backend).DestroyAsync(key.Tenant, key.Address, requestedBy).WaitAsync(cancellationToken);
            return outcome.Failure == Hosting.Contracts.Keys.KeyBackendFailure.None
                ? $"'{key.KeyReference}' was removed from the {backend} backend (on {outcome.Silo}): {outcome.Message}."
                : $"It could not be removed from the {backend} backend: {outcome.Message}";
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
        {
            return $"It could not be removed from the {backend} backend: no silo with the backend took the call ({e.Message}).";
        }
    }

    /// <summary>Makes a registered key one of the tenant's sequencers; null when it is, or the reason it cannot be.</summary>
    internal static async Task<string?> HostAsync(IGrainFactory grains, string tenant, Address address)
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

    private static async Task<(IReadOnlyList<Address>? Addresses, IResult? Problem)> ReadPubkeysAsync(HttpRequest request)
    {
        var (body, bad) = await RequestBody.ReadAsync<DeleteKeysRequest>(request);
        if (bad is not null)
        {
            return (null, bad);
        }
        if (body!.Pubkeys is not { Count: > 0 } pubkeys)
        {
            return (null, RequestBody.Invalid("pubkeys", "Send at least one key address in pubkeys."));
        }
        var addresses = new List<Address>(pubkeys.Count);
        for (var i = 0; i < pubkeys.Count; i++)
        {
            if (!Address.TryParse(pubkeys[i], out var address))
            {
                return (null, RequestBody.Invalid($"pubkeys[{i}]", $"'{pubkeys[i]}' is not an address: expected 0x and 40 hex digits."));
            }
            addresses.Add(address);
        }
        return (addresses, null);
    }

    private static SigningBackend? BackendOf(string? url) =>
        url is null ? null
        : url.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase) ? SigningBackend.Pkcs11
        : Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps ? SigningBackend.AzureKeyVault
        : null;

    /// <summary>
    /// Key custody and the tenant the request acts for: a tenant token's own tenant (a different ?tenant= is 403),
    /// or the tenant the platform admin names with ?tenant=.
    /// </summary>
    internal static (KeyCustody? Custody, string? Tenant, IResult? Problem) Resolve(HttpContext http, string? tenant)
    {
        if (http.RequestServices.GetService<KeyCustody>() is not { } custody)
        {
            return (null, null, Results.Problem(
                title: "Key custody is not configured",
                detail: "Key custody is not wired in this process: the key API is served by a silo with Hosting:Postgres:ConnectionString set (environment Hosting__Postgres__ConnectionString).",
                statusCode: StatusCodes.Status503ServiceUnavailable));
        }
        if (http.User.IsInRole(BearerTokenHandler.AdminRole))
        {
            return string.IsNullOrWhiteSpace(tenant)
                ? (null, null, RequestBody.Invalid("tenant", "The platform admin names the tenant with ?tenant=<tenant id>."))
                : (custody, tenant, null);
        }
        var own = http.User.FindFirst(BearerTokenHandler.TenantClaim)?.Value;
        if (own is null || (tenant is { Length: > 0 } && tenant != own))
        {
            return (null, null, Results.Problem(title: "Forbidden",
                detail: "Your token does not grant access to this resource: a tenant token reaches its own tenant only.",
                statusCode: StatusCodes.Status403Forbidden));
        }
        return (custody, own, null);
    }

    private static string Who(HttpContext http) => http.User.FindFirst(ClaimTypes.Name)?.Value ?? "unknown";

}

public sealed record ImportKeystoresRequest(
    [property: JsonPropertyName("keystores")] List<string>? Keystores,
    [property: JsonPropertyName("passwords")] List<string>? Passwords,
    [property: JsonPropertyName("slashing_protection")] string? SlashingProtection)
{
    // The passwords never reach a log or a response.
    public override string ToString() => $"ImportKeystoresRequest({Keystores?.Count ?? 0} keystores)";
}

public sealed record DeleteKeysRequest([property: JsonPropertyName("pubkeys")] List<string>? Pubkeys);

public sealed record RemoteKeyReference([property: JsonPropertyName("pubkey")] string? Pubkey, [property: JsonPropertyName("url")] string? Url);

public sealed record ImportRemoteKeysRequest([property: JsonPropertyName("remote_keys")] List<RemoteKeyReference>? RemoteKeys);

public sealed record KeystoreEntry(
    [property: JsonPropertyName("validating_pubkey")] string ValidatingPubkey,
    [property: JsonPropertyName("derivation_path")] string DerivationPath,
    [property: JsonPropertyName("readonly")] bool Readonly);

public sealed record KeystoreList([property: JsonPropertyName("data")] IReadOnlyList<KeystoreEntry> Data);

public sealed record RemoteKeyEntry(
    [property: JsonPropertyName("pubkey")] string Pubkey,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("readonly")] bool Readonly);

public sealed record RemoteKeyList([property: JsonPropertyName("data")] IReadOnlyList<RemoteKeyEntry> Data);

/// <summary>One key's outcome: imported, duplicate, deleted, not_active, not_found or error, with a message.</summary>
public sealed record KeyStatusEntry([property: JsonPropertyName("status")] string Status, [property: JsonPropertyName("message")] string Message);

public sealed record KeyStatuses([property: JsonPropertyName("data")] IReadOnlyList<KeyStatusEntry> Data);

public sealed record DeletedKeys(
    [property: JsonPropertyName("data")] IReadOnlyList<KeyStatusEntry> Data,
    [property: JsonPropertyName("slashing_protection")] string SlashingProtection);
