using Hosting.Contracts.Slots;
using Hosting.Grains.Slots;

namespace Hosting.Grains.Tests.Slots;

/// <summary>Which slots the platform's agents may back up: the winning tenant's policy, nobody else's slot, nothing before the forecast.</summary>
public sealed class BackupRuleTests
{
    private const string Ours = "0x1000000000000000000000000000000000000001";
    private const string Theirs = "0x2000000000000000000000000000000000000002";

    private static SlotState Slot(SlotOutcome outcome, string canonical = "", int rank = 1) => new()
    {
        Outcome = (int)outcome,
        Candidate = Ours,
        Tenant = "acme",
        CandidateRank = rank,
        CanonicalSequencer = canonical,
    };

    [Theory]
    [InlineData(SlotOutcome.Canonical, Ours)]
    [InlineData(SlotOutcome.Committed, Ours)]
    [InlineData(SlotOutcome.Revealed, Ours)]
    [InlineData(SlotOutcome.Backup, Ours)]
    [InlineData(SlotOutcome.Missed, "")]
    [InlineData(SlotOutcome.Forecast, "")]
    public void A_slot_our_sequencer_won_or_failed_to_propose_in_goes_by_its_tenants_policy(SlotOutcome outcome, string canonical)
    {
        var state = Slot(outcome, canonical);
        Assert.Equal(BackupVerdict.Submit, BackupRule.Answer(9, state, BackupPolicy.Submit).Verdict);
        var never = BackupRule.Answer(9, state, BackupPolicy.Never);
        Assert.Equal(BackupVerdict.Skip, never.Verdict);
        Assert.Contains("never", never.Reason);
        Assert.DoesNotContain("acme", never.Reason);
    }

    [Theory]
    [InlineData(SlotOutcome.NotOurs, "", 2)]
    [InlineData(SlotOutcome.Outbid, Theirs, 1)]
    [InlineData(SlotOutcome.Missed, Theirs, 1)]
    [InlineData(SlotOutcome.Forecast, Theirs, 1)]
    public void A_slot_another_sequencer_won_or_leads_is_not_hosted_whatever_the_tenant_says(SlotOutcome outcome, string canonical, int rank)
    {
        var state = Slot(outcome, canonical, rank);
        var (tenant, otherwise) = BackupRule.WinningTenant(state);
        Assert.Null(tenant);
        Assert.Equal(BackupVerdict.NotHosted, otherwise);
        Assert.Equal(BackupVerdict.NotHosted, BackupRule.Answer(9, state, BackupPolicy.Never).Verdict);
    }

    [Fact]
    public void A_slot_not_forecast_yet_is_not_known_and_says_to_ask_again()
    {
        var answer = BackupRule.Answer(9, new SlotState(), null);
        Assert.Equal(BackupVerdict.NotKnownYet, answer.Verdict);
        Assert.Contains("ask again", answer.Reason);
    }
}
