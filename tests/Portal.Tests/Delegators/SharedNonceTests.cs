using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hosting.L1.Crypto;
using Hosting.Portal.Delegators;

namespace Hosting.Portal.Tests.Delegators;

/// <summary>SIWE across two portal instances of one cluster: nonces shared and spent once, forwarded headers believed only from a known proxy, nonces rate-limited per client.</summary>
public sealed partial class SharedNonceTests(TwoPortalsOnL1 portals) : IClassFixture<TwoPortalsOnL1>
{
    // anvil's dev account 6 (mnemonic "test test ... junk"): a well-known test key.
    private const string DelegatorKey = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";

    private sealed record Session(HttpClient Client, string Header, string Token);

    /// <summary>A browser at <paramref name="portal"/>: its cookies, and the sign-in page's antiforgery token.</summary>
    private static async Task<Session> OpenAsync(Uri portal, Action<HttpRequestMessage>? decorate = null)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = portal };
        var request = new HttpRequestMessage(HttpMethod.Get, "/delegator/sign-in");
        decorate?.Invoke(request);
        var response = await client.SendAsync(request);
        var page = await response.Content.ReadAsStringAsync();
        var meta = CsrfMeta().Match(page);
        Assert.True(meta.Success, page);
        // Cookies carried by hand: behind an https proxy they are Secure, which HttpClient would not send to http://127.0.0.1.
        var cookies = string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        client.DefaultRequestHeaders.Add("Cookie", cookies);
        return new Session(client, meta.Groups[1].Value, WebUtility.HtmlDecode(meta.Groups[2].Value));
    }

    private static async Task<HttpResponseMessage> VerifyAsync(Session session, string message, string signature, Action<HttpRequestMessage>? decorate = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/delegator/siwe/verify") { Content = JsonContent.Create(new { message, signature }) };
        request.Headers.Add(session.Header, session.Token);
        decorate?.Invoke(request);
        return await session.Client.SendAsync(request);
    }

    private static async Task<string> NonceAsync(Uri portal, Action<HttpRequestMessage>? decorate = null)
    {
        using var client = new HttpClient { BaseAddress = portal };
        var request = new HttpRequestMessage(HttpMethod.Get, "/delegator/siwe/nonce");
        decorate?.Invoke(request);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("nonce").GetString()!;
    }

    private static (string Message, string Signature) Sign(string host, string scheme, string nonce)
    {
        using var key = PrivateKey.FromHex(DelegatorKey);
        var message = new SiweMessage(host, key.Address, null, new Uri($"{scheme}://{host}/delegator"), "1", 31337,
            nonce, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1)).ToString();
        return (message, Secp256k1.Default.Sign(PersonalMessage.Hash(message), key).ToString());
    }

    private static async Task<string> RefusedFieldAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("field").GetString()!;
    }

    private static Action<HttpRequestMessage> From(string clientAddress) => request => request.Headers.Add("X-Forwarded-For", clientAddress);

    [Fact]
    public async Task a_nonce_issued_by_portal_a_signs_in_once_at_portal_b_and_its_replay_is_refused_at_both()
    {
        // The load balancer sent the nonce request to A and the signed message to B: no sticky session.
        var nonce = await NonceAsync(portals.PortalA);
        var atB = await OpenAsync(portals.PortalB, From("198.51.100.1"));
        var (message, signature) = Sign(portals.PortalB.Authority, "http", nonce);
        var signedIn = await VerifyAsync(atB, message, signature, From("198.51.100.1"));
        Assert.True(signedIn.StatusCode == HttpStatusCode.OK, await signedIn.Content.ReadAsStringAsync());

        Assert.Equal("Nonce", await RefusedFieldAsync(await VerifyAsync(await OpenAsync(portals.PortalB, From("198.51.100.1")), message, signature, From("198.51.100.1"))));
        var (atA, signatureAtA) = Sign(portals.PortalA.Authority, "http", nonce);
        Assert.Equal("Nonce", await RefusedFieldAsync(await VerifyAsync(await OpenAsync(portals.PortalA), atA, signatureAtA)));
    }

    [Fact]
    public async Task a_page_served_by_portal_a_signs_in_at_portal_b_and_the_sign_in_holds_at_a_through_the_shared_key_ring()
    {
        // Page (antiforgery token and cookie) and nonce from A, the signed message to B: B reads A's token.
        var atA = await OpenAsync(portals.PortalA);
        var (message, signature) = Sign(portals.PortalB.Authority, "http", await NonceAsync(portals.PortalA));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(portals.PortalB, "/delegator/siwe/verify")) { Content = JsonContent.Create(new { message, signature }) };
        request.Headers.Add(atA.Header, atA.Token);
        var signedIn = await atA.Client.SendAsync(request);
        Assert.True(signedIn.StatusCode == HttpStatusCode.OK, await signedIn.Content.ReadAsStringAsync());

        // The delegator cookie B set is honoured by A: the dashboard, not a redirect to the sign-in page.
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("hosting.delegator=", StringComparison.Ordinal)).Split(';')[0];
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = portals.PortalA };
        var dashboard = new HttpRequestMessage(HttpMethod.Get, "/delegator");
        dashboard.Headers.Add("Cookie", cookie);
        var answer = await client.SendAsync(dashboard);
        Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{answer.StatusCode} {answer.Headers.Location}");
        Assert.Contains("0x976EA74026E726554dB657fA54763abd0C3a0aa9", await answer.Content.ReadAsStringAsync());
        // The key both used is in the configured directory (and only its XML, no sequencer key material).
        Assert.NotEmpty(Directory.GetFiles(portals.KeyRing, "key-*.xml"));
    }

    [Fact]
    public async Task behind_a_known_proxy_the_forwarded_host_is_the_siwe_domain_and_elsewhere_it_is_ignored()
    {
        static void Proxied(HttpRequestMessage request)
        {
            request.Headers.Add("X-Forwarded-Host", "portal.example");
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-For", "198.51.100.2");
        }

        // Portal B believes 127.0.0.1 as a proxy: the browser was at https://portal.example, and that is what it signed.
        var atB = await OpenAsync(portals.PortalB, Proxied);
        var (message, signature) = Sign("portal.example", "https", await NonceAsync(portals.PortalB, Proxied));
        var signedIn = await VerifyAsync(atB, message, signature, Proxied);
        Assert.True(signedIn.StatusCode == HttpStatusCode.OK, await signedIn.Content.ReadAsStringAsync());
        Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("hosting.delegator=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));

        // Portal A was told of no proxy: anyone could send those headers, so its domain stays its own Host.
        var atA = await OpenAsync(portals.PortalA, Proxied);
        var (forged, forgedSignature) = Sign("portal.example", "https", await NonceAsync(portals.PortalA, Proxied));
        Assert.Equal("domain", await RefusedFieldAsync(await VerifyAsync(atA, forged, forgedSignature, Proxied)));
    }

    [Fact]
    public async Task the_nonce_endpoint_answers_429_with_retry_after_per_client_address_once_its_permits_are_spent()
    {
        using var client = new HttpClient { BaseAddress = portals.PortalB };
        async Task<HttpResponseMessage> AskAsync(string clientAddress)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/delegator/siwe/nonce");
            From(clientAddress)(request);
            return await client.SendAsync(request);
        }

        for (var i = 0; i < TwoPortalsOnL1.NoncePermitsAtB; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await AskAsync("203.0.113.7")).StatusCode);
        }
        var refused = await AskAsync("203.0.113.7");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var retryAfter = refused.Headers.RetryAfter?.Delta ?? TimeSpan.Zero;
        Assert.InRange(retryAfter.TotalSeconds, 1, 60);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains($"{TwoPortalsOnL1.NoncePermitsAtB} sign-in nonces per 60 s", problem.GetProperty("detail").GetString());

        // Another browser behind the same proxy is not held back by the first one's flood.
        Assert.Equal(HttpStatusCode.OK, (await AskAsync("203.0.113.8")).StatusCode);
    }

    [GeneratedRegex("<meta name=\"csrf\" data-header=\"([^\"]+)\" content=\"([^\"]+)\">")]
    private static partial Regex CsrfMeta();
}
