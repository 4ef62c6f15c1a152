using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;

namespace Hosting.Grains.Slots;

/// <summary>
/// Watches one prover's bond on one slot of ours. The slot grain tells it about the escrow, the proof and
/// the deadline block; past the deadline with no proof it sends slashBond through the tenant's publisher (anyone
/// may, and the slasher's share comes back to the tenant).
/// </summary>
public sealed class ProverBondGrain(
    [PersistentState("bond", GrainStorage.Name)] IPersistentState<ProverBondState> state,
    L1Chain chain) : Grain, IProverBondGrain
{
    private (ulong Slot, Address Prover) Key
    {
        get
        {
            var key = this.GetPrimaryKeyString();
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            return (ulong.Parse(key[..slash], CultureInfo.InvariantCulture), Address.Parse(key[(slash + 1)..]));
        }
    }

    private IFleetDirectoryGrain Fleet => GrainFactory.GetGrain<IFleetDirectoryGrain>(IFleetDirectoryGrain.Key);

    private BondStatus Status => (BondStatus)state.State.Status;

    public async Task EscrowedAsync(string tenant, Address publisher, BigInteger bond, ulong deadlineBlock)
    {
        if (Status != BondStatus.None)
        {
            return;
        }
        state.State = state.State with
        {
            Status = (int)BondStatus.Escrowed,
            Tenant = tenant,
            Publisher = publisher.ToString(),
            Bond = bond.ToString(CultureInfo.InvariantCulture),
            DeadlineBlock = deadlineBlock,
        };
        await state.WriteStateAsync();
        if (chain.RequireDeployment().Schedule is { } schedule)
        {
            await Fleet.OpenBondAsync(new OpenBond(this.GetPrimaryKeyString(), tenant, schedule.ProvingStart(Key.Slot), deadlineBlock));
        }
        await Record().CommittedAsync(Key.Slot);
    }

    public async Task ReleasedAsync()
    {
        state.State = state.State with { Status = (int)BondStatus.Released };
        await state.WriteStateAsync();
        await Fleet.CloseBondAsync(this.GetPrimaryKeyString());
        await Record().ProvedAsync(Key.Slot);
    }

    public async Task SlashedAsync()
    {
        if (Status != BondStatus.Slashed)
        {
            PlatformMetrics.BondSlashed(state.State.Tenant);
        }
        state.State = state.State with { Status = (int)BondStatus.Slashed };
        await state.WriteStateAsync();
        await Fleet.CloseBondAsync(this.GetPrimaryKeyString());
        await Record().SlashedAsync(Key.Slot);
    }

    public async Task CommitmentRemovedAsync()
    {
        if (Status == BondStatus.None)
        {
            return;
        }
        // The contract never held this bond on the surviving branch, and the prover's record no longer counts the
        // commitment: a commitment sent again on the new branch is counted then, once.
        state.State = new ProverBondState();
        await state.WriteStateAsync();
        await Fleet.CloseBondAsync(this.GetPrimaryKeyString());
        await Record().WithdrawnAsync("committed", Key.Slot);
    }

    public async Task ProofRemovedAsync()
    {
        if (Status != BondStatus.Released)
        {
            return;
        }
        state.State = state.State with { Status = (int)BondStatus.Escrowed };
        await state.WriteStateAsync();
        if (chain.RequireDeployment().Schedule is { } schedule)
        {
            await Fleet.OpenBondAsync(new OpenBond(this.GetPrimaryKeyString(), state.State.Tenant, schedule.ProvingStart(Key.Slot), state.State.DeadlineBlock));
        }
        await Record().WithdrawnAsync("proved", Key.Slot);
    }

    public async Task<BondStatus> CheckDeadlineAsync(ulong block)
    {
        if (Status != BondStatus.Escrowed || block < state.State.DeadlineBlock)
        {
            return Status;
        }
        var call = RollupAbi.SlashBond.EncodeCall(new BigInteger(Key.Slot));
        var sent = await GrainFactory.GetGrain<IPublisherGrain>(state.State.Publisher)
            .SendAsync(state.State.Tenant, new L1Call(chain.RequireDeployment().Rollup, call, $"slash bond of slot {Key.Slot}"));
        state.State = state.State with { Status = (int)BondStatus.SlashSent, SlashTransaction = sent.ToString() };
        await state.WriteStateAsync();
        return Status;
    }

    private IProverRecordGrain Record() => GrainFactory.GetGrain<IProverRecordGrain>(Key.Prover.ToString());

    public Task<ProverBondView> GetAsync() => Task.FromResult(new ProverBondView(Key.Slot, Key.Prover, Status,
        BigInteger.Parse(state.State.Bond, CultureInfo.InvariantCulture), state.State.DeadlineBlock,
        state.State.SlashTransaction.Length > 0 ? Hash32.Parse(state.State.SlashTransaction) : null));
}
