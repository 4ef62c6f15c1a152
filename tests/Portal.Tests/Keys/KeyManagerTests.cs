using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Hosting.Portal.Tests.Keys;

/// <summary>The Keymanager API: real cast keystores in and out, per-key statuses, tenant isolation and bad input.</summary>
public sealed class KeyManagerTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    private static string[] Statuses(JsonElement body) =>
        [.. body.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("status").GetString()!)];

    private static async Task<JsonElement> ImportAsync(HttpClient client, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.PostAsJsonAsync("/eth/v1/keystores", body);
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<HttpResponseMessage> DeleteAsync(HttpClient client, object body, string query = "") =>
        await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/eth/v1/keystores" + query) { Content = JsonContent.Create(body) });

    private static async Task<string[]> ListedAsync(HttpClient client, string query = "") =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/eth/v1/keystores" + query)).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("validating_pubkey").GetString()!)];

    private static async Task AssertProblemNamesAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names {field}: {problem}");
    }

    [Fact]
    public async Task cast_keystores_import_in_bulk_list_as_keys_and_become_the_tenants_sequencers_and_a_repeat_is_duplicate()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var first = await PortalTenants.CastKeystoreAsync("first secret");
        var second = await PortalTenants.CastKeystoreAsync("second secret");

        var imported = await ImportAsync(client, new { keystores = new[] { first.Json, second.Json }, passwords = new[] { "first secret", "second secret" } });
        Assert.Equal(["imported", "imported"], Statuses(imported));
        Assert.Equal(new[] { first.Address, second.Address }.Order(), (await ListedAsync(client)).Order());

        var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers");
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers/{first.Address}");
        Assert.Equal("unregistered", detail.GetProperty("status").GetString());
        Assert.Equal(tenant, detail.GetProperty("tenant").GetString());

        var again = await ImportAsync(client, new { keystores = new[] { first.Json }, passwords = new[] { "first secret" } });
        Assert.Equal(["duplicate"], Statuses(again));
    }

    [Fact]
    public async Task a_wrong_password_fails_only_its_own_keystore_with_an_error_status_and_never_echoes_the_password()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var good = await PortalTenants.CastKeystoreAsync("right");
        var bad = await PortalTenants.CastKeystoreAsync("right");

        var response = await client.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { good.Json, bad.Json }, passwords = new[] { "right", "not-the-password-xyz" } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["imported", "error"], Statuses(JsonDocument.Parse(text).RootElement));
        Assert.DoesNotContain("not-the-password-xyz", text);
        Assert.Equal([good.Address], await ListedAsync(client));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/tenants/{tenant}/sequencers/{bad.Address}")).StatusCode);
    }

    [Fact]
    public async Task delete_stops_the_key_returns_its_interchange_and_a_second_delete_is_not_active()
    {
        var (_, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var key = await PortalTenants.CastKeystoreAsync("pw");
        await ImportAsync(client, new { keystores = new[] { key.Json }, passwords = new[] { "pw" } });

        var deleted = await DeleteAsync(client, new { pubkeys = new[] { key.Address, "0x" + new string('1', 40) } });
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var body = await deleted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["deleted", "not_found"], Statuses(body));
        Assert.Contains(key.Address, body.GetProperty("slashing_protection").GetString()!, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await ListedAsync(client));

        var again = await (await DeleteAsync(client, new { pubkeys = new[] { key.Address } })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["not_active"], Statuses(again));
    }

    [Fact]
    public async Task another_tenants_token_cannot_see_delete_or_reach_the_keys_and_sequencers_and_nothing_changes()
    {
        var (owner, ownerToken) = await PortalTenants.CreateAsync(silo);
        var (intruder, intruderToken) = await PortalTenants.CreateAsync(silo);
        using var ownerClient = silo.WithToken(ownerToken);
        using var intruderClient = silo.WithToken(intruderToken);
        var key = await PortalTenants.CastKeystoreAsync("pw");
        await ImportAsync(ownerClient, new { keystores = new[] { key.Json }, passwords = new[] { "pw" } });

        Assert.Empty(await ListedAsync(intruderClient));
        Assert.Equal(HttpStatusCode.Forbidden, (await intruderClient.GetAsync($"/eth/v1/keystores?tenant={owner}")).StatusCode);
        var delete = await (await DeleteAsync(intruderClient, new { pubkeys = new[] { key.Address } })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["not_found"], Statuses(delete));
        Assert.Equal(HttpStatusCode.Forbidden, (await DeleteAsync(intruderClient, new { pubkeys = new[] { key.Address } }, $"?tenant={owner}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await intruderClient.GetAsync($"/api/v1/tenants/{owner}/sequencers")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await intruderClient.GetAsync($"/api/v1/tenants/{owner}/sequencers/{key.Address}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await intruderClient.GetAsync($"/api/v1/tenants/{intruder}/sequencers/{key.Address}")).StatusCode);
        var steal = await ImportAsync(intruderClient, new { keystores = new[] { key.Json }, passwords = new[] { "pw" } });
        Assert.Equal(["error"], Statuses(steal));

        Assert.Equal([key.Address], await ListedAsync(ownerClient));
        Assert.Equal(owner, (await ownerClient.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{owner}/sequencers/{key.Address}")).GetProperty("tenant").GetString());
    }

    [Fact]
    public async Task the_platform_admin_names_the_tenant_with_a_query_and_is_told_when_it_is_missing()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        var key = await PortalTenants.CastKeystoreAsync("pw");
        using var client = silo.WithToken(token);
        await ImportAsync(client, new { keystores = new[] { key.Json }, passwords = new[] { "pw" } });

        await AssertProblemNamesAsync(await silo.Http.GetAsync("/eth/v1/keystores"), HttpStatusCode.BadRequest, "tenant");
        Assert.Equal([key.Address], await ListedAsync(silo.Http, $"?tenant={tenant}"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await silo.Anonymous.GetAsync("/eth/v1/keystores")).StatusCode);
    }

    [Fact]
    public async Task bad_requests_are_problems_naming_the_field()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);

        var malformed = await client.PostAsync("/eth/v1/keystores", new StringContent("{\"keystores\": [", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        await AssertProblemNamesAsync(await client.PostAsync("/eth/v1/keystores", new StringContent("{\"keystores\": 5}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "$.keystores");
        await AssertProblemNamesAsync(await client.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { "{}" }, passwords = Array.Empty<string>() }), HttpStatusCode.BadRequest, "passwords");
        await AssertProblemNamesAsync(await client.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { "{}" }, passwords = new[] { "x" }, slashing_protection = "not an interchange" }), HttpStatusCode.BadRequest, "slashing_protection");
        await AssertProblemNamesAsync(await DeleteAsync(client, new { pubkeys = new[] { "0x1234" } }), HttpStatusCode.BadRequest, "pubkeys[0]");
        await AssertProblemNamesAsync(await client.GetAsync($"/api/v1/tenants/{tenant}/sequencers?status=sleeping"), HttpStatusCode.BadRequest, "status");
        await AssertProblemNamesAsync(await client.GetAsync($"/api/v1/tenants/{tenant}/sequencers?search=0xzz"), HttpStatusCode.BadRequest, "search");
        await AssertProblemNamesAsync(await client.GetAsync($"/api/v1/tenants/{tenant}/sequencers?pageSize=1000"), HttpStatusCode.BadRequest, "pageSize");
        await AssertProblemNamesAsync(await client.GetAsync($"/api/v1/tenants/{tenant}/sequencers/not-an-address"), HttpStatusCode.BadRequest, "address");
        await AssertProblemNamesAsync(await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/0x{new string('2', 40)}/register", new { stake = "-1", withdrawer = "0x" + new string('3', 40), publisher = "0x" + new string('4', 40) }), HttpStatusCode.BadRequest, "stake");

        var huge = new string('x', 2 * 1024 * 1024);
        var oversized = await client.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { huge }, passwords = new[] { "x" } });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal("application/problem+json", oversized.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await ListedAsync(client));
    }
}

