using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hosting.Contracts.Transactions;
using Hosting.L1.Crypto;

namespace Hosting.Portal.Tests.Api;

/// <summary>
/// POST /api/v1/transactions on a running devnet silo: a good transaction enters the pool at stage 2 and is found by
/// its hash; every bad request gets an RFC 9457 problem naming the field that was wrong, and nothing enters the pool.
/// </summary>
public sealed class TransactionIngressTests(DevnetSilo silo) : IClassFixture<DevnetSilo>
{
    [Fact]
    public async Task A_submitted_transaction_is_in_the_pool_at_stage_2_and_is_found_by_its_keccak_hash()
    {
        var blob = RandomBlob(200);
        var response = await silo.Anonymous.PostAsJsonAsync("/api/v1/transactions", new { transaction = "0x" + Convert.ToHexString(blob), fee = "1000000007" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var hash = Keccak256.Hash(blob).ToString();
        Assert.Equal($"/api/v1/transactions/{hash}", response.Headers.Location!.OriginalString);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(hash, body.GetProperty("hash").GetString());
        Assert.Equal(2, body.GetProperty("stage").GetInt32());

        var read = await silo.Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/transactions/{hash.ToUpperInvariant().Replace("0X", "0x")}");
        Assert.Equal("InPool", read.GetProperty("stageName").GetString());
        Assert.Equal("1000000007", read.GetProperty("fee").GetString());
        Assert.Equal(200, read.GetProperty("size").GetInt32());
        Assert.Single(read.GetProperty("history").EnumerateArray());
    }

    [Fact]
    public async Task The_same_blob_twice_is_a_duplicate_409_naming_the_hash_and_its_stage()
    {
        var blob = RandomBlob(64);
        var request = new { transaction = "0x" + Convert.ToHexString(blob), fee = 5 };
        Assert.Equal(HttpStatusCode.Accepted, (await silo.Anonymous.PostAsJsonAsync("/api/v1/transactions", request)).StatusCode);
        // Even with another fee: the hash is of the blob.
        var again = await silo.Anonymous.PostAsJsonAsync("/api/v1/transactions", request with { fee = 9 });
        var problem = await ProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Contains(Keccak256.Hash(blob).ToString(), problem.GetProperty("detail").GetString());
        Assert.Contains("stage 2", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{\"transaction\": \"0xabcd\", \"fee\": ", "$")]
    [InlineData("[1, 2]", "$")]
    [InlineData("{\"fee\": \"5\"}", "transaction")]
    [InlineData("{\"transaction\": \"abcd\", \"fee\": \"5\"}", "transaction")]
    [InlineData("{\"transaction\": \"0xabc\", \"fee\": \"5\"}", "transaction")]
    [InlineData("{\"transaction\": \"0xzz12\", \"fee\": \"5\"}", "transaction")]
    [InlineData("{\"transaction\": \"0x\", \"fee\": \"5\"}", "transaction")]
    [InlineData("{\"transaction\": \"0xabcd\"}", "fee")]
    [InlineData("{\"transaction\": \"0xabcd\", \"fee\": \"0\"}", "fee")]
    [InlineData("{\"transaction\": \"0xabcd\", \"fee\": \"-3\"}", "fee")]
    [InlineData("{\"transaction\": \"0xabcd\", \"fee\": \"1.5\"}", "fee")]
    [InlineData("{\"transaction\": \"0xabcd\", \"fee\": true}", "fee")]
    public async Task Bad_input_is_a_400_problem_naming_the_wrong_field(string json, string field)
    {
        var response = await silo.Anonymous.PostAsync("/api/v1/transactions", new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"no error for '{field}' in {problem}");
        Assert.NotEmpty(messages.EnumerateArray().Single().GetString()!);
    }

    [Fact]
    public async Task A_blob_over_the_limit_is_refused_with_its_size_and_an_oversized_body_is_413()
    {
        var oneTooMany = "0x" + new string('a', 2 * (TransactionRules.MaxTransactionBytes + 1));
        var tooBig = await silo.Anonymous.PostAsJsonAsync("/api/v1/transactions", new { transaction = oneTooMany, fee = "5" });
        var problem = await ProblemAsync(tooBig, HttpStatusCode.BadRequest);
        Assert.Contains($"{TransactionRules.MaxTransactionBytes + 1} bytes", problem.GetProperty("errors").GetProperty("transaction")[0].GetString());

        var huge = await silo.Anonymous.PostAsync("/api/v1/transactions", new StringContent(
            $"{{\"transaction\": \"0x{new string('b', 400_000)}\", \"fee\": \"5\"}}", Encoding.UTF8, "application/json"));
        var hugeProblem = await ProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("limit", hugeProblem.GetProperty("detail").GetString());

        var notJson = await silo.Anonymous.PostAsync("/api/v1/transactions", new StringContent("0xabcd", Encoding.UTF8, "text/plain"));
        await ProblemAsync(notJson, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Looking_up_a_malformed_or_unknown_hash_names_it()
    {
        var malformed = await ProblemAsync(await silo.Anonymous.GetAsync("/api/v1/transactions/0x1234"), HttpStatusCode.BadRequest);
        Assert.Contains("0x1234", malformed.GetProperty("errors").GetProperty("hash")[0].GetString());

        var unknown = Keccak256.Hash("never submitted").ToString();
        var missing = await ProblemAsync(await silo.Anonymous.GetAsync($"/api/v1/transactions/{unknown}"), HttpStatusCode.NotFound);
        Assert.Contains(unknown, missing.GetProperty("detail").GetString());
    }

    internal static byte[] RandomBlob(int length)
    {
        var blob = new byte[length];
        Random.Shared.NextBytes(blob);
        return blob;
    }

    internal static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }
}

/// <summary>A silo that lets one client submit 3 transactions per minute.</summary>
public sealed class RateLimitedSilo : DevnetSilo
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Hosting:Transactions:PermitsPerWindow"] = "3",
        ["Hosting:Transactions:WindowSeconds"] = "60",
    };
}

public sealed class TransactionRateLimitTests(RateLimitedSilo silo) : IClassFixture<RateLimitedSilo>
{
    [Fact]
    public async Task A_client_over_its_rate_is_refused_with_429_and_retry_after_and_its_transaction_is_not_pooled()
    {
        for (var i = 0; i < 3; i++)
        {
            var accepted = await silo.Anonymous.PostAsJsonAsync("/api/v1/transactions", new { transaction = "0x" + Convert.ToHexString(TransactionIngressTests.RandomBlob(32)), fee = "5" });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        var blob = TransactionIngressTests.RandomBlob(32);
        var refused = await silo.Anonymous.PostAsJsonAsync("/api/v1/transactions", new { transaction = "0x" + Convert.ToHexString(blob), fee = "5" });
        var problem = await TransactionIngressTests.ProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("3 transactions per 60 s", problem.GetProperty("detail").GetString());
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {refused.Headers.RetryAfter}");
        Assert.Equal(HttpStatusCode.NotFound, (await silo.Anonymous.GetAsync($"/api/v1/transactions/{Keccak256.Hash(blob)}")).StatusCode);
        // Reading is not limited.
        Assert.Equal(HttpStatusCode.NotFound, (await silo.Anonymous.GetAsync($"/api/v1/transactions/{Keccak256.Hash(blob)}")).StatusCode);
    }
}
