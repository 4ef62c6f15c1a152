using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Slots;

/// <summary>
/// One prover's bond on one slot, keyed "slot/prover": escrowed at commitment, released when the block is
/// proven, slashed through slashBond once the Proving phase is over without a proof.
/// </summary>
[Alias("hosting.prover-bond")]
public interface IProverBondGrain : IGrainWithStringKey
{
    /// <summary>The prover committed with <paramref name="bond"/>; the proof is due before block <paramref name="deadlineBlock"/>.</summary>
    [Alias("escrowed")]
    Task EscrowedAsync(string tenant, Address publisher, BigInteger bond, ulong deadlineBlock);

    /// <summary>The block was proven: the contract returned the bond.</summary>
    [Alias("released")]
    Task ReleasedAsync();

    /// <summary>L1 says the bond was slashed (BondSlashed).</summary>
    [Alias("slashed")]
    Task SlashedAsync();

    /// <summary>A reorg took the commitment away: no bond is escrowed (None) until the prover commits again.</summary>
    [Alias("commitment-removed")]
    Task CommitmentRemovedAsync();

    /// <summary>A reorg took the proof away: the bond is escrowed again and due by its deadline.</summary>
    [Alias("proof-removed")]
    Task ProofRemovedAsync();

    /// <summary>The chain reached <paramref name="block"/>; past the deadline an unproven bond is slashed. Returns the bond's status.</summary>
    [Alias("deadline")]
    Task<BondStatus> CheckDeadlineAsync(ulong block);

    [Alias("get")]
    Task<ProverBondView> GetAsync();
}

public enum BondStatus
{
    None = 0,
    Escrowed = 1,
    Released = 2,
    SlashSent = 3,
    Slashed = 4,
}

[GenerateSerializer, Immutable, Alias("hosting.prover-bond-view")]
public sealed record ProverBondView(
    [property: Id(0)] ulong Slot,
    [property: Id(1)] Address Prover,
    [property: Id(2)] BondStatus Status,
    [property: Id(3)] BigInteger Bond,
    [property: Id(4)] ulong DeadlineBlock,
    [property: Id(5)] Hash32? SlashTransaction);

/// <summary>The grain keys of the slot pipeline, written once.</summary>
public static class SlotKeys
{
    public static string Slot(ulong slot) => slot.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Bond(ulong slot, Address prover) => $"{Slot(slot)}/{prover}";
}
