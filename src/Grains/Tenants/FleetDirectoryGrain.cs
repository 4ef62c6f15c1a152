using Hosting.Contracts.Tenants;

namespace Hosting.Grains.Tenants;

/// <summary>
/// The cluster's tenant list and open prover bonds. Small (tenants number in the hundreds, open bonds in the
/// tens: one per slot in flight), written only when a tenant is created or a bond opens or closes.
/// </summary>
public sealed class FleetDirectoryGrain(
    [PersistentState("fleet", GrainStorage.Name)] IPersistentState<FleetDirectoryState> state) : Grain, IFleetDirectoryGrain
{
    public async Task AddTenantAsync(string tenant)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        if (!state.State.Tenants.Contains(tenant))
        {
            state.State.Tenants.Add(tenant);
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListTenantsAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Tenants]);

    public async Task OpenBondAsync(OpenBond bond)
    {
        ArgumentNullException.ThrowIfNull(bond);
        if (!state.State.OpenBonds.TryGetValue(bond.Key, out var known) || known != bond)
        {
            state.State.OpenBonds[bond.Key] = bond;
            await state.WriteStateAsync();
        }
    }

    public async Task CloseBondAsync(string bondKey)
    {
        if (state.State.OpenBonds.Remove(bondKey))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<OpenBond>> ListOpenBondsAsync() => Task.FromResult<IReadOnlyList<OpenBond>>([.. state.State.OpenBonds.Values]);
}

[GenerateSerializer, Alias("hosting.fleet-directory-state.v1")]
public sealed record FleetDirectoryState
{
    [Id(0)] public List<string> Tenants { get; init; } = [];
    [Id(1)] public Dictionary<string, OpenBond> OpenBonds { get; init; } = [];
}
