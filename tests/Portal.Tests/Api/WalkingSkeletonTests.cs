using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Hosting.Portal.Tests.Api;

/// <summary>The silo answers health, readiness and metrics, and a grain is reachable end to end over HTTP.</summary>
public sealed class WalkingSkeletonTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    [Fact]
    public async Task healthz_answers_alive()
    {
        var response = await silo.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task readyz_names_the_cluster_check_once_the_silo_is_active()
    {
        var body = await silo.Http.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("cluster").GetProperty("status").GetString());
    }

    [Fact]
    public async Task metrics_expose_orleans_and_http_series_in_prometheus_text()
    {
        await silo.Http.GetAsync("/healthz");
        var text = await silo.Http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE ", text);
        Assert.Contains("orleans_", text);
        Assert.Contains("http_server_request_duration_seconds", text);
    }

    [Fact]
    public async Task a_tenant_saved_through_the_api_is_read_back_from_its_grain()
    {
        var id = "t-" + Guid.NewGuid().ToString("N")[..8];
        var saved = await silo.Http.PutAsJsonAsync($"/api/v1/tenants/{id}", new { displayName = "  Acme Staking " });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

        var tenant = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{id}");
        Assert.Equal(id, tenant.GetProperty("id").GetString());
        Assert.Equal("Acme Staking", tenant.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task an_unknown_tenant_is_a_404_problem_naming_the_id()
    {
        var response = await silo.Http.GetAsync("/api/v1/tenants/nobody-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nobody-here", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_tenant_without_a_name_is_a_400_naming_the_field()
    {
        var response = await silo.Http.PutAsJsonAsync("/api/v1/tenants/acme", new { displayName = "" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("displayName", out _));
    }
}
