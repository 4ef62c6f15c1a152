using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Tenants;

namespace Hosting.Portal.Tests.Sequencers;

/// <summary>The paged sequencer list: server-side paging, status filter and address-prefix search from the tenant's index.</summary>
public sealed class SequencerListTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    /// <summary>Puts <paramref name="count"/> sequencers in the tenant's index, every third one Active, the rest unregistered.</summary>
    public static async Task<List<Address>> SeedAsync(IGrainFactory grains, string tenant, int count)
    {
        var tenantGrain = grains.GetGrain<ITenantGrain>(tenant);
        var addresses = Enumerable.Range(0, count).Select(_ => new Address(RandomNumberGenerator.GetBytes(20))).ToList();
        for (var i = 0; i < count; i++)
        {
            await tenantGrain.RecordSequencerStatusAsync(addresses[i], i % 3 == 0 ? SequencerStatus.Active : SequencerStatus.None);
        }
        return addresses;
    }

    [Fact]
    public async Task pages_filter_by_status_and_search_by_prefix_over_the_index()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var addresses = await SeedAsync(silo.Grains, tenant, 120);
        using var client = silo.WithToken(token);

        var first = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers?pageSize=50");
        Assert.Equal(120, first.GetProperty("total").GetInt32());
        Assert.Equal(50, first.GetProperty("items").GetArrayLength());
        var last = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers?pageSize=50&page=3");
        Assert.Equal(20, last.GetProperty("items").GetArrayLength());
        Assert.Equal(addresses[100].ToString(), last.GetProperty("items")[0].GetProperty("address").GetString());

        var active = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers?status=active&pageSize=200");
        Assert.Equal(40, active.GetProperty("total").GetInt32());
        Assert.All(active.GetProperty("items").EnumerateArray(), i => Assert.Equal("active", i.GetProperty("status").GetString()));

        var target = addresses[77].ToString();
        var found = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers?search={target[..12].ToUpperInvariant().Replace("0X", "0x")}");
        Assert.Contains(found.GetProperty("items").EnumerateArray(), i => i.GetProperty("address").GetString() == target);

        var none = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers?status=exiting");
        Assert.Equal(0, none.GetProperty("total").GetInt32());
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task actions_on_an_imported_sequencer_refuse_what_cannot_happen_with_a_problem_and_change_nothing()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var (_, otherToken) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var key = await PortalTenants.CastKeystoreAsync("pw");
        (await client.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { key.Json }, passwords = new[] { "pw" } })).EnsureSuccessStatusCode();
        var path = $"/api/v1/tenants/{tenant}/sequencers/{key.Address}";

        var exit = await client.PostAsync(path + "/exit", null);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, exit.StatusCode);
        Assert.Contains("only an Active sequencer exits", await exit.Content.ReadAsStringAsync());

        var register = new { stake = "100000000000000000000", withdrawer = "0x" + new string('3', 40), publisher = "0x" + new string('4', 40) };
        var noL1 = await client.PostAsJsonAsync(path + "/register", register);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, noL1.StatusCode);
        Assert.Contains("Hosting:L1", await noL1.Content.ReadAsStringAsync());

        using var intruder = silo.WithToken(otherToken);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await intruder.PostAsJsonAsync(path + "/register", register)).StatusCode);
        Assert.Equal("unregistered", (await client.GetFromJsonAsync<JsonElement>(path)).GetProperty("status").GetString());
    }
}
