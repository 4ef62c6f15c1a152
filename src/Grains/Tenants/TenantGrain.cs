using Hosting.Contracts.Tenants;

namespace Hosting.Grains.Tenants;

public sealed class TenantGrain(
    [PersistentState("tenant", GrainStorage.Name)] IPersistentState<TenantState> state,
    TimeProvider clock) : Grain, ITenantGrain
{
    public async Task<TenantProfile> SaveAsync(string displayName)
    {
        if (string.IsNullOrWhiteSpace(displayName))
        {
            throw new ArgumentException("A tenant needs a display name.", nameof(displayName));
        }
        var created = state.State.CreatedAt ?? clock.GetUtcNow();
        state.State = state.State with { DisplayName = displayName.Trim(), CreatedAt = created };
        await state.WriteStateAsync();
        return ToProfile(state.State);
    }

    public Task<TenantProfile?> GetAsync() =>
        Task.FromResult(state.RecordExists ? ToProfile(state.State) : null);

    private TenantProfile ToProfile(TenantState s) =>
        new(this.GetPrimaryKeyString(), s.DisplayName, s.CreatedAt ?? default);
}

[GenerateSerializer, Alias("hosting.tenant-state.v1")]
public sealed record TenantState
{
    [Id(0)] public string DisplayName { get; init; } = "";
    [Id(1)] public DateTimeOffset? CreatedAt { get; init; }
}
