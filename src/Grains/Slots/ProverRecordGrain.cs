using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;

namespace Hosting.Grains.Slots;

/// <summary>
/// One prover's record on the platform. Each fact is counted once per slot (the slot and bond grains may tell it
/// twice after a retry); the last <see cref="SeenLimit"/> facts are kept to recognise repeats.
/// </summary>
public sealed class ProverRecordGrain(
    [PersistentState("prover", GrainStorage.Name)] IPersistentState<ProverRecordState> state) : Grain, IProverRecordGrain
{
    private const int SeenLimit = 256;

    public Task LapsedAsync(ulong slot) => CountAsync("lapsed", slot, s => s with { Lapsed = s.Lapsed + 1 });

    public Task CommittedAsync(ulong slot) => CountAsync("committed", slot, s => s with { Committed = s.Committed + 1 });

    public Task ProvedAsync(ulong slot) => CountAsync("proved", slot, s => s with { Proved = s.Proved + 1 });

    public Task SlashedAsync(ulong slot) => CountAsync("slashed", slot, s => s with { Slashed = s.Slashed + 1, LastSlashedSlot = slot });

    public async Task WithdrawnAsync(string fact, ulong slot)
    {
        var key = $"{fact}/{slot}";
        if (!state.State.Seen.Contains(key))
        {
            return;
        }
        var rest = state.State with { Seen = [.. state.State.Seen.Where(seen => seen != key)] };
        state.State = fact switch
        {
            "committed" => rest with { Committed = Math.Max(0, rest.Committed - 1) },
            "proved" => rest with { Proved = Math.Max(0, rest.Proved - 1) },
            _ => throw new ArgumentException($"Only a commitment (\"committed\") or a proof (\"proved\") can be taken back by a reorg, not \"{fact}\".", nameof(fact)),
        };
        await state.WriteStateAsync();
    }

    public Task<ProverRecord> GetAsync() => Task.FromResult(new ProverRecord(Address.Parse(this.GetPrimaryKeyString()),
        state.State.Lapsed, state.State.Committed, state.State.Proved, state.State.Slashed, state.State.LastSlashedSlot));

    private async Task CountAsync(string kind, ulong slot, Func<ProverRecordState, ProverRecordState> count)
    {
        var fact = $"{kind}/{slot}";
        if (state.State.Seen.Contains(fact))
        {
            return;
        }
        var next = count(state.State);
        state.State = next with { Seen = [.. next.Seen.TakeLast(SeenLimit - 1), fact] };
        await state.WriteStateAsync();
    }
}
