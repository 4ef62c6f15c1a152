namespace Hosting.Contracts.Slots;

/// <summary>
/// Where the slot stands for the platform. The happy path runs Forecast → Proposed → Canonical → Committed →
/// Revealed → Finalised; the others end a slot early.
/// </summary>
public enum SlotOutcome
{
    /// <summary>Not forecast yet.</summary>
    Unknown = 0,

    /// <summary>No hosted sequencer ranks first: the platform has no duty here and sends nothing.</summary>
    NotOurs = 1,

    /// <summary>A hosted sequencer ranks first; the proposal is still ahead.</summary>
    Forecast = 2,

    /// <summary>Our proposal is sent (or seen on L1) and the Proposal phase is still running.</summary>
    Proposed = 3,

    /// <summary>Our proposal was the best when the Proposal phase ended.</summary>
    Canonical = 4,

    /// <summary>We proposed and a better-scoring proposal won: we stand down.</summary>
    Outbid = 5,

    /// <summary>We were due to propose and no proposal of ours landed in the Proposal phase.</summary>
    Missed = 6,

    /// <summary>A prover committed to our canonical block with a bond.</summary>
    Committed = 7,

    /// <summary>The block's data is on L1.</summary>
    Revealed = 8,

    /// <summary>Proven and finalised on L1 (BlockFinalized).</summary>
    Finalised = 9,

    /// <summary>Backup opened on our slot (no commitment, no reveal or no proof).</summary>
    Backup = 10,
}
