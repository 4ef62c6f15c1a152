using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hosting.Portal.Tests.Api;

/// <summary>A tenant sets which provers' quotes its slots accept; bad values are refused naming the field.</summary>
public sealed class ProverPolicyTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    private const string Prover = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";
    private const string Other = "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65";

    [Fact]
    public async Task A_tenant_sets_its_own_bound_on_authorisations_per_slot_and_a_bound_below_one_is_refused_naming_the_field()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var client = silo.WithToken(token);
        Assert.Equal(JsonValueKind.Null, (await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy")).GetProperty("maxAuthorisationsPerSlot").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/v1/tenants/{tenant}/prover-policy", new { maxAuthorisationsPerSlot = 1 })).StatusCode);
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy")).GetProperty("maxAuthorisationsPerSlot").GetInt32());
        Assert.Equal(1, (await silo.Grains.GetGrain<Hosting.Contracts.Slots.IProverPolicyGrain>(tenant).GetAsync()).MaxAuthorisationsPerSlot);

        var refused = await client.PutAsJsonAsync($"/api/v1/tenants/{tenant}/prover-policy", new { maxAuthorisationsPerSlot = 0 });
        var problem = await TransactionIngressTests.ProblemAsync(refused, HttpStatusCode.BadRequest);
        Assert.Contains("0 is not a bound on authorisations per slot", problem.GetProperty("errors").GetProperty("maxAuthorisationsPerSlot")[0].GetString());
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy")).GetProperty("maxAuthorisationsPerSlot").GetInt32());
    }

    [Fact]
    public async Task A_tenant_starts_on_the_default_policy_sets_its_own_and_another_tenant_cannot_touch_it()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var client = silo.WithToken(token);
        var before = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy");
        Assert.Equal("0", before.GetProperty("minimumBond").GetString());
        Assert.Equal(JsonValueKind.Null, before.GetProperty("maximumFee").ValueKind);
        Assert.True(before.GetProperty("requireCleanRecord").GetBoolean());
        Assert.Equal("lowest-fee", before.GetProperty("preference").GetString());
        Assert.Equal("submit", before.GetProperty("backup").GetString());

        var set = await client.PutAsJsonAsync($"/api/v1/tenants/{tenant}/prover-policy", new
        {
            minimumBond = "20000000000000000000",
            maximumFee = "500",
            requireCleanRecord = false,
            allowedProvers = new[] { Prover.ToUpperInvariant().Replace("0X", "0x"), Prover },
            blockedProvers = new[] { Other },
            preference = "highest-bond",
            backup = "never",
        });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var after = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy");
        Assert.Equal("20000000000000000000", after.GetProperty("minimumBond").GetString());
        Assert.Equal("500", after.GetProperty("maximumFee").GetString());
        Assert.False(after.GetProperty("requireCleanRecord").GetBoolean());
        Assert.Equal([Prover], after.GetProperty("allowedProvers").EnumerateArray().Select(e => e.GetString()!.ToLowerInvariant()));
        Assert.Equal([Other], after.GetProperty("blockedProvers").EnumerateArray().Select(e => e.GetString()!.ToLowerInvariant()));
        Assert.Equal("highest-bond", after.GetProperty("preference").GetString());
        Assert.Equal("never", after.GetProperty("backup").GetString());

        // Another tenant's token neither reads nor changes it.
        var (_, otherToken) = await PortalTenants.CreateAsync(silo);
        var foreign = silo.WithToken(otherToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await foreign.GetAsync($"/api/v1/tenants/{tenant}/prover-policy")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await foreign.PutAsJsonAsync($"/api/v1/tenants/{tenant}/prover-policy", new { minimumBond = "0" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await foreign.PutAsJsonAsync($"/api/v1/tenants/{tenant}/prover-policy", new { backup = "submit" })).StatusCode);
        var unchanged = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy");
        Assert.Equal("500", unchanged.GetProperty("maximumFee").GetString());
        Assert.Equal("never", unchanged.GetProperty("backup").GetString());

        // A bad backup value next to good fields: 400 naming backup, and the stored policy is untouched.
        var refused = await client.PutAsJsonAsync($"/api/v1/tenants/{tenant}/prover-policy", new { maximumFee = "1", backup = "sometimes" });
        var problem = await TransactionIngressTests.ProblemAsync(refused, HttpStatusCode.BadRequest);
        Assert.Contains("'sometimes'", problem.GetProperty("errors").GetProperty("backup")[0].GetString());
        var kept = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy");
        Assert.Equal("500", kept.GetProperty("maximumFee").GetString());
        Assert.Equal("never", kept.GetProperty("backup").GetString());

        // backup alone, the rest left out: the rest go back to their defaults, backup is what was sent.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/v1/tenants/{tenant}/prover-policy", new { backup = "never" })).StatusCode);
        var onlyBackup = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy");
        Assert.Equal("never", onlyBackup.GetProperty("backup").GetString());
        Assert.Equal(JsonValueKind.Null, onlyBackup.GetProperty("maximumFee").ValueKind);

        // Putting an empty policy goes back to the default.
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/v1/tenants/{tenant}/prover-policy", new { })).StatusCode);
        var reset = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy");
        Assert.Equal(JsonValueKind.Null, reset.GetProperty("maximumFee").ValueKind);
        Assert.Empty(reset.GetProperty("allowedProvers").EnumerateArray());
        Assert.Equal("submit", reset.GetProperty("backup").GetString());
    }

    [Theory]
    [InlineData("{\"minimumBond\": \"-1\"}", "minimumBond")]
    [InlineData("{\"minimumBond\": \"1.5\"}", "minimumBond")]
    [InlineData("{\"maximumFee\": \"ten\"}", "maximumFee")]
    [InlineData("{\"preference\": \"cheapest\"}", "preference")]
    [InlineData("{\"allowedProvers\": [\"0xnope\"]}", "allowedProvers")]
    [InlineData("{\"allowedProvers\": [\"" + Prover + "\"], \"blockedProvers\": [\"" + Prover + "\"]}", "blockedProvers")]
    [InlineData("{\"minimumBond\": 7}", "$.minimumBond")]
    [InlineData("{\"requireCleanRecord\": \"yes\"}", "$.requireCleanRecord")]
    [InlineData("{\"backup\": \"sometimes\"}", "backup")]
    [InlineData("{\"backup\": \"Never\"}", "backup")]
    [InlineData("{\"backup\": true}", "$.backup")]
    public async Task A_bad_policy_is_a_400_naming_the_field_and_changes_nothing(string json, string field)
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var client = silo.WithToken(token);
        var response = await client.PutAsync($"/api/v1/tenants/{tenant}/prover-policy", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await TransactionIngressTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}': {problem}");
        var policy = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/prover-policy");
        Assert.Equal("0", policy.GetProperty("minimumBond").GetString());
        Assert.Equal("lowest-fee", policy.GetProperty("preference").GetString());
        Assert.Equal("submit", policy.GetProperty("backup").GetString());
    }
}
