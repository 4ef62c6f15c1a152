using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hosting.L1.Crypto;
using Hosting.Portal.Delegators;

namespace Hosting.Portal.Tests.Delegators;

/// <summary>The delegator endpoints over plain HTTP on a devnet following a real anvil: SIWE sign-in and every refusal path of the wallet-call endpoints.</summary>
public sealed partial class DelegatorEndpointTests(DevnetSiloOnL1 silo) : IClassFixture<DevnetSiloOnL1>
{
    // anvil's dev account 5 (mnemonic "test test ... junk"): a test key, funded with tokens by the deploy script.
    private const string DelegatorKey = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";

    private sealed record Session(HttpClient Client, string Header, string Token);

    /// <summary>A cookie-keeping client holding the sign-in page's antiforgery token.</summary>
    private async Task<Session> OpenAsync()
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = silo.BaseAddress };
        var page = await client.GetStringAsync("/delegator/sign-in");
        var meta = CsrfMeta().Match(page);
        Assert.True(meta.Success, page);
        return new Session(client, meta.Groups[1].Value, WebUtility.HtmlDecode(meta.Groups[2].Value));
    }

    private static async Task<HttpResponseMessage> PostAsync(Session session, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add(session.Header, session.Token);
        return await session.Client.SendAsync(request);
    }

    private async Task<(string Message, string Signature)> SignedMessageAsync(Session session, string? domain = null, ulong chainId = 31337)
    {
        using var key = PrivateKey.FromHex(DelegatorKey);
        var nonce = await session.Client.GetFromJsonAsync<JsonElement>($"/delegator/siwe/nonce?address={key.Address}");
        Assert.Equal(key.Address.ToChecksumString(), nonce.GetProperty("address").GetString());
        Assert.Equal(31337UL, nonce.GetProperty("chainId").GetUInt64());
        var host = domain ?? silo.BaseAddress.Authority;
        var message = new SiweMessage(host, key.Address, null, new Uri($"http://{host}/delegator"), "1", chainId,
            nonce.GetProperty("nonce").GetString()!, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1)).ToString();
        return (message, Secp256k1.Default.Sign(PersonalMessage.Hash(message), key).ToString());
    }

    private async Task<Session> SignedInAsync()
    {
        var session = await OpenAsync();
        var (message, signature) = await SignedMessageAsync(session);
        var answer = await PostAsync(session, "/delegator/siwe/verify", new { message, signature });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var cookie = Assert.Single(answer.Headers.GetValues("Set-Cookie"), c => c.StartsWith("hosting.delegator=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        using var key = PrivateKey.FromHex(DelegatorKey);
        Assert.DoesNotContain(key.Address.ToString()[2..], cookie, StringComparison.OrdinalIgnoreCase);
        // The antiforgery token is bound to who is signed in: the pages served from now on carry the delegator's.
        var meta = CsrfMeta().Match(await session.Client.GetStringAsync("/delegator"));
        Assert.True(meta.Success);
        return session with { Token = WebUtility.HtmlDecode(meta.Groups[2].Value) };
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [Fact]
    public async Task a_signed_message_signs_in_once_and_its_replay_is_refused()
    {
        var session = await OpenAsync();
        var (message, signature) = await SignedMessageAsync(session);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(session, "/delegator/siwe/verify", new { message, signature })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/delegator")).StatusCode);

        var replay = await ProblemAsync(await PostAsync(await OpenAsync(), "/delegator/siwe/verify", new { message, signature }), HttpStatusCode.Unauthorized);
        Assert.Equal("Nonce", replay.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("elsewhere.example:443", 31337UL, "domain")]
    [InlineData(null, 1UL, "Chain ID")]
    public async Task a_message_for_another_site_or_chain_is_refused_naming_the_field(string? domain, ulong chainId, string field)
    {
        var session = await OpenAsync();
        var (message, signature) = await SignedMessageAsync(session, domain, chainId);
        var problem = await ProblemAsync(await PostAsync(session, "/delegator/siwe/verify", new { message, signature }), HttpStatusCode.Unauthorized);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync("/delegator")).StatusCode);
    }

    [Fact]
    public async Task a_sign_in_without_the_pages_antiforgery_token_or_with_a_malformed_body_is_refused()
    {
        var session = await OpenAsync();
        var (message, signature) = await SignedMessageAsync(session);
        var stale = await ProblemAsync(await session.Client.PostAsJsonAsync("/delegator/siwe/verify", new { message, signature }), HttpStatusCode.BadRequest);
        Assert.Contains("antiforgery", stale.GetProperty("detail").GetString());
        await ProblemAsync(await PostAsync(session, "/delegator/siwe/verify", new { message }), HttpStatusCode.BadRequest);
        var garbled = await ProblemAsync(await PostAsync(session, "/delegator/siwe/verify", new { message = "hello", signature }), HttpStatusCode.Unauthorized);
        Assert.Equal("domain", garbled.GetProperty("field").GetString());
        var badAddress = await ProblemAsync(await session.Client.GetAsync("/delegator/siwe/nonce?address=0x12"), HttpStatusCode.BadRequest);
        Assert.True(badAddress.GetProperty("errors").TryGetProperty("address", out _));
    }

    [Fact]
    public async Task the_wallet_endpoints_answer_401_without_a_sign_in()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = silo.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/delegator/calls", new { action = "withdraw" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/delegator/transactions/0x{new string('1', 64)}")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync("/delegator")).StatusCode);
    }

    [Theory]
    [InlineData("stake", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "1", "action")]
    [InlineData("delegate", "0x12", "1", "sequencer")]
    [InlineData("delegate", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "-3", "amount")]
    [InlineData("undelegate", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "1.0000000000000000001", "amount")]
    public async Task a_call_with_a_bad_field_is_refused_naming_it(string action, string sequencer, string amount, string field)
    {
        var session = await SignedInAsync();
        var problem = await ProblemAsync(await PostAsync(session, "/delegator/calls", new { action, sequencer, amount }), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task calls_l1_would_refuse_are_refused_before_the_wallet_is_asked_with_the_reason()
    {
        var session = await SignedInAsync();
        var unregistered = "0x" + new string('7', 40);
        var notOpen = await ProblemAsync(await PostAsync(session, "/delegator/calls", new { action = "delegate", sequencer = unregistered, amount = "1" }), HttpStatusCode.Conflict);
        Assert.Contains("is none; only queued or active sequencers take delegations", notOpen.GetProperty("detail").GetString());
        var nothing = await ProblemAsync(await PostAsync(session, "/delegator/calls", new { action = "withdraw" }), HttpStatusCode.Conflict);
        Assert.Contains("no undelegated stake waiting", nothing.GetProperty("detail").GetString());
        var noPosition = await ProblemAsync(await PostAsync(session, "/delegator/calls", new { action = "undelegate", sequencer = unregistered, amount = "5" }), HttpStatusCode.Conflict);
        Assert.Contains("You have 0 tokens delegated", noPosition.GetProperty("detail").GetString());
        var noRewards = await ProblemAsync(await PostAsync(session, "/delegator/calls", new { action = "claim", sequencer = unregistered }), HttpStatusCode.Conflict);
        Assert.Contains("no rewards to claim", noRewards.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task a_transaction_hash_that_is_not_one_is_refused_and_an_unknown_one_is_reported_unknown()
    {
        var session = await SignedInAsync();
        var problem = await ProblemAsync(await session.Client.GetAsync("/delegator/transactions/0x1234"), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("hash", out _));
        var unknown = await session.Client.GetFromJsonAsync<JsonElement>($"/delegator/transactions/0x{new string('a', 64)}");
        Assert.Equal("unknown", unknown.GetProperty("state").GetString());
    }

    [GeneratedRegex("<meta name=\"csrf\" data-header=\"([^\"]+)\" content=\"([^\"]+)\">")]
    private static partial Regex CsrfMeta();
}
