using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Publishers;

/// <summary>
/// The only sender of L1 transactions for one account, keyed by its address: nonces in order, fee bumps
/// of stuck transactions (same nonce, fees +12.5 %), rebroadcast after activation, a balance watch.
/// </summary>
[Alias("hosting.publisher")]
public interface IPublisherGrain : IGrainWithStringKey
{
    /// <summary>Gives the publisher to <paramref name="tenant"/>; its key must be in the key store.</summary>
    [Alias("attach")]
    Task<PublisherView> AttachAsync(string tenant);

    /// <summary>
    /// Takes the publisher from <paramref name="tenant"/> so it sends nothing more: it leaves the tenant's holdings
    /// and refuses every send from then on. Refused (<c>TransactionsPending</c>, nothing changes) while a transaction
    /// it sent is still pending after a reconcile, since that one may yet need a fee bump signed by its key.
    /// Returns the last view, pending list empty.
    /// </summary>
    [Alias("detach")]
    Task<PublisherView> DetachAsync(string tenant);

    /// <summary>
    /// Sends <paramref name="call"/> with the next nonce. Refuses (nothing sent) when the tenant does not own the
    /// publisher, when L1 would revert it (<c>L1RevertException</c>), or when the balance cannot pay its gas.
    /// The same call (purpose, target and calldata) repeated while the first is unmined or not yet
    /// confirmation-deep is not sent again: its transaction's hash is returned, so a caller that lost the
    /// answer (a silo died) may simply retry.
    /// </summary>
    [Alias("send")]
    Task<Hash32> SendAsync(string tenant, L1Call call);

    /// <summary>The transaction already sent for the same call (see <see cref="SendAsync"/>), or null.</summary>
    [Alias("find-sent")]
    Task<Hash32?> FindSentAsync(string tenant, L1Call call);

    /// <summary>Reconciles pending transactions now: drops mined ones, bumps stuck ones, refreshes the balance.</summary>
    [Alias("check")]
    Task<PublisherView> CheckAsync();

    [Alias("get")]
    Task<PublisherView?> GetAsync();
}

/// <summary>
/// A contract call to send: the target, the calldata, and what it is for (shown in views and logs). A call that
/// spends the publisher's tokens names the <see cref="Approval"/> it needs: the publisher sends that approve
/// right before the call, in the same turn, so concurrent calls cannot spend each other's allowance. A call that
/// only succeeds from a given L1 block on (a slot's reveal) names it in <see cref="NotBefore"/>: when a reorg drops
/// the mined transaction, the publisher holds it rather than broadcast it again while the next block is earlier,
/// where it would be mined and revert.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.l1-call")]
public sealed record L1Call(
    [property: Id(0)] Address To,
    [property: Id(1)] byte[] Data,
    [property: Id(2)] string Purpose,
    [property: Id(3)] TokenApproval? Approval = null,
    [property: Id(4)] ulong? NotBefore = null);

/// <summary>An ERC-20 <c>approve(Spender, Amount)</c> on <c>Token</c> a call needs mined before it.</summary>
[GenerateSerializer, Immutable, Alias("hosting.token-approval")]
public sealed record TokenApproval(
    [property: Id(0)] Address Token,
    [property: Id(1)] Address Spender,
    [property: Id(2)] BigInteger Amount);

[GenerateSerializer, Immutable, Alias("hosting.pending-transaction")]
public sealed record PendingTransaction(
    [property: Id(0)] ulong Nonce,
    [property: Id(1)] Hash32 Hash,
    [property: Id(2)] string Purpose,
    [property: Id(3)] BigInteger MaxFeePerGas,
    [property: Id(4)] BigInteger MaxPriorityFeePerGas,
    [property: Id(5)] int Bumps);

[GenerateSerializer, Immutable, Alias("hosting.publisher-view")]
public sealed record PublisherView(
    [property: Id(0)] Address Publisher,
    [property: Id(1)] string Tenant,
    [property: Id(2)] ulong NextNonce,
    [property: Id(3)] BigInteger Balance,
    [property: Id(4)] bool Underfunded,
    [property: Id(5)] IReadOnlyList<PendingTransaction> Pending,
    [property: Id(6)] long Sent,
    [property: Id(7)] long Bumped);
