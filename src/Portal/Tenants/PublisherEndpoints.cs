using System.Globalization;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hosting.Portal.Tenants;

/// <summary>
/// The tenant's publisher accounts (the L1 accounts that pay for and send its transactions): balance, pending
/// transactions and whether the balance can still pay for a typical transaction.
/// </summary>
public static class PublisherEndpoints
{
    public static IEndpointRouteBuilder MapPublishers(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/tenants/{tenantId}/publishers", ListAsync).WithTags("Tenants")
            .RequireAuthorization(TenantAccessRequirement.Policy)
            .WithSummary("The tenant's publisher accounts: L1 balance (wei), underfunded, pending transactions")
            .Produces<PublisherAccountsResponse>().ProducesProblem(404);
        return routes;
    }

    private static async Task<IResult> ListAsync(string tenantId, IGrainFactory grains)
    {
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        return Results.Ok(new PublisherAccountsResponse([.. (await ReadAsync(grains, tenantId)).Select(PublisherAccount.From)]));
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

public sealed record PublisherAccount(
    string Address, string Balance, bool Underfunded, ulong NextNonce, long Sent, long Bumped, IReadOnlyList<PendingTransactionResponse> Pending)
{
    public static PublisherAccount From(PublisherView view) => new(
        view.Publisher.ToString(), view.Balance.ToString(CultureInfo.InvariantCulture), view.Underfunded, view.NextNonce, view.Sent, view.Bumped,
        [.. view.Pending.Select(p => new PendingTransactionResponse(p.Nonce, p.Hash.ToString(), p.Purpose, p.MaxFeePerGas.ToString(CultureInfo.InvariantCulture), p.Bumps))]);
}

public sealed record PendingTransactionResponse(ulong Nonce, string Hash, string Purpose, string MaxFeePerGas, int Bumps);
