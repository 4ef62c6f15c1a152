using Hosting.Contracts.Domain;
using Hosting.Contracts.Tenants;

namespace Hosting.Grains.Tenants;

public sealed class UpgradeSignalGrain(
    [PersistentState("upgrade-signal", GrainStorage.Name)] IPersistentState<UpgradeSignalState> state) : Grain, IUpgradeSignalGrain
{
    public async Task<UpgradeSignalPolicy> SetAsync(Address? sequencer, Hash32 payload)
    {
        if (sequencer is { } one)
        {
            var key = one.ToString();
            var others = state.State.Sequencers.Where(s => s.Sequencer != key).ToList();
            state.State = state.State with
            {
                Sequencers = payload.IsZero ? others : [.. others, new StoredSequencerSignal { Sequencer = key, Payload = payload.ToString() }],
            };
        }
        else
        {
            state.State = state.State with { Tenant = payload.IsZero ? "" : payload.ToString() };
        }
        await state.WriteStateAsync();
        return Policy();
    }

    public Task<Hash32> ForAsync(Address sequencer)
    {
        var key = sequencer.ToString();
        var own = state.State.Sequencers.FirstOrDefault(s => s.Sequencer == key)?.Payload;
        var payload = own ?? (state.State.Tenant.Length > 0 ? state.State.Tenant : null);
        return Task.FromResult(payload is null ? Hash32.Zero : Hash32.Parse(payload));
    }

    public Task<UpgradeSignalPolicy> GetAsync() => Task.FromResult(Policy());

    private UpgradeSignalPolicy Policy() => new(
        state.State.Tenant.Length > 0 ? Hash32.Parse(state.State.Tenant) : Hash32.Zero,
        [.. state.State.Sequencers.Select(s => new SequencerSignal(Address.Parse(s.Sequencer), Hash32.Parse(s.Payload)))]);
}

[GenerateSerializer, Alias("hosting.upgrade-signal-state.v1")]
public sealed record UpgradeSignalState
{
    [Id(0)] public string Tenant { get; init; } = "";
    [Id(1)] public List<StoredSequencerSignal> Sequencers { get; init; } = [];
}

[GenerateSerializer, Alias("hosting.sequencer-signal.v1")]
public sealed record StoredSequencerSignal
{
    [Id(0)] public string Sequencer { get; init; } = "";
    [Id(1)] public string Payload { get; init; } = "";
}
