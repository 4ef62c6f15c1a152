namespace Hosting.Grains.Slots;

/// <summary>What a bond grain persists; text and numbers because stored state is JSON.</summary>
[GenerateSerializer, Alias("hosting.prover-bond-state.v1")]
public sealed record ProverBondState
{
    [Id(0)] public int Status { get; init; }
    [Id(1)] public string Tenant { get; init; } = "";
    [Id(2)] public string Publisher { get; init; } = "";
    [Id(3)] public string Bond { get; init; } = "0";
    [Id(4)] public ulong DeadlineBlock { get; init; }
    [Id(5)] public string SlashTransaction { get; init; } = "";
}
