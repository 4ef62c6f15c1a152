using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hosting.Portal.Access;

namespace Hosting.Portal.Tests.Slots;

/// <summary>
/// The proof-boost endpoints as a prover meets them, on a devnet silo without L1: no bearer token is asked for,
/// a malformed quote is answered with a problem naming the field, a slot the platform has no duty in with 404; the
/// backup question only with the platform's prover agent token (the devnet's default one here).
/// The signature and expiry checks against a deployed rollup are in Cluster.Tests' ProverAgentTests.
/// </summary>
public sealed class ProofBoostEndpointTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    private const string Prover = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
    private static readonly string Signature = "0x" + new string('1', 128) + "1b";

    private static object Quote(string? prover = Prover, string? fee = "1", string? bond = "10000000000000000000", ulong? expiryBlock = 100, string? signature = null) =>
        new { prover, fee, bond, expiryBlock, signature = signature ?? Signature };

    private async Task<(HttpStatusCode Status, JsonElement Problem)> PostAsync(string slot, HttpContent content)
    {
        var response = await silo.Anonymous.PostAsync($"/api/v1/slots/{slot}/quotes", content);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Theory]
    [InlineData("prover", "0x12")]
    [InlineData("fee", "-1")]
    [InlineData("bond", "0")]
    [InlineData("signature", "0xabc")]
    public async Task a_quote_with_a_malformed_field_gets_400_naming_that_field(string field, string value)
    {
        var body = JsonSerializer.SerializeToElement(Quote()).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
        body[field] = value;
        var (status, problem) = await PostAsync("7", JsonContent.Create(body));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var message = problem.GetProperty("errors").GetProperty(field)[0].GetString();
        Assert.Contains($"'{value}'", message);
    }

    [Fact]
    public async Task malformed_json_a_missing_expiry_and_a_slot_that_is_not_a_number_are_named()
    {
        var (status, problem) = await PostAsync("7", new StringContent("{\"prover\": 12}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.prover", out _), problem.ToString());

        (status, problem) = await PostAsync("7", JsonContent.Create(Quote(expiryBlock: null)));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("expiryBlock", out _), problem.ToString());

        (status, problem) = await PostAsync("seven", JsonContent.Create(Quote()));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'seven'", problem.GetProperty("errors").GetProperty("slot")[0].GetString());
    }

    [Fact]
    public async Task a_well_formed_quote_for_a_slot_the_platform_has_no_duty_in_gets_404_without_any_token()
    {
        var (status, problem) = await PostAsync("7", JsonContent.Create(Quote()));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("slot 7", problem.GetProperty("detail").GetString());

        var authorisation = await silo.Anonymous.GetAsync($"/api/v1/slots/7/authorisations/{Prover}");
        Assert.Equal(HttpStatusCode.NotFound, authorisation.StatusCode);
        Assert.Contains(Prover, (await authorisation.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        var badProver = await silo.Anonymous.GetAsync("/api/v1/slots/7/authorisations/nobody");
        Assert.Equal(HttpStatusCode.BadRequest, badProver.StatusCode);
    }

    [Fact]
    public async Task the_backup_question_for_a_slot_not_forecast_says_not_yet_and_a_bad_slot_is_named()
    {
        using var agent = silo.WithToken(PortalOptions.DevnetProverAgentToken);
        var answer = await agent.GetAsync("/api/v1/slots/7/backup");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(7UL, body.GetProperty("slot").GetUInt64());
        Assert.Equal("not-known-yet", body.GetProperty("verdict").GetString());
        Assert.Contains("not forecast slot 7", body.GetProperty("reason").GetString());

        var bad = await agent.GetAsync("/api/v1/slots/seven/backup");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'seven'", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("slot")[0].GetString());
    }

    [Fact]
    public async Task the_backup_question_without_a_token_is_401_and_with_any_token_but_a_prover_agents_403()
    {
        var anonymous = await silo.Anonymous.GetAsync("/api/v1/slots/7/backup");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Contains("prover agent token", (await anonymous.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        // A made-up token, one that differs from the agent's by a character, and the platform admin's own: all 403.
        foreach (var token in new[] { "made-up", PortalOptions.DevnetProverAgentToken + "x", PortalOptions.DevnetAdminToken })
        {
            using var client = silo.WithToken(token);
            var refused = await client.GetAsync("/api/v1/slots/7/backup");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var text = await refused.Content.ReadAsStringAsync();
            Assert.Contains("not one of the platform's prover agent tokens", text);
            Assert.DoesNotContain("verdict", text);
            Assert.DoesNotContain(token, text);
        }

        // The quote and authorisation routes stay open to any prover, and the agent token reaches only the backup question.
        Assert.Equal(HttpStatusCode.NotFound, (await silo.Anonymous.GetAsync($"/api/v1/slots/7/authorisations/{Prover}")).StatusCode);
        using var agent = silo.WithToken(PortalOptions.DevnetProverAgentToken);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("/api/v1/slots/7/backup")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync("/api/v1/tenants/acme")).StatusCode);
    }

    [Fact]
    public async Task the_openapi_document_describes_both_endpoints()
    {
        var paths = (await silo.Anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");
        Assert.True(paths.GetProperty("/api/v1/slots/{slot}/quotes").TryGetProperty("post", out var post));
        Assert.True(post.GetProperty("responses").TryGetProperty("202", out _));
        Assert.True(paths.GetProperty("/api/v1/slots/{slot}/authorisations/{prover}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/slots/{slot}/backup").TryGetProperty("get", out var backup));
        Assert.True(backup.GetProperty("responses").TryGetProperty("401", out _));
        Assert.True(backup.GetProperty("responses").TryGetProperty("403", out _));
    }
}
