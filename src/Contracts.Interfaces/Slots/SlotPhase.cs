namespace Hosting.Contracts.Slots;

/// <summary>The phases of a slot in PROTOCOL.md's order, and before and after it.</summary>
public enum SlotPhase
{
    NotStarted = 0,
    Proposal = 1,
    Commitment = 2,
    Reveal = 3,
    Proving = 4,
    Backup = 5,
    Ended = 6,
}
