using System.Globalization;
using System.Text.Json.Serialization;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Keys;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Access;
using Hosting.Portal.Keys;
using Hosting.Signing;
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
/// publisher key, and the account is attached to the tenant; every silo's publisher grain finds it there. The custody
/// work is <see cref="PublisherKeys"/>: in this process when it has custody (co-hosted portal), else on a silo that
/// has it through <see cref="IKeymanagerGrain"/> (standalone portal).
/// </summary>
public static class PublisherEndpoints
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
    /// Removes one of <paramref name="tenant"/>'s publisher accounts added at runtime (<see cref="PublisherKeys.RemoveAsync"/>:
    /// detached, refused while it has transactions pending; its key deleted from custody and, when the platform
    /// generated it, destroyed in the HSM or vault). The tenant is checked here; the work runs in this process's
    /// custody (co-hosted portal) or a custody silo's (standalone portal, through <see cref="IKeymanagerGrain"/>).
    /// </summary>
    public static async Task<PublisherRemoval> RemoveAsync(IServiceProvider services, IGrainFactory grains, string tenant, Address address, string requestedBy, CancellationToken cancellationToken)
    {
        if (await grains.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            return new(null, StatusCodes.Status404NotFound, "Unknown tenant", $"No tenant has the id '{tenant}'.");
        }
        var answer = await RunAsync(services, grains, local => local.RemoveAsync(tenant, address, requestedBy, cancellationToken),
            routed => routed.RemovePublisherAsync(tenant, address, requestedBy), cancellationToken);
        return answer.Failure == PublisherKeyFailure.None
            ? new(new RemovedPublisherAccount(address.ToString(), "deleted", answer.Backend!, answer.Message), StatusCodes.Status200OK, null, "")
            : new(null, StatusOf(answer.Failure), answer.Title, answer.Message);
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
    /// in the backend <see cref="AddPublisherRequest.Backend"/> names (<see cref="PublisherKeys.AddAsync"/>). The shape
    /// of the request and the tenant are checked here, before anything leaves this process; the work runs in this
    /// process's custody (co-hosted portal) or a custody silo's (standalone portal, through
    /// <see cref="IKeymanagerGrain"/>, the password inside the redacting <see cref="KeystorePasswords"/>). Every failure
    /// names the field that was wrong; the password decrypts the key once and is dropped: never logged, never stored.
    /// </summary>
    public static async Task<PublisherAddition> AddAsync(IServiceProvider services, IGrainFactory grains, string tenant, AddPublisherRequest request, string requestedBy, CancellationToken cancellationToken)
    {
        var key = new NewPublisherKey(request.Keystore, request.Password is null ? null : new KeystorePasswords([request.Password]), request.Backend, request.Label);
        if (PublisherKeys.Validate(key) is { } invalid)
        {
            return Addition(invalid);
        }
        if (await grains.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            return PublisherAddition.Failed(StatusCodes.Status404NotFound, "Unknown tenant", null, $"No tenant has the id '{tenant}'.");
        }
        return Addition(await RunAsync(services, grains, local => local.AddAsync(tenant, key, requestedBy, cancellationToken),
            routed => routed.AddPublisherAsync(tenant, key, requestedBy), cancellationToken));
    }

    private static PublisherAddition Addition(PublisherKeyAnswer answer) => answer.Failure switch
    {
        PublisherKeyFailure.None => new PublisherAddition(PublisherAccount.From(answer.View!, answer.Backend), StatusCodes.Status201Created, null, null, ""),
        PublisherKeyFailure.Invalid => PublisherAddition.Invalid(answer.Field!, answer.Message),
        _ => PublisherAddition.Failed(StatusOf(answer.Failure), answer.Title ?? "Not added", answer.Field, answer.Message),
    };

    private static int StatusOf(PublisherKeyFailure failure) => failure switch
    {
        PublisherKeyFailure.None => StatusCodes.Status200OK,
        PublisherKeyFailure.Invalid => StatusCodes.Status400BadRequest,
        PublisherKeyFailure.NotFound => StatusCodes.Status404NotFound,
        PublisherKeyFailure.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    /// <summary>
    /// Runs a publisher-key call in this process's key custody when it has one (the co-hosted portal), else in a
    /// silo's through <see cref="IKeymanagerGrain"/> (the standalone portal), as the Keymanager API does. No silo with
    /// custody, or none that answers, is <see cref="PublisherKeyFailure.NoCustody"/>; a call that outlasts Orleans'
    /// response timeout says it may still complete.
    /// </summary>
    private static async Task<PublisherKeyAnswer> RunAsync(IServiceProvider services, IGrainFactory grains,
        Func<PublisherKeys, Task<PublisherKeyAnswer>> local, Func<IKeymanagerGrain, Task<PublisherKeyAnswer>> routed, CancellationToken cancellationToken)
    {
        if (services.GetService<KeyCustody>() is { } custody)
        {
            return await local(new PublisherKeys(custody, grains));
        }
        try
        {
            return await routed(grains.GetGrain<IKeymanagerGrain>(IKeymanagerGrain.Key)).WaitAsync(cancellationToken);
        }
        catch (TimeoutException e)
        {
            return PublisherKeyAnswer.Failed(PublisherKeyFailure.NoCustody, "Key custody did not answer in time", null,
                $"The silo with key custody did not answer in time ({e.Message}); the call may still complete there: list the publisher accounts to see what was done.");
        }
        catch (OrleansException e)
        {
            // The exception names the call, never its arguments (the password's type prints only a count).
            return PublisherKeyAnswer.Failed(PublisherKeyFailure.NoCustody, "Key custody is not configured", null,
                $"No silo with key custody took the call ({e.GetType().Name}: {e.Message}).");
        }
    }

    private static async Task<IResult> ListAsync(HttpContext http, string tenantId, IGrainFactory grains)
    {
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        var keys = await CustodyKeysAsync(http.RequestServices, grains, tenantId, http.RequestAborted);
        return Results.Ok(new PublisherAccountsResponse([.. (await ReadAsync(grains, tenantId)).Select(v => PublisherAccount.From(v, keys.GetValueOrDefault(v.Publisher)))]));
    }

    /// <summary>
    /// The tenant's live publisher keys in custody (the accounts added at runtime), by address, with their backend:
    /// this process's custody, else a custody silo's through <see cref="IKeymanagerGrain"/>; none when no silo has custody.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Address, string>> CustodyKeysAsync(IServiceProvider services, IGrainFactory grains, string tenant, CancellationToken cancellationToken)
    {
        var answer = await RunAsync(services, grains, local => local.ListAsync(tenant, cancellationToken), routed => routed.ListPublishersAsync(tenant), cancellationToken);
        return answer.Keys.ToDictionary(k => k.Address, k => k.Backend);
    }

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
    public static PublisherAccount From(PublisherView view, string? backend = null) => new(
        view.Publisher.ToString(), view.Balance.ToString(CultureInfo.InvariantCulture), view.Underfunded, view.NextNonce, view.Sent, view.Bumped,
        [.. view.Pending.Select(p => new PendingTransactionResponse(p.Nonce, p.Hash.ToString(), p.Purpose, p.MaxFeePerGas.ToString(CultureInfo.InvariantCulture), p.Bumps))],
        backend ?? "configuration");
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
