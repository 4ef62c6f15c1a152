using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hosting.Portal.Tests.Api;

/// <summary>Bearer tokens scoped to one tenant: 401 without one, 403 with another tenant's, and revocation.</summary>
public sealed class TenantAccessTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    private async Task<string> CreateTenantAsync()
    {
        var id = "t-" + Guid.NewGuid().ToString("N")[..10];
        (await silo.Http.PutAsJsonAsync($"/api/v1/tenants/{id}", new { displayName = id })).EnsureSuccessStatusCode();
        return id;
    }

    private async Task<JsonElement> IssueAsync(string tenant, string label = "ops")
    {
        var response = await silo.Http.PostAsJsonAsync($"/api/v1/tenants/{tenant}/tokens", new { label });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task without_a_token_the_api_answers_401_with_a_bearer_challenge_and_a_problem()
    {
        var tenant = await CreateTenantAsync();
        var response = await silo.Anonymous.GetAsync($"/api/v1/tenants/{tenant}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task a_tenant_token_reads_its_own_tenant_and_gets_403_on_another_which_stays_unchanged()
    {
        var mine = await CreateTenantAsync();
        var theirs = await CreateTenantAsync();
        var token = (await IssueAsync(mine)).GetProperty("token").GetString()!;
        using var client = silo.WithToken(token);

        Assert.Equal(mine, (await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{mine}")).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/v1/tenants/{theirs}")).StatusCode);
        var rename = await client.PutAsJsonAsync($"/api/v1/tenants/{theirs}", new { displayName = "taken over" });
        Assert.Equal(HttpStatusCode.Forbidden, rename.StatusCode);
        Assert.Equal(theirs, (await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{theirs}")).GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task a_revoked_token_is_refused_and_the_token_list_never_shows_secrets()
    {
        var tenant = await CreateTenantAsync();
        var issued = await IssueAsync(tenant, "ci pipeline");
        var token = issued.GetProperty("token").GetString()!;
        using var client = silo.WithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/tenants/{tenant}")).StatusCode);

        var listed = await silo.Http.GetStringAsync($"/api/v1/tenants/{tenant}/tokens");
        Assert.Contains("ci pipeline", listed);
        Assert.DoesNotContain(token.Split('.')[2], listed);

        Assert.Equal(HttpStatusCode.NoContent, (await silo.Http.DeleteAsync($"/api/v1/tenants/{tenant}/tokens/{issued.GetProperty("id").GetString()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/v1/tenants/{tenant}")).StatusCode);
    }

    [Theory]
    [InlineData("hst.acme.not-the-secret")]
    [InlineData("garbage")]
    [InlineData("hst.UPPER.case")]
    public async Task a_forged_or_malformed_token_is_401(string token)
    {
        using var client = silo.WithToken(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/tenants/acme")).StatusCode);
    }

    [Fact]
    public async Task tokens_are_issued_only_for_existing_tenants_and_only_by_the_platform_admin()
    {
        var missing = await silo.Http.PostAsJsonAsync("/api/v1/tenants/no-such-tenant/tokens", new { label = "x" });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var tenant = await CreateTenantAsync();
        using var client = silo.WithToken((await IssueAsync(tenant)).GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"/api/v1/tenants/{tenant}/tokens", new { label = "self-issued" })).StatusCode);

        var noLabel = await silo.Http.PostAsJsonAsync($"/api/v1/tenants/{tenant}/tokens", new { label = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noLabel.StatusCode);
        Assert.True((await noLabel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("label", out _));
    }

    [Fact]
    public async Task a_tenant_id_outside_the_allowed_pattern_is_a_400_naming_the_field()
    {
        var response = await silo.Http.PutAsJsonAsync("/api/v1/tenants/Not_Valid", new { displayName = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("tenantId", out _));
    }

    [Fact]
    public async Task the_openapi_document_and_the_reference_page_describe_the_api()
    {
        var doc = await silo.Anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/tenants/{tenantId}", out _));
        Assert.True(paths.TryGetProperty("/api/v1/tenants/{tenantId}/tokens", out _));
        var page = await silo.Anonymous.GetStringAsync("/api/reference");
        Assert.Contains("/openapi/v1.json", page);
    }
}
