namespace Hosting.Contracts.Slots;

/// <summary>What the platform tells its own prover agents about a slot on which backup is open.</summary>
public enum BackupVerdict
{
    /// <summary>A hosted sequencer won the slot (or was due to and did not propose) and its tenant lets the platform submit.</summary>
    Submit,

    /// <summary>A hosted sequencer won the slot and its tenant's policy says never.</summary>
    Skip,

    /// <summary>No hosted sequencer won the slot: the agent's own setting for other slots decides.</summary>
    NotHosted,

    /// <summary>The platform has not forecast the slot (its L1 follower is behind): ask again; do not submit meanwhile.</summary>
    NotKnownYet,
}

/// <summary>The answer to "may the platform's agent submit a backup block for this slot", with why, for the agent's log.</summary>
[GenerateSerializer, Immutable, Alias("hosting.backup-answer")]
public sealed record BackupAnswer(
    [property: Id(0)] ulong Slot,
    [property: Id(1)] BackupVerdict Verdict,
    [property: Id(2)] string Reason);
