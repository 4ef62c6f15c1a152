using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hosting.Portal.Tests.Api;

/// <summary>A tenant sets the upgrade payload its proposals signal; bad values are refused naming the field.</summary>
public sealed class UpgradeSignalTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    private const string Payload = "0x1111111111111111111111111111111111111111111111111111111111111111";

    [Fact]
    public async Task A_tenant_sets_its_signal_with_its_own_token_and_reads_it_back()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var client = silo.WithToken(token);
        var before = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/upgrade-signal");
        Assert.Equal("0x" + new string('0', 64), before.GetProperty("tenant").GetString());

        var set = await client.PutAsJsonAsync($"/api/v1/tenants/{tenant}/upgrade-signal", new { payload = Payload });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var after = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/upgrade-signal");
        Assert.Equal(Payload, after.GetProperty("tenant").GetString());

        // Another tenant's token does not reach it.
        var (_, otherToken) = await PortalTenants.CreateAsync(silo);
        var foreign = await silo.WithToken(otherToken).PutAsJsonAsync($"/api/v1/tenants/{tenant}/upgrade-signal", new { payload = Payload });
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
    }

    [Theory]
    [InlineData("{\"payload\": \"0x1234\"}", "payload")]
    [InlineData("{}", "payload")]
    [InlineData("{\"payload\": \"0x1111111111111111111111111111111111111111111111111111111111111111\", \"sequencer\": \"0xnope\"}", "sequencer")]
    [InlineData("{\"payload\": \"0x1111111111111111111111111111111111111111111111111111111111111111\", \"sequencer\": \"0x90f79bf6eb2c4f870365e785982e1f101e93b906\"}", "sequencer")]
    [InlineData("{\"payload\": 7}", "$.payload")]
    public async Task A_bad_signal_is_a_400_naming_the_field(string json, string field)
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var response = await silo.WithToken(token).PutAsync($"/api/v1/tenants/{tenant}/upgrade-signal", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await TransactionIngressTests.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}': {problem}");
    }
}
