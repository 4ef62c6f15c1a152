using Hosting.Contracts.Slots;

namespace Hosting.L1.Contracts;

/// <summary>
/// The rollup's fixed slot clock (PROTOCOL.md, "Time"): slot s starts at genesis + s·SLOT and runs Proposal,
/// Commitment, Reveal, Proving and Backup in that order. The same arithmetic as the contract's SlotClockLib,
/// so the platform knows every duty's blocks without asking L1.
/// </summary>
public sealed record SlotSchedule(ulong GenesisBlock, ulong ProposalBlocks, ulong CommitmentBlocks, ulong RevealBlocks, ulong ProvingBlocks, ulong BackupBlocks, ulong Lag)
{
    /// <summary>Blocks in one slot: the five phases together.</summary>
    public ulong SlotBlocks => ProposalBlocks + CommitmentBlocks + RevealBlocks + ProvingBlocks + BackupBlocks;

    /// <summary>The slot running at <paramref name="block"/>, or null before genesis.</summary>
    public ulong? SlotAt(ulong block) => block < GenesisBlock ? null : (block - GenesisBlock) / SlotBlocks;

    /// <summary>The first block of <paramref name="slot"/> (its Proposal phase).</summary>
    public ulong StartOf(ulong slot) => GenesisBlock + slot * SlotBlocks;

    /// <summary>
    /// The head from which a proposal for <paramref name="slot"/> is sent: the block before Proposal opens, so that
    /// the proposal lands in the phase's first block.
    /// </summary>
    public ulong ProposalDue(ulong slot) => Math.Max(StartOf(slot), 1) - 1;

    /// <summary>The first block of the Commitment phase of <paramref name="slot"/>.</summary>
    public ulong CommitmentStart(ulong slot) => StartOf(slot) + ProposalBlocks;

    /// <summary>The first block of the Reveal phase of <paramref name="slot"/>.</summary>
    public ulong RevealStart(ulong slot) => CommitmentStart(slot) + CommitmentBlocks;

    /// <summary>The first block of the Proving phase of <paramref name="slot"/>.</summary>
    public ulong ProvingStart(ulong slot) => RevealStart(slot) + RevealBlocks;

    /// <summary>The first block of the Backup phase of <paramref name="slot"/>.</summary>
    public ulong BackupStart(ulong slot) => ProvingStart(slot) + ProvingBlocks;

    /// <summary>The first block after <paramref name="slot"/>.</summary>
    public ulong EndOf(ulong slot) => StartOf(slot) + SlotBlocks;

    /// <summary>The phase of <paramref name="slot"/> at <paramref name="block"/> (the schedule's, not whether Backup opened early).</summary>
    public SlotPhase PhaseAt(ulong slot, ulong block) => block switch
    {
        _ when block < StartOf(slot) => SlotPhase.NotStarted,
        _ when block < CommitmentStart(slot) => SlotPhase.Proposal,
        _ when block < RevealStart(slot) => SlotPhase.Commitment,
        _ when block < ProvingStart(slot) => SlotPhase.Reveal,
        _ when block < BackupStart(slot) => SlotPhase.Proving,
        _ when block < EndOf(slot) => SlotPhase.Backup,
        _ => SlotPhase.Ended,
    };
}
