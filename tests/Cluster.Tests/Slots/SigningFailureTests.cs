using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.L1;
using Hosting.Contracts.Slots;
using Hosting.Signing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// A proposal that cannot be signed on the slot grain's silo (the gate refuses it, or the key's backend fails: a
/// vault answering 403 or 500, an HSM without its token) is the slot's own error, retried on the next block while the
/// phase lasts; the L1 follower keeps following. It used to escape the slot grain and stop the follower's step, so
/// every slot and tenant delivered after it waited while the phase lasted.
/// </summary>
[Collection(SlotChainCollection.Name)]
public sealed class SigningFailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_proposal_the_gate_refuses_is_the_slots_last_error_the_follower_keeps_following_and_the_next_block_signs_it()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 1, configure: b => b.AddSiloBuilderConfigurator<SlotFailoverTests.SiloWithGate>());
        var (_, _, _, _, _, _, _, slot) = await SlotFailoverTests.ActiveSequencerAsync(chain);
        var schedule = chain.Deployment.Schedule!;
        Assert.True(schedule.ProposalBlocks >= 3, $"the test needs two blocks that still land in Proposal, the deployment has {schedule.ProposalBlocks}");
        var custody = SlotFailoverTests.Services(chain.Cluster.Silos[0]).GetRequiredService<KeyCustody>();
        var grain = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));

        // The tenant's signing is stopped: at the block the proposal is due on (the one before Proposal opens) the gate
        // refuses the proposal on this silo.
        await custody.EmergencyStopAsync(SlotFailoverTests.Tenant, "key vault maintenance", "signing failure test");
        await MineToAsync(chain, schedule.ProposalDue(slot));

        var view = await grain.GetAsync();
        output.WriteLine($"slot {slot}: {view.Outcome}, last error {view.LastError}");
        Assert.Null(view.ProposalTransaction);
        Assert.Contains(nameof(SigningRefusedException), view.LastError ?? "", StringComparison.Ordinal);
        Assert.Contains("key vault maintenance", view.LastError ?? "", StringComparison.Ordinal);
        Assert.Null((await chain.Grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key).GetAsync()).LastError);

        // Lifted: the next block, still landing in Proposal, signs and sends it.
        Assert.True(await custody.LiftEmergencyStopAsync(SlotFailoverTests.Tenant, "signing failure test"));
        await MineToAsync(chain, schedule.ProposalDue(slot) + 1);
        view = await grain.GetAsync();
        output.WriteLine($"slot {slot}: {view.Outcome}, proposal {view.ProposalTransaction}, last error {view.LastError ?? "none"}");
        Assert.NotNull(view.ProposalTransaction);
        Assert.DoesNotContain(nameof(SigningRefusedException), view.LastError ?? "", StringComparison.Ordinal);
    }

    /// <summary>Mines to <paramref name="block"/> and waits until the follower has delivered it (it fails when the follower stays behind).</summary>
    private static async Task MineToAsync(ChainUnderTest chain, ulong block)
    {
        var head = await chain.HeadAsync();
        if (block > head)
        {
            await chain.MineAsync((int)(block - head));
        }
        var follower = chain.Grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key);
        L1FollowerView? seen = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            seen = await follower.GetAsync();
            if (seen.LastBlock >= block)
            {
                return;
            }
        }
        Assert.Fail($"the follower did not deliver block {block}: it stands at {seen?.LastBlock}, last error {seen?.LastError ?? "none"}");
    }
}