public sealed class RemoteKeyTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    [Fact]
    public async Task remote_keys_need_a_valid_reference_and_a_configured_backend_and_are_described_in_openapi()
    {
        var (_, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);
        var address = "0x" + new string('5', 40);

        var badUrl = await client.PostAsJsonAsync("/eth/v1/remotekeys", new { remote_keys = new[] { new { pubkey = address, url = "ftp://vault/key" } } });
        Assert.Equal(HttpStatusCode.BadRequest, badUrl.StatusCode);
        Assert.True((await badUrl.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("remote_keys[0].url", out _));

        var noHsm = await client.PostAsJsonAsync("/eth/v1/remotekeys", new { remote_keys = new[] { new { pubkey = address, url = "pkcs11:token=sequencers;object=k1" } } });
        Assert.Equal(HttpStatusCode.OK, noHsm.StatusCode);
        var status = (await noHsm.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data")[0];
        Assert.Equal("error", status.GetProperty("status").GetString());
        Assert.Contains("pkcs11", status.GetProperty("message").GetString());
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/eth/v1/remotekeys")).GetProperty("data").GetArrayLength());

        var openApi = await silo.Anonymous.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/eth/v1/keystores", "/eth/v1/remotekeys", "/api/v1/tenants/{tenantId}/sequencers", "/api/v1/tenants/{tenantId}/sequencers/{address}/register" })
        {
            Assert.Contains($"\"{path}\"", openApi);
        }
    }
}

/// <summary>A silo without PostgreSQL has no key custody: the key API says which setting is missing.</summary>
public sealed class KeyManagerWithoutPostgresTests(DevnetSiloWithoutPostgres silo) : IClassFixture<DevnetSiloWithoutPostgres>
{
    [Fact]
    public async Task the_key_api_answers_503_naming_the_missing_setting()
    {
        var response = await silo.Http.GetAsync("/eth/v1/keystores?tenant=anyone");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("Hosting:Postgres:ConnectionString", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task generating_a_key_asks_the_cluster_and_answers_503_saying_no_silo_has_the_backend()
    {
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        using var client = silo.WithToken(token);

        var response = await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/keys", new { backend = "pkcs11" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("backend", problem.GetProperty("field").GetString());
        Assert.Contains("The pkcs11 backend is not configured on any silo of the cluster", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
