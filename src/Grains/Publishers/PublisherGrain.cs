using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.L1;
using Hosting.L1.Abi;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Hosting.L1.Transactions;
using Microsoft.Extensions.Logging;
using HostingTelemetry = Hosting.Contracts.Telemetry.HostingTelemetry;
using PlatformMetrics = Hosting.Contracts.Telemetry.PlatformMetrics;
using PublisherFailure = Hosting.Contracts.Telemetry.PublisherFailure;

namespace Hosting.Grains.Publishers;

public sealed class PublisherGrain(
    [PersistentState("publisher", GrainStorage.Name)] IPersistentState<PublisherState> state,
    L1Chain chain,
    IPublisherSigners signers,
    TimeProvider clock,
    ILogger<PublisherGrain> logger) : Grain, IPublisherGrain
{
    /// <summary>Gas one registry transaction takes at most, for the balance watch's "can it still send" test.</summary>
    private const ulong TypicalGas = 300_000;

    /// <summary>How long a call that needs an approval waits for that approval to be mined.</summary>
    private static readonly TimeSpan ApprovalWait = TimeSpan.FromSeconds(60);

    private BigInteger _balance;
    private BigInteger _typicalCost;

    private Address Self => Address.Parse(this.GetPrimaryKeyString());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!chain.IsConfigured)
        {
            return;
        }
        this.RegisterGrainTimer(_ => CheckAsync(), new GrainTimerCreationOptions
        {
            DueTime = chain.Options.PublisherCheckInterval,
            Period = chain.Options.PublisherCheckInterval,
            Interleave = false,
            KeepAlive = true,
        });
        // A failed-over publisher sends again what the previous activation had in flight: same bytes, same hashes;
        // a call whose block has not come yet waits for the check loop, which broadcasts it when it has.
        var head = state.State.Pending.Any(p => p.NotBefore is not null) ? await chain.RequireClient().GetBlockNumberAsync(cancellationToken) : 0;
        foreach (var pending in state.State.Pending.Where(p => !TooEarly(p, head)))
        {
            await BroadcastAsync(Hex.Decode(pending.Raw), pending, cancellationToken);
        }
    }

    public async Task<PublisherView> AttachAsync(string tenant)
    {
        if (await GrainFactory.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            throw new RequestRefusedException(RefusalReason.UnknownTenant, tenant, $"No tenant has the id '{tenant}'; create it before attaching publisher {Self}.");
        }
        if (state.State.Tenant is { Length: > 0 } owner && owner != tenant)
        {
            throw new RequestRefusedException(RefusalReason.AlreadyImported, Self.ToString(), $"Publisher {Self} already sends for another tenant.");
        }
        if (await signers.FindAsync(Self, tenant) is null)
        {
            throw new RequestRefusedException(RefusalReason.KeyNotInStore, Self.ToString(), $"The key store holds no key for publisher {Self} of tenant '{tenant}'.");
        }
        await GrainFactory.GetGrain<ITenantGrain>(tenant).AddPublisherAsync(Self);
        state.State = state.State with { Tenant = tenant };
        await state.WriteStateAsync();
        return await CheckAsync();
    }

    public async Task<PublisherView> DetachAsync(string tenant)
    {
        RequireTenant(tenant);
        try
        {
            // Transactions mined and confirmation-deep since the last check should not hold the removal up.
            await CheckAsync();
        }
        catch (Exception e) when (e is not RequestRefusedException)
        {
            logger.LogWarning("Publisher {Publisher}: reconciling before detach failed ({Error}); deciding on the transactions last known", Self, e.Message);
        }
        if (state.State.Pending is { Count: > 0 } pending)
        {
            throw new RequestRefusedException(RefusalReason.TransactionsPending, Self.ToString(),
                $"Publisher {Self} still has {pending.Count} transaction(s) pending ({string.Join("; ", pending.Select(p => $"nonce {p.Nonce}: {p.Purpose} {p.Hash}"))}); "
                + "its key may still have to bump or resend them, so it stays until they are mined and confirmation-deep. Nothing was changed.");
        }
        var last = View();
        await GrainFactory.GetGrain<ITenantGrain>(tenant).RemovePublisherAsync(Self);
        // The nonce and counters stay: the account's history on L1 does not change, should it be attached again.
        state.State = state.State with { Tenant = "" };
        await state.WriteStateAsync();
        logger.LogInformation("Publisher {Publisher} detached from tenant {Tenant}", Self, tenant);
        return last;
    }

    public async Task<Hash32> SendAsync(string tenant, L1Call call)
    {
        RequireTenant(tenant);
        if (InFlight(call) is { } earlier)
        {
            logger.LogInformation("Publisher {Publisher} already sent {Purpose} as {Hash} (nonce {Nonce}); not sending it again", Self, call.Purpose, earlier.Hash, earlier.Nonce);
            return Hash32.Parse(earlier.Hash);
        }
        var signer = await signers.FindAsync(Self, tenant)
            ?? throw new RequestRefusedException(RefusalReason.KeyNotInStore, Self.ToString(), $"The key store holds no key for publisher {Self}.");
        var client = chain.RequireClient();
        if (call.Approval is { } approval)
        {
            // approve(amount) and the call that spends it go out back to back with consecutive nonces in this one
            // turn: whatever else this publisher sends, no other call can spend this allowance before it.
            var approve = new L1Call(approval.Token, RegistryAbi.Approve.EncodeCall(approval.Spender, approval.Amount), $"approve {approval.Amount} for {call.Purpose}");
            var approved = await client.WaitForReceiptAsync(await SendOneAsync(client, signer, approve), ApprovalWait);
            if (!approved.Succeeded)
            {
                throw new InvalidOperationException($"The approval {approved.TransactionHash} of {approval.Amount} on {approval.Token} for {call.Purpose} was mined but reverted; {call.Purpose} was not sent.");
            }
        }
        return await SendOneAsync(client, signer, call);
    }

    /// <summary>Every custom error of the infra/l1 contracts a publisher sends to, so a refused simulation is named, not shown as bytes.</summary>
    private static readonly AbiError[] KnownErrors = [.. Hosting.L1.Contracts.EmbeddedAbi.Names.SelectMany(name => Hosting.L1.Contracts.EmbeddedAbi.Load(name).Errors).DistinctBy(error => error.Selector)];

    private async Task<Hash32> SendOneAsync(EthereumClient client, IEthSigner signer, L1Call call)
    {
        var (priority, maxFee) = await SuggestFeesAsync(client);
        _balance = await client.GetBalanceAsync(Self);
        if (_balance < maxFee * 21_000)
        {
            throw Underfunded(maxFee * 21_000, call.Purpose);
        }
        ulong gas;
        try
        {
            gas = await client.EstimateGasAsync(new CallRequest(call.To, call.Data) { From = Self });
        }
        catch (RpcException exception) when (exception.ErrorDataBytes is { } revert)
        {
            var reason = RevertReason.Decode(revert, KnownErrors);
            throw new L1RevertException(call.To, call.Purpose, reason switch
            {
                RevertReason.CustomError custom => custom.Name,
                RevertReason.Message => "Error",
                RevertReason.Panic => "Panic",
                _ => "",
            }, reason.ToString());
        }
        var gasLimit = gas + gas / 5;
        if (_balance < maxFee * gasLimit)
        {
            throw Underfunded(maxFee * gasLimit, call.Purpose);
        }
        var nonce = Math.Max(state.State.NextNonce, await client.GetTransactionCountAsync(Self));
        var pending = new StoredTransaction
        {
            Nonce = nonce,
            Purpose = call.Purpose,
            To = call.To.ToString(),
            Data = Hex.Encode(call.Data),
            GasLimit = gasLimit,
            MaxFeePerGas = maxFee.ToString(CultureInfo.InvariantCulture),
            MaxPriorityFeePerGas = priority.ToString(CultureInfo.InvariantCulture),
            SentAt = clock.GetUtcNow(),
            NotBefore = call.NotBefore,
        };
        var signed = await SignAsync(signer, pending);
        pending = pending with { Hash = signed.Hash.ToString(), Raw = Hex.Encode(signed.Encode()) };
        // Recorded before it leaves: a crash after the send rebroadcasts it rather than reusing the nonce.
        state.State = state.State with { NextNonce = nonce + 1, Pending = [.. state.State.Pending, pending], Sent = state.State.Sent + 1 };
        await state.WriteStateAsync();
        try
        {
            await client.SendRawTransactionAsync(signed);
        }
        catch (RpcException exception)
        {
            state.State = state.State with
            {
                NextNonce = await client.GetTransactionCountAsync(Self),
                Pending = [.. state.State.Pending.Where(p => p.Hash != pending.Hash)],
                Sent = state.State.Sent - 1,
            };
            await state.WriteStateAsync();
            PlatformMetrics.PublisherFailed(state.State.Tenant, FailureOf(exception.RpcMessage));
            throw new RequestRefusedException(RefusalReason.BadInput, Self.ToString(), $"The node refused {call.Purpose} from {Self} with nonce {nonce}: {exception.RpcMessage}");
        }
        logger.LogInformation("Publisher {Publisher} sent {Purpose} as {Hash} with nonce {Nonce}", Self, call.Purpose, signed.Hash, nonce);
        return signed.Hash;
    }

    public Task<Hash32?> FindSentAsync(string tenant, L1Call call)
    {
        RequireTenant(tenant);
        return Task.FromResult(InFlight(call) is { } earlier ? Hash32.Parse(earlier.Hash) : (Hash32?)null);
    }

    private void RequireTenant(string tenant)
    {
        if (state.State.Tenant != tenant || string.IsNullOrEmpty(tenant))
        {
            throw new RequestRefusedException(RefusalReason.NotThisTenants, Self.ToString(), $"Tenant '{tenant}' has no publisher {Self}.");
        }
    }

    // A pending transaction (unmined, or mined but not yet confirmation-deep) for the same purpose and calldata:
    // the purpose names the subject ("register 0x…"), so two sequencers' identical approvals stay distinct.
    private StoredTransaction? InFlight(L1Call call)
    {
        var to = call.To.ToString();
        var data = Hex.Encode(call.Data);
        return state.State.Pending.FirstOrDefault(p => p.Purpose == call.Purpose && p.To == to && p.Data == data);
    }

    public async Task<PublisherView> CheckAsync()
    {
        if (!chain.IsConfigured || string.IsNullOrEmpty(state.State.Tenant))
        {
            return View();
        }
        var client = chain.RequireClient();
        var head = await client.GetBlockNumberAsync();
        var confirmed = await client.GetTransactionCountAsync(Self, BlockTag.Latest);
        var pending = new List<StoredTransaction>();
        ulong? buried = null;
        var bumped = 0;
        IEthSigner? signer = null;
        foreach (var transaction in state.State.Pending)
        {
            var receipt = await client.GetTransactionReceiptAsync(Hash32.Parse(transaction.Hash));
            if (receipt is not null)
            {
                // Mined, but kept until it is deeper than a reorg can reach: a reorg that drops it makes it pending again.
                if (head < receipt.BlockNumber + (ulong)chain.Options.ConfirmationDepth)
                {
                    pending.Add(transaction);
                }
                else if (!receipt.Succeeded)
                {
                    // Counted once, when it leaves the pending list for good.
                    PlatformMetrics.PublisherFailed(state.State.Tenant, PublisherFailure.Reverted);
                    logger.LogWarning("Publisher {Publisher}'s {Purpose} ({Hash}, nonce {Nonce}) was mined but reverted", Self, transaction.Purpose, transaction.Hash, transaction.Nonce);
                }
                continue;
            }
            if (transaction.Nonce < confirmed)
            {
                // Another version of this nonce was mined (or, read a moment before a reorg took it away, this very one):
                // moot only once that is deeper than a reorg can reach. Until then it stays pending, neither bumped nor
                // sent (the node would refuse the nonce), so a reorg that drops the mined version finds it here to send.
                buried ??= head >= (ulong)chain.Options.ConfirmationDepth
                    ? await client.GetTransactionCountAsync(Self, BlockTag.Number(head - (ulong)chain.Options.ConfirmationDepth))
                    : 0;
                if (transaction.Nonce < buried)
                {
                    logger.LogInformation("Publisher {Publisher}'s {Purpose} ({Hash}, nonce {Nonce}) is moot: another transaction with its nonce is {Depth} blocks deep", Self, transaction.Purpose, transaction.Hash, transaction.Nonce, chain.Options.ConfirmationDepth);
                }
                else
                {
                    pending.Add(transaction);
                }
                continue;
            }
            if (TooEarly(transaction, head))
            {
                // Not mined, and the next block is before the one it can succeed in: a reorg dropped it (a reveal taken
                // back into Commitment). Broadcast now it would be mined at once and revert, so it waits; the later
                // nonces of this publisher wait behind it, at most until that block.
                if (!transaction.Held)
                {
                    logger.LogInformation("Publisher {Publisher} holds {Purpose} ({Hash}, nonce {Nonce}) until block {Block}: the next block, {Next}, is too early for it", Self, transaction.Purpose, transaction.Hash, transaction.Nonce, transaction.NotBefore, head + 1);
                }
                pending.Add(transaction with { Held = true });
                continue;
            }
            if (transaction.Held && (signer ??= await signers.FindAsync(Self, state.State.Tenant)) is { } heldSigner)
            {
                // Its block is next: out at once, whatever the bump timer says (bumped if it is due anyway).
                var released = transaction;
                if (clock.GetUtcNow() - transaction.SentAt >= chain.Options.FeeBumpAfter)
                {
                    released = await BumpAsync(client, heldSigner, transaction);
                }
                else
                {
                    await BroadcastAsync(Hex.Decode(transaction.Raw), transaction, CancellationToken.None);
                }
                logger.LogInformation("Publisher {Publisher} sent the held {Purpose} again as {Hash} (nonce {Nonce}) at head {Head}", Self, released.Purpose, released.Hash, released.Nonce, head);
                if (released.Bumps != transaction.Bumps)
                {
                    bumped++;
                    PlatformMetrics.PublisherTransactionReplaced(state.State.Tenant);
                }
                pending.Add(released with { Held = false });
                continue;
            }
            if (clock.GetUtcNow() - transaction.SentAt >= chain.Options.FeeBumpAfter
                && (signer ??= await signers.FindAsync(Self, state.State.Tenant)) is { } bumpSigner)
            {
                var replacement = await BumpAsync(client, bumpSigner, transaction);
                pending.Add(replacement);
                if (!ReferenceEquals(replacement, transaction))
                {
                    bumped++;
                    PlatformMetrics.PublisherTransactionReplaced(state.State.Tenant);
                }
            }
            else
            {
                pending.Add(transaction);
            }
        }
        _balance = await client.GetBalanceAsync(Self);
        var (_, maxFee) = await SuggestFeesAsync(client);
        _typicalCost = maxFee * TypicalGas;
        if (pending.Count != state.State.Pending.Count || bumped > 0 || !pending.SequenceEqual(state.State.Pending))
        {
            state.State = state.State with { Pending = pending, Bumped = state.State.Bumped + bumped };
            await state.WriteStateAsync();
        }
        return View();
    }

    /// <summary>Whether the next block is before the one <paramref name="transaction"/> can succeed in.</summary>
    private static bool TooEarly(StoredTransaction transaction, ulong head) => transaction.NotBefore is { } first && head + 1 < first;

    public Task<PublisherView?> GetAsync() =>
        Task.FromResult(string.IsNullOrEmpty(state.State.Tenant) ? null : View());

    private async Task<StoredTransaction> BumpAsync(EthereumClient client, IEthSigner signer, StoredTransaction stuck)
    {
        // A replacement must raise both fees by at least 12.5 % (geth's and anvil's rule); never below today's suggestion.
        var (priority, maxFee) = await SuggestFeesAsync(client);
        var oldPriority = BigInteger.Parse(stuck.MaxPriorityFeePerGas, CultureInfo.InvariantCulture);
        var oldMax = BigInteger.Parse(stuck.MaxFeePerGas, CultureInfo.InvariantCulture);
        var newPriority = BigInteger.Max(priority, oldPriority * 9 / 8 + 1);
        var newMax = BigInteger.Max(maxFee, oldMax * 9 / 8 + 1);
        if (newMax < newPriority)
        {
            newMax = newPriority;
        }
        var replacement = stuck with
        {
            MaxFeePerGas = newMax.ToString(CultureInfo.InvariantCulture),
            MaxPriorityFeePerGas = newPriority.ToString(CultureInfo.InvariantCulture),
            SentAt = clock.GetUtcNow(),
            Bumps = stuck.Bumps + 1,
        };
        var signed = await SignAsync(signer, replacement);
        replacement = replacement with { Hash = signed.Hash.ToString(), Raw = Hex.Encode(signed.Encode()) };
        if (!await BroadcastAsync(signed.Encode(), replacement, CancellationToken.None))
        {
            return stuck;
        }
        logger.LogInformation("Publisher {Publisher} bumped nonce {Nonce} ({Purpose}) to {MaxFee} / {Priority} as {Hash}", Self, stuck.Nonce, stuck.Purpose, newMax, newPriority, signed.Hash);
        return replacement;
    }

    private async Task<bool> BroadcastAsync(byte[] raw, StoredTransaction transaction, CancellationToken cancellationToken)
    {
        try
        {
            await chain.RequireClient().Rpc.CallAsync("eth_sendRawTransaction", [Hex.Encode(raw)], cancellationToken);
            return true;
        }
        catch (RpcException exception)
        {
            // Already known, already mined (nonce too low) or underpriced: the check loop sorts it out.
            logger.LogDebug("Rebroadcast of {Hash} (nonce {Nonce}) answered {Message}", transaction.Hash, transaction.Nonce, exception.RpcMessage);
            return false;
        }
    }

    private async Task<SignedTransaction> SignAsync(IEthSigner signer, StoredTransaction t)
    {
        using var activity = HostingTelemetry.ActivitySource.StartActivity("sign transaction");
        activity?.SetTag("hosting.purpose", t.Purpose);
        activity?.SetTag("hosting.nonce", t.Nonce);
        return await signer.SignTransactionAsync(new Eip1559Transaction
        {
            ChainId = chain.RequireDeployment().ChainId,
            Nonce = t.Nonce,
            GasLimit = t.GasLimit,
            To = Address.Parse(t.To),
            Data = Hex.Decode(t.Data),
            MaxFeePerGas = BigInteger.Parse(t.MaxFeePerGas, CultureInfo.InvariantCulture),
            MaxPriorityFeePerGas = BigInteger.Parse(t.MaxPriorityFeePerGas, CultureInfo.InvariantCulture),
        });
    }

    private static async Task<(BigInteger Priority, BigInteger MaxFee)> SuggestFeesAsync(EthereumClient client)
    {
        var priority = await client.GetMaxPriorityFeePerGasAsync();
        var latest = await client.GetBlockAsync(BlockTag.Latest);
        var baseFee = latest?.BaseFeePerGas ?? await client.GetGasPriceAsync();
        return (priority, baseFee * 2 + priority);
    }

    /// <summary>What a node's refusal of a raw transaction means; geth, reth and anvil word these alike.</summary>
    private static PublisherFailure FailureOf(string message) => message.ToLowerInvariant() switch
    {
        var m when m.Contains("underpriced") || m.Contains("fee cap") || m.Contains("max fee per gas less than block base fee") => PublisherFailure.Underpriced,
        var m when m.Contains("nonce") => PublisherFailure.NonceConflict,
        var m when m.Contains("insufficient funds") => PublisherFailure.InsufficientFunds,
        _ => PublisherFailure.RpcRejected,
    };

    private RequestRefusedException Underfunded(BigInteger needed, string purpose)
    {
        PlatformMetrics.PublisherFailed(state.State.Tenant, PublisherFailure.InsufficientFunds);
        return UnderfundedError(needed, purpose);
    }

    private RequestRefusedException UnderfundedError(BigInteger needed, string purpose) => new(RefusalReason.PublisherUnderfunded, Self.ToString(),
        $"Publisher {Self} holds {_balance} wei but {purpose} needs up to {needed} wei of gas; fund it. Nothing was sent.");

    private PublisherView View() => new(Self, state.State.Tenant, state.State.NextNonce, _balance,
        _typicalCost > 0 && _balance < _typicalCost,
        [.. state.State.Pending.Select(p => new PendingTransaction(p.Nonce, Hash32.Parse(p.Hash), p.Purpose,
            BigInteger.Parse(p.MaxFeePerGas, CultureInfo.InvariantCulture), BigInteger.Parse(p.MaxPriorityFeePerGas, CultureInfo.InvariantCulture), p.Bumps))],
        state.State.Sent, state.State.Bumped);
}
