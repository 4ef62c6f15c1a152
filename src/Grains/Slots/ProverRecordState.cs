namespace Hosting.Grains.Slots;

/// <summary>What a prover record grain persists: the counts, and the facts already counted.</summary>
[GenerateSerializer, Alias("hosting.prover-record-state.v1")]
public sealed record ProverRecordState
{
    [Id(0)] public int Lapsed { get; init; }
    [Id(1)] public int Committed { get; init; }
    [Id(2)] public int Proved { get; init; }
    [Id(3)] public int Slashed { get; init; }
    [Id(4)] public ulong? LastSlashedSlot { get; init; }
    [Id(5)] public List<string> Seen { get; init; } = [];
}
