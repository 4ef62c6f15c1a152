using System.Security.Claims;
using System.Text.Json.Serialization;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
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

    private static async Task<IResult> ListKeystoresAsync(HttpContext http, string? tenant, IGrainFactory grains)
    {
        var (owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        return Answer(await RunAsync(http, grains, local => local.ListAsync(owner!, remote: false, http.RequestAborted), routed => routed.ListAsync(owner!, remote: false)),
            answer => Results.Ok(new KeystoreList([.. answer.Keys.Select(k => new KeystoreEntry(k.Pubkey, "", false))])));
    }

    private static async Task<IResult> ImportKeystoresAsync(HttpContext http, string? tenant, IGrainFactory grains)
    {
        var (owner, problem) = Resolve(http, tenant);
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
        var upload = new KeystoreUpload(keystores, new KeystorePasswords([.. passwords.Select(p => p ?? "")]), request.SlashingProtection);
        return Answer(await RunAsync(http, grains, local => local.ImportKeystoresAsync(owner!, upload, Who(http), http.RequestAborted), routed => routed.ImportKeystoresAsync(owner!, upload, Who(http))),
            answer => Results.Ok(new KeyStatuses(Statuses(answer))));
    }

    private static async Task<IResult> DeleteKeystoresAsync(HttpContext http, string? tenant, IGrainFactory grains) =>
        await DeleteAsync(http, tenant, grains, remote: false);

    private static async Task<IResult> ListRemoteKeysAsync(HttpContext http, string? tenant, IGrainFactory grains)
    {
        var (owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        return Answer(await RunAsync(http, grains, local => local.ListAsync(owner!, remote: true, http.RequestAborted), routed => routed.ListAsync(owner!, remote: true)),
            answer => Results.Ok(new RemoteKeyList([.. answer.Keys.Select(k => new RemoteKeyEntry(k.Pubkey, k.Url, false))])));
    }

    private static async Task<IResult> ImportRemoteKeysAsync(HttpContext http, string? tenant, IGrainFactory grains)
    {
        var (owner, problem) = Resolve(http, tenant);
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
        var keys = new List<RemoteKeyUpload>(remote.Count);
        for (var i = 0; i < remote.Count; i++)
        {
            if (remote[i] is null || !Address.TryParse(remote[i].Pubkey, out var pubkey))
            {
                return RequestBody.Invalid($"remote_keys[{i}].pubkey", $"'{remote[i]?.Pubkey}' is not an address: expected 0x and 40 hex digits.");
            }
            if (Keymanager.BackendOf(remote[i].Url) is null)
            {
                return RequestBody.Invalid($"remote_keys[{i}].url", $"'{remote[i].Url}' is not a key reference: expected a pkcs11: URI or an https:// Key Vault key URL.");
            }
            keys.Add(new RemoteKeyUpload(pubkey, remote[i].Url!));
        }
        if (await grains.GetGrain<ITenantGrain>(owner!).GetAsync() is null)
        {
            return TenantProblems.Unknown(owner!);
        }
        return Answer(await RunAsync(http, grains, local => local.ImportRemoteKeysAsync(owner!, keys, Who(http), http.RequestAborted), routed => routed.ImportRemoteKeysAsync(owner!, keys, Who(http))),
            answer => Results.Ok(new KeyStatuses(Statuses(answer))));
    }

    private static async Task<IResult> DeleteRemoteKeysAsync(HttpContext http, string? tenant, IGrainFactory grains) =>
        await DeleteAsync(http, tenant, grains, remote: true);

    private static async Task<IResult> DeleteAsync(HttpContext http, string? tenant, IGrainFactory grains, bool remote)
    {
        var (owner, problem) = Resolve(http, tenant);
        if (problem is not null)
        {
            return problem;
        }
        var (addresses, bad) = await ReadPubkeysAsync(http.Request);
        if (bad is not null)
        {
            return bad;
        }
        return Answer(await RunAsync(http, grains, local => local.DeleteAsync(owner!, remote, addresses!, Who(http), http.RequestAborted), routed => routed.DeleteAsync(owner!, remote, addresses!, Who(http))),
            answer => Results.Ok(new DeletedKeys(Statuses(answer), answer.SlashingProtection ?? "")));
    }

    /// <summary>
    /// Runs a Keymanager call in this process's key custody when it has one (the co-hosted portal: no extra hop), else
    /// in a silo's, through <see cref="IKeymanagerGrain"/> (the standalone portal: keystores are decrypted and held
    /// there). No silo with custody, or none that answers, is <see cref="KeymanagerFailure.NoCustody"/>.
    /// </summary>
    private static async Task<KeymanagerAnswer> RunAsync(HttpContext http, IGrainFactory grains, Func<Keymanager, Task<KeymanagerAnswer>> local, Func<IKeymanagerGrain, Task<KeymanagerAnswer>> routed)
    {
        if (http.RequestServices.GetService<KeyCustody>() is { } custody)
        {
            return await local(new Keymanager(custody, grains));
        }
        try
        {
            return await routed(grains.GetGrain<IKeymanagerGrain>(IKeymanagerGrain.Key)).WaitAsync(http.RequestAborted);
        }
        catch (TimeoutException e)
        {
            // A large import can outlast Orleans' response timeout while the silo goes on decrypting: say so, not "nothing happened".
            return new KeymanagerAnswer(KeymanagerFailure.NoCustody, null,
                $"The silo with key custody did not answer in time ({e.Message}); the call may still complete there: list the keys to see what was done.", [], [], null, "");
        }
        catch (OrleansException e)
        {
            // The exception names the call, never its arguments (the passwords' type prints only their count).
            return new KeymanagerAnswer(KeymanagerFailure.NoCustody, null,
                $"No silo with key custody took the call ({e.GetType().Name}: {e.Message}).", [], [], null, "");
        }
    }

    private static IResult Answer(KeymanagerAnswer answer, Func<KeymanagerAnswer, IResult> done) => answer.Failure switch
    {
        KeymanagerFailure.None => done(answer),
        KeymanagerFailure.Invalid => RequestBody.Invalid(answer.Field!, answer.Message),
        _ => Results.Problem(title: "Key custody is not configured", detail: answer.Message, statusCode: StatusCodes.Status503ServiceUnavailable),
    };

    private static List<KeyStatusEntry> Statuses(KeymanagerAnswer answer) => [.. answer.Statuses.Select(s => new KeyStatusEntry(s.Status, s.Message))];

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

    /// <summary>
    /// The tenant the request acts for: a tenant token's own tenant (a different ?tenant= is 403), or the tenant the
    /// platform admin names with ?tenant=.
    /// </summary>
    internal static (string? Tenant, IResult? Problem) Resolve(HttpContext http, string? tenant)
    {
        if (http.User.IsInRole(BearerTokenHandler.AdminRole))
        {
            return string.IsNullOrWhiteSpace(tenant)
                ? (null, RequestBody.Invalid("tenant", "The platform admin names the tenant with ?tenant=<tenant id>."))
                : (tenant, null);
        }
        var own = http.User.FindFirst(BearerTokenHandler.TenantClaim)?.Value;
        if (own is null || (tenant is { Length: > 0 } && tenant != own))
        {
            return (null, Results.Problem(title: "Forbidden",
                detail: "Your token does not grant access to this resource: a tenant token reaches its own tenant only.",
                statusCode: StatusCodes.Status403Forbidden));
        }
        return (own, null);
    }

    /// <summary>Who asked, for the audit trail: the signed-in principal's name.</summary>
    internal static string Who(HttpContext http) => http.User.FindFirst(ClaimTypes.Name)?.Value ?? "unknown";

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
