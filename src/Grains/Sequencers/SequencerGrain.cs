using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.Grains.Publishers;
using Hosting.L1.Abi;
using Hosting.L1.Rpc;
using Hosting.Signing;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Grains.Sequencers;

public sealed class SequencerGrain(
    [PersistentState("sequencer", GrainStorage.Name)] IPersistentState<SequencerState> state,
    L1Chain chain,
    AccountKeys keys,
    IPublisherSigners publishers) : Grain, ISequencerGrain
{
    private Address Self => Address.Parse(this.GetPrimaryKeyString());

    public async Task<SequencerView> ImportAsync(string tenant)
    {
        if (await GrainFactory.GetGrain<ITenantGrain>(tenant).GetAsync() is null)
        {
            throw new RequestRefusedException(RefusalReason.UnknownTenant, tenant, $"No tenant has the id '{tenant}'; create it before importing {Self}.");
        }
        if (state.State.Tenant is { Length: > 0 } owner)
        {
            throw owner == tenant
                ? new RequestRefusedException(RefusalReason.AlreadyImported, Self.ToString(), $"Sequencer {Self} is already imported by tenant '{tenant}'.")
                : new RequestRefusedException(RefusalReason.AlreadyImported, Self.ToString(), $"Sequencer {Self} is already hosted for another tenant; a key is hosted once.");
        }
        if (!keys.Contains(Self) && !await InCustodyForAsync(tenant))
        {
            throw new RequestRefusedException(RefusalReason.KeyNotInStore, Self.ToString(), $"The key store holds no key for {Self}; import the key first.");
        }
        await GrainFactory.GetGrain<ITenantGrain>(tenant).AddSequencerAsync(Self);
        state.State = state.State with { Tenant = tenant };
        await SaveAsync();
        return state.State.ToView(Self);
    }

    public async Task<SequencerView> RegisterAsync(string tenant, SequencerRegistration registration)
    {
        RequireTenant(tenant);
        var view = state.State.ToView(Self);
        if (view.Status is not (SequencerStatus.None or SequencerStatus.Exited))
        {
            if (IsSameRegistration(view, registration))
            {
                // A retry of the registration already under way or done (its caller lost the answer): nothing to send.
                return view;
            }
            throw new RequestRefusedException(RefusalReason.WrongStatus, Self.ToString(), $"Sequencer {Self} is {view.Status}; only an unregistered or exited sequencer registers.");
        }
        if (registration.Withdrawer.IsZero || registration.Stake <= 0)
        {
            throw new RequestRefusedException(RefusalReason.BadInput, Self.ToString(), $"Registering {Self} needs a withdrawer and a positive stake, got {registration.Withdrawer} and {registration.Stake}.");
        }
        var deployment = chain.RequireDeployment();
        var client = chain.RequireClient();
        var register = RegistryAbi.Register.EncodeCall(Self, registration.Withdrawer, registration.Stake);
        // The stake approval travels with the call: the publisher sends both back to back (see TokenApproval).
        var registerCall = new L1Call(deployment.Registry, register, $"register {Self}",
            new TokenApproval(deployment.Token, deployment.Registry, registration.Stake));
        var publisher = GrainFactory.GetGrain<IPublisherGrain>(registration.Publisher.ToString());
        // The publisher may have sent it on an earlier attempt whose answer was lost with a silo: record that
        // transaction instead of simulating again (which would now revert AlreadyRegistered) or sending twice.
        if (await publisher.FindSentAsync(tenant, registerCall) is { } earlier)
        {
            return await RecordRegisterAsync(registration, earlier);
        }
        await RefuseRegistryRevertAsync(client, deployment.Registry, registration.Publisher, register, "register");

        return await RecordRegisterAsync(registration, await publisher.SendAsync(tenant, registerCall));
    }

    private async Task<SequencerView> RecordRegisterAsync(SequencerRegistration registration, Hash32 hash)
    {
        state.State = state.State with
        {
            Publisher = registration.Publisher.ToString(),
            RequestedWithdrawer = registration.Withdrawer.ToString(),
            RegisterTransaction = hash.ToString(),
            LastTransaction = hash.ToString(),
        };
        await SaveAsync();
        return state.State.ToView(Self);
    }

    /// <summary>
    /// Whether a registration asked again matches the one the sequencer is in: the withdrawer and stake L1
    /// confirmed (or, still Registering, the ones requested) and the publisher that sent it, where known.
    /// </summary>
    private static bool IsSameRegistration(SequencerView view, SequencerRegistration registration) =>
        view.Status is SequencerStatus.Registering or SequencerStatus.Queued or SequencerStatus.Active
        && view.Withdrawer == registration.Withdrawer
        && (view.Status == SequencerStatus.Registering || view.Stake == registration.Stake)
        && (view.Publisher is null || view.Publisher == registration.Publisher);

    public async Task<SequencerView> ExitAsync(string tenant)
    {
        RequireTenant(tenant);
        var view = state.State.ToView(Self);
        if (view.Status != SequencerStatus.Active)
        {
            throw new RequestRefusedException(RefusalReason.WrongStatus, Self.ToString(), $"Sequencer {Self} is {view.Status}; only an Active sequencer exits.");
        }
        var withdrawer = view.Withdrawer!.Value;
        // The withdrawer sends the exit itself: a key loaded at start, or one of the tenant's publisher accounts in custody.
        if (!keys.Contains(withdrawer) && await publishers.FindAsync(withdrawer, tenant) is null)
        {
            throw new RequestRefusedException(RefusalReason.WithdrawerNotHosted, withdrawer.ToString(), $"Only the withdrawer {withdrawer} may exit {Self}, and the key store has no key for it.");
        }
        var exit = RegistryAbi.InitiateExit.EncodeCall(Self);
        var hash = await GrainFactory.GetGrain<IPublisherGrain>(withdrawer.ToString())
            .SendAsync(tenant, new L1Call(chain.RequireDeployment().Registry, exit, $"exit {Self}"));
        state.State = state.State with { LastTransaction = hash.ToString() };
        await SaveAsync();
        return state.State.ToView(Self);
    }

    public Task<SequencerView?> GetAsync() =>
        Task.FromResult(state.State.Tenant is { Length: > 0 } ? state.State.ToView(Self) : null);

    public Task<SequencerStatus?> GetIndexedStatusAsync(string tenant) =>
        Task.FromResult(state.State.Tenant == tenant && tenant.Length > 0 ? state.State.ToView(Self).Status : (SequencerStatus?)null);

    public async Task<L1Reaction> ApplyAsync(L1Event l1Event)
    {
        if (state.State.Tenant is not { Length: > 0 } tenant)
        {
            return Reaction();
        }
        if (IndexOf(l1Event) >= 0)
        {
            // Delivered again: the first delivery may have stored the fact and then lost its silo before telling
            // the tenant. Telling it again costs the tenant nothing when its index already agrees.
            await GrainFactory.GetGrain<ITenantGrain>(tenant).RecordSequencerStatusAsync(Self, state.State.ToView(Self).Status);
            return Reaction();
        }
        state.State = state.State with { Facts = [.. state.State.Facts, StoredEvent.From(l1Event)] };
        await SaveAsync();
        return Reaction();
    }

    public async Task<L1Reaction> RemoveAsync(L1Event l1Event)
    {
        var index = IndexOf(l1Event);
        if (index < 0)
        {
            return Reaction();
        }
        state.State = state.State with { Facts = state.State.Facts[..index] };
        await SaveAsync();
        return Reaction();
    }

    public async Task<L1Reaction> OnBlockAsync(ulong number, Hash32 hash)
    {
        var view = state.State.ToView(Self);
        if (view.Status != SequencerStatus.Exiting || view.ExitUnlockBlock is not { } unlock || state.State.FinalizeSentFor == unlock)
        {
            return Reaction();
        }
        if (number < unlock)
        {
            return L1Reaction.WakeAt(unlock);
        }
        try
        {
            // finalizeExit may be sent by anyone: the publisher that registered pays for it.
            var publisher = state.State.Publisher is { } p ? Address.Parse(p) : view.Withdrawer!.Value;
            var sent = await GrainFactory.GetGrain<IPublisherGrain>(publisher.ToString())
                .SendAsync(state.State.Tenant, new L1Call(chain.RequireDeployment().Registry, RegistryAbi.FinalizeExit.EncodeCall(Self), $"finalize exit of {Self}"));
            state.State = state.State with { FinalizeSentFor = unlock, LastTransaction = sent.ToString() };
            await SaveAsync();
            return L1Reaction.None;
        }
        catch (Exception exception) when (exception is L1RevertException or RequestRefusedException)
        {
            // Not yet executable at the pending block, or the publisher cannot pay right now: try again on the
            // next block rather than failing the follower's delivery, which would hold up every other consumer.
            return L1Reaction.WakeAt(number + 1);
        }
    }

    // Writes the state and, when the status moved, tells the tenant: its index serves the portal's paged
    // list and status filter without waking every sequencer.
    private async Task SaveAsync()
    {
        var before = _indexedStatus;
        await state.WriteStateAsync();
        var now = state.State.ToView(Self).Status;
        if (state.State.Tenant is { Length: > 0 } tenant && now != before)
        {
            await GrainFactory.GetGrain<ITenantGrain>(tenant).RecordSequencerStatusAsync(Self, now);
        }
        _indexedStatus = now;
        // The tenant's reward book: this sequencer's total of RewardCredited facts, told whenever it moves (a
        // removed fact lowers it again), so the tenant sums its sequencers without waking them.
        var rewards = state.State.ToView(Self).RewardsCredited;
        if (state.State.Tenant is { Length: > 0 } owner && rewards != _bookedRewards)
        {
            await GrainFactory.GetGrain<ITenantGrain>(owner).RecordSequencerRewardsAsync(Self, rewards);
        }
        _bookedRewards = rewards;
    }

    private SequencerStatus? _indexedStatus;
    private System.Numerics.BigInteger _bookedRewards;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _indexedStatus = state.State.Tenant is { Length: > 0 } ? state.State.ToView(Self).Status : null;
        _bookedRewards = state.State.ToView(Self).RewardsCredited;
        return Task.CompletedTask;
    }

    // A key registered through key custody (the portal's key API) for this tenant counts as in the key store:
    // it signs through the signing-safety gate, never through AccountKeys.
    private async Task<bool> InCustodyForAsync(string tenant) =>
        ServiceProvider.GetService<KeyCustody>() is { } custody
        && await custody.FindKeyAsync(Self) is { Status: not KeyStatus.Deleted, Purpose: KeyPurpose.Sequencer } key
        && key.Tenant == tenant;

    private L1Reaction Reaction()
    {
        var view = state.State.ToView(Self);
        return view.Status == SequencerStatus.Exiting && view.ExitUnlockBlock is { } unlock && state.State.FinalizeSentFor != unlock
            ? L1Reaction.WakeAt(unlock)
            : L1Reaction.None;
    }

    private int IndexOf(L1Event e)
    {
        var hash = e.Position.BlockHash.ToString();
        return state.State.Facts.FindIndex(f => f.BlockHash == hash && f.LogIndex == e.Position.LogIndex);
    }

    private void RequireTenant(string tenant)
    {
        if (state.State.Tenant != tenant)
        {
            // The same answer whether the sequencer is unknown or another tenant's: tenants learn nothing of each other.
            throw new RequestRefusedException(RefusalReason.NotThisTenants, Self.ToString(), $"Tenant '{tenant}' hosts no sequencer {Self}.");
        }
    }

    /// <summary>Simulates the registry call first so its own refusals (stake below minimum, already registered) come back decoded and nothing is sent.</summary>
    private static async Task RefuseRegistryRevertAsync(EthereumClient client, Address registry, Address from, byte[] data, string function)
    {
        try
        {
            await client.CallAsync(new CallRequest(registry, data) { From = from });
        }
        catch (RpcException exception) when (exception.ErrorDataBytes is { } revert
            && RegistryAbi.Contract.DecodeRevert(revert) is RevertReason.CustomError { Name: var name } reason
            && name.StartsWith("Registry__", StringComparison.Ordinal))
        {
            throw new L1RevertException(registry, function, name, reason.ToString());
        }
        catch (RpcException)
        {
            // Any other revert here is the token transfer, which the approval below takes care of.
        }
    }
}
