using Hosting.Contracts.Slots;

namespace Hosting.Grains.Slots;

/// <summary>
/// Whether the platform's own prover agents may submit a backup block for a slot (docs/slot-pipeline.md, "Backup
/// blocks"): only for a slot a hosted sequencer won, or was due to produce and did not propose in, and only when its
/// tenant's policy allows. The rule is written once, here; the slot grain reads the tenant's policy and applies it.
/// </summary>
public static class BackupRule
{
    /// <summary>
    /// The tenant whose sequencer won the slot (or ranked first and no proposal beat it), or null with the verdict
    /// that applies instead: <see cref="BackupVerdict.NotKnownYet"/> before the forecast,
    /// <see cref="BackupVerdict.NotHosted"/> when another sequencer won or leads.
    /// </summary>
    public static (string? Tenant, BackupVerdict? Otherwise) WinningTenant(SlotState slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var outcome = (SlotOutcome)slot.Outcome;
        if (outcome == SlotOutcome.Unknown)
        {
            return (null, BackupVerdict.NotKnownYet);
        }
        var ours = outcome is not (SlotOutcome.NotOurs or SlotOutcome.Outbid)
            && slot.Tenant.Length > 0 && slot.CandidateRank == 1
            // Someone else's proposal beat ours (or ours never went out and theirs stands): the slot is theirs.
            && (slot.CanonicalSequencer.Length == 0 || slot.CanonicalSequencer == slot.Candidate);
        return ours ? (slot.Tenant, null) : (null, BackupVerdict.NotHosted);
    }

    public static BackupAnswer Answer(ulong slot, SlotState state, BackupPolicy? policy)
    {
        var (tenant, otherwise) = WinningTenant(state);
        return (tenant, otherwise, policy) switch
        {
            (null, BackupVerdict.NotKnownYet, _) => new(slot, BackupVerdict.NotKnownYet, $"the platform has not forecast slot {slot} yet (its L1 follower is behind); ask again"),
            (null, _, _) => new(slot, BackupVerdict.NotHosted, $"no sequencer the platform hosts won slot {slot}"),
            (_, _, BackupPolicy.Never) => new(slot, BackupVerdict.Skip, $"the tenant whose sequencer won slot {slot} set its backup policy to never"),
            _ => new(slot, BackupVerdict.Submit, $"the tenant whose sequencer won slot {slot} lets the platform submit backup blocks"),
        };
    }
}
