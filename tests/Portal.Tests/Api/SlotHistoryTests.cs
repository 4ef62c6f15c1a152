using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;

namespace Hosting.Portal.Tests.Api;

/// <summary>
/// The tenant's slot history over the API: newest first, one entry per slot with its latest outcome, bounded, and
/// only with the tenant's own token. (The slot grain writing it is checked by SlotPipelineTests in Cluster.Tests.)
/// </summary>
public sealed class SlotHistoryTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    private static readonly Address Sequencer = Address.Parse("0x90f79bf6eb2c4f870365e785982e1f101e93b906");

    [Fact]
    public async Task A_tenant_reads_its_slots_newest_first_with_each_ones_latest_outcome()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var client = silo.WithToken(token);
        var empty = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/slots");
        Assert.Empty(empty.GetProperty("items").EnumerateArray());

        var history = silo.Grains.GetGrain<ISlotHistoryGrain>(tenant);
        var proposal = Hash32.Parse("0x" + new string('a', 64));
        await history.RecordAsync(new SlotHistoryEntry(10, Sequencer, SlotOutcome.Forecast, null, null, null, DateTimeOffset.UtcNow));
        await history.RecordAsync(new SlotHistoryEntry(12, Sequencer, SlotOutcome.Outbid, null, proposal, "a better proposal won", DateTimeOffset.UtcNow));
        await history.RecordAsync(new SlotHistoryEntry(10, Sequencer, SlotOutcome.Finalised, 4, proposal, null, DateTimeOffset.UtcNow));

        var slots = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/slots")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([12UL, 10UL], slots.Select(s => s.GetProperty("slot").GetUInt64()));
        Assert.Equal(["outbid", "finalised"], slots.Select(s => s.GetProperty("outcome").GetString()));
        Assert.Equal(4UL, slots[1].GetProperty("l2Block").GetUInt64());
        Assert.Equal("a better proposal won", slots[0].GetProperty("note").GetString());
        Assert.Equal(Sequencer.ToString(), slots[1].GetProperty("sequencer").GetString());

        var one = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/slots?limit=1")).GetProperty("items");
        Assert.Equal(12UL, Assert.Single(one.EnumerateArray()).GetProperty("slot").GetUInt64());

        // Another tenant's token does not read it, and its own history is empty.
        var (other, otherToken) = await PortalTenants.CreateAsync(silo);
        Assert.Equal(HttpStatusCode.Forbidden, (await silo.WithToken(otherToken).GetAsync($"/api/v1/tenants/{tenant}/slots")).StatusCode);
        Assert.Empty((await silo.WithToken(otherToken).GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{other}/slots")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task The_history_keeps_only_the_newest_slots()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var history = silo.Grains.GetGrain<ISlotHistoryGrain>(tenant);
        for (ulong slot = 1; slot <= ISlotHistoryGrain.Capacity + 5; slot++)
        {
            await history.RecordAsync(new SlotHistoryEntry(slot, Sequencer, SlotOutcome.Finalised, slot, null, null, DateTimeOffset.UtcNow));
        }
        var all = (await silo.WithToken(token).GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/slots?limit={ISlotHistoryGrain.Capacity}")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(ISlotHistoryGrain.Capacity, all.Count);
        Assert.Equal((ulong)ISlotHistoryGrain.Capacity + 5, all[0].GetProperty("slot").GetUInt64());
        Assert.Equal(6UL, all[^1].GetProperty("slot").GetUInt64());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("ten")]
    public async Task A_bad_limit_is_a_400_naming_it(string limit)
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var response = await silo.WithToken(token).GetAsync($"/api/v1/tenants/{tenant}/slots?limit={limit}");
        var problem = await TransactionIngressTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _), $"no error for 'limit': {problem}");
    }
}
