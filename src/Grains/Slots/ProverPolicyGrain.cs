using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;

namespace Hosting.Grains.Slots;

/// <summary>One tenant's proof-boost policy, stored; the default until the tenant sets one.</summary>
public sealed class ProverPolicyGrain(
    [PersistentState("prover-policy", GrainStorage.Name)] IPersistentState<ProverPolicyState> state) : Grain, IProverPolicyGrain
{
    public async Task<ProverPolicy> SetAsync(ProverPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        state.State = new ProverPolicyState
        {
            IsSet = true,
            MinimumBond = policy.MinimumBond,
            MaximumFee = policy.MaximumFee,
            RequireCleanRecord = policy.RequireCleanRecord,
            AllowedProvers = [.. policy.AllowedProvers.Select(a => a.ToString())],
            BlockedProvers = [.. policy.BlockedProvers.Select(a => a.ToString())],
            Preference = policy.Preference,
            Backup = policy.Backup,
            MaxAuthorisationsPerSlot = policy.MaxAuthorisationsPerSlot is < 1 ? throw new ArgumentOutOfRangeException(nameof(policy), policy.MaxAuthorisationsPerSlot, "MaxAuthorisationsPerSlot must be at least 1 (the chosen prover), or null for the platform's bound.") : policy.MaxAuthorisationsPerSlot,
        };
        await state.WriteStateAsync();
        return await GetAsync();
    }

    public Task<ProverPolicy> GetAsync() => Task.FromResult(!state.State.IsSet
        ? ProverPolicy.Default
        : new ProverPolicy(state.State.MinimumBond, state.State.MaximumFee, state.State.RequireCleanRecord,
            [.. state.State.AllowedProvers.Select(Address.Parse)], [.. state.State.BlockedProvers.Select(Address.Parse)], state.State.Preference, state.State.Backup, state.State.MaxAuthorisationsPerSlot));
}

[GenerateSerializer, Alias("hosting.prover-policy-state.v1")]
public sealed record ProverPolicyState
{
    [Id(0)] public bool IsSet { get; init; }
    [Id(1)] public string MinimumBond { get; init; } = "0";
    [Id(2)] public string? MaximumFee { get; init; }
    [Id(3)] public bool RequireCleanRecord { get; init; } = true;
    [Id(4)] public List<string> AllowedProvers { get; init; } = [];
    [Id(5)] public List<string> BlockedProvers { get; init; } = [];
    [Id(6)] public ProverPreference Preference { get; init; }

    /// <summary>Rows stored before the field existed read as <see cref="BackupPolicy.Submit"/>, the default.</summary>
    [Id(7)] public BackupPolicy Backup { get; init; }

    /// <summary>Rows stored before the field existed read as null: the platform's bound.</summary>
    [Id(8)] public int? MaxAuthorisationsPerSlot { get; init; }
}
