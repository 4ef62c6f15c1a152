using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Silo.Configuration;
using Hosting.Silo.Keys;
using Hosting.Signing;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using static Hosting.Cluster.Tests.Keys.StandaloneKeymanagerTests;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>
/// The standalone portal (src/Portal/Program.cs as production starts it: an Orleans client over TCP, no key custody)
/// adds and removes publisher accounts through a silo that has custody (<see cref="Hosting.Contracts.Keys.IKeymanagerGrain"/>
/// running <see cref="PublisherKeys"/>): two PostgreSQL-backed silos following a real anvil with infra/l1 deployed.
/// The keystore's password crosses the Orleans link and must be in no log line of the portal or the silos, and in no row.
/// </summary>
[Collection(ChainCollection.Name)]
public sealed class StandalonePublisherTests
{
    private static readonly BigInteger Eth = BigInteger.Parse("1000000000000000000", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_publisher_added_through_the_standalone_portal_is_held_on_a_silo_listed_with_its_balance_and_removed_only_by_its_tenant()
    {
        var logs = new CapturedLogs();
        SiloWithCapturedLogs.Sink = logs;
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, configure: builder =>
        {
            builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
            builder.AddSiloBuilderConfigurator<CustodyOnEverySilo>();
            builder.AddSiloBuilderConfigurator<SiloWithCapturedLogs>();
        });
        var database = chain.Database;
        var password = $"pub-pw-{Guid.NewGuid():N}";
        var wrong = $"pub-wrong-{Guid.NewGuid():N}";
        await using var portal = await StartPortalAsync(database, chain.Cluster, logs);
        using var admin = Client(portal, AdminToken);
        var (acme, acmeToken) = await CreateTenantAsync(admin);
        var (_, otherToken) = await CreateTenantAsync(admin);
        using var http = Client(portal, acmeToken);
        using var intruder = Client(portal, otherToken);
        var (json, address) = await CastKeystoreAsync(password);
        var url = $"/api/v1/tenants/{acme}/publishers";
        var row = $"address = '\\x{address.ToString()[2..]}'::bytea";

        // A wrong password: 400 naming the password, nothing stored, nothing listed.
        using (var refused = await http.PostAsJsonAsync(url, new { keystore = json, password = wrong }))
        {
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{(int)refused.StatusCode} {text}");
            Assert.Contains("The password does not open this keystore", JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("password")[0].GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(wrong, text, StringComparison.Ordinal);
        }
        Assert.Equal(0L, await PostgresCluster.QueryScalarAsync<long>(database, $"select count(*) from signing_keys where {row}"));
        Assert.Empty(await ListAsync(http, url));

        // Another tenant's token: 403 before anything reaches a silo, and nothing changes.
        using (var foreign = await intruder.PostAsJsonAsync(url, new { keystore = json, password }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        }
        Assert.Equal(0L, await PostgresCluster.QueryScalarAsync<long>(database, $"select count(*) from signing_keys where {row}"));

        // An unknown tenant (the platform admin's token reaches any): 404, checked in the portal, nothing stored.
        using (var unknown = await admin.PostAsJsonAsync($"/api/v1/tenants/no-such-{Guid.NewGuid():N}"[..40] + "/publishers", new { keystore = json, password }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        Assert.Equal(0L, await PostgresCluster.QueryScalarAsync<long>(database, $"select count(*) from signing_keys where {row}"));

        // The right password: 201 with the account; the key is held on one silo (the portal has no custody) as a publisher key.
        using (var added = await http.PostAsJsonAsync(url, new { keystore = json, password }))
        {
            var text = await added.Content.ReadAsStringAsync();
            Assert.True(added.StatusCode == HttpStatusCode.Created, $"{(int)added.StatusCode} {text}");
            var account = JsonDocument.Parse(text).RootElement;
            Assert.Equal(address.ToString(), account.GetProperty("address").GetString());
            Assert.Equal("keystore", account.GetProperty("backend").GetString());
            Assert.Equal("0", account.GetProperty("balance").GetString());
        }
        Assert.Null(portal.Services.GetService<KeyCustody>());
        Assert.Equal("publisher", await PostgresCluster.QueryScalarAsync<string>(database, $"select purpose from signing_keys where {row}"));
        var silos = chain.Cluster.Silos.Select(Services).ToArray();
        Assert.Single(silos, s => s.GetRequiredService<KeyCustody>().IsUnlocked(address));
        Assert.True(await Eventually.WaitAsync(async () => await PostgresCluster.QueryScalarAsync<long>(database, $"select count(*) from key_holders where {row}") == 1,
            TimeSpan.FromSeconds(30)), "no silo listed the publisher key as held in key_holders");

        // Funded on L1 with cast: listed with that balance and its backend; another tenant does not see it.
        (await ProcessRunner.RunAsync(Tools.Cast, ["send", "--unlocked", "--from", DevAccounts.Account(1).ToString(), address.ToString(), "--value", Eth.ToString(CultureInfo.InvariantCulture), "--rpc-url", chain.Anvil.RpcUrl.ToString()]))
            .EnsureSuccess("cast send");
        var onL1 = (await ProcessRunner.RunAsync(Tools.Cast, ["balance", address.ToString(), "--rpc-url", chain.Anvil.RpcUrl.ToString()])).EnsureSuccess("cast balance").Output.Trim();
        Assert.Equal(Eth.ToString(CultureInfo.InvariantCulture), onL1);
        var listed = Assert.Single(await ListAsync(http, url));
        Assert.Equal((address.ToString(), onL1, "keystore"),
            (listed.GetProperty("address").GetString(), listed.GetProperty("balance").GetString(), listed.GetProperty("backend").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await intruder.GetAsync(url)).StatusCode);

        // Again: 409 naming the keystore, still one account and one row.
        using (var twice = await http.PostAsJsonAsync(url, new { keystore = json, password }))
        {
            var text = await twice.Content.ReadAsStringAsync();
            Assert.True(twice.StatusCode == HttpStatusCode.Conflict, $"{(int)twice.StatusCode} {text}");
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal("keystore", problem.GetProperty("field").GetString());
            Assert.Contains("already one of this tenant's publisher accounts", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Single(await ListAsync(http, url));
        Assert.Equal(1L, await PostgresCluster.QueryScalarAsync<long>(database, $"select count(*) from signing_keys where {row}"));

        // Another tenant's token cannot remove it: 403, still listed and active.
        using (var foreign = await intruder.DeleteAsync($"{url}/{address}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        }
        Assert.Single(await ListAsync(http, url));
        Assert.Equal("active", await PostgresCluster.QueryScalarAsync<string>(database, $"select status from signing_keys where {row}"));

        // Removed by its tenant: 200, no longer listed, its key deleted in custody; a second delete is 404.
        using (var removed = await http.DeleteAsync($"{url}/{address}"))
        {
            var text = await removed.Content.ReadAsStringAsync();
            Assert.True(removed.StatusCode == HttpStatusCode.OK, $"{(int)removed.StatusCode} {text}");
            var answer = JsonDocument.Parse(text).RootElement;
            Assert.Equal((address.ToString(), "deleted", "keystore"),
                (answer.GetProperty("address").GetString(), answer.GetProperty("status").GetString(), answer.GetProperty("backend").GetString()));
            Assert.Contains("keystore ciphertext was dropped", answer.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        Assert.Empty(await ListAsync(http, url));
        Assert.Equal("deleted", await PostgresCluster.QueryScalarAsync<string>(database, $"select status from signing_keys where {row}"));
        using (var again = await http.DeleteAsync($"{url}/{address}"))
        {
            var text = await again.Content.ReadAsStringAsync();
            Assert.True(again.StatusCode == HttpStatusCode.NotFound, $"{(int)again.StatusCode} {text}");
            Assert.Contains($"has no publisher account {address}", text, StringComparison.Ordinal);
        }

        // The operator page's forms take the same path: signed in with the tenant's token, a keystore file and its
        // password add the account (a Remove button appears), and that button removes it again.
        var pagePassword = $"page-pw-{Guid.NewGuid():N}";
        var (pageJson, pageAddress) = await CastKeystoreAsync(pagePassword);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(portal.Urls.First()) };
        var signIn = await browser.GetStringAsync("/operator/sign-in");
        (await browser.PostAsync("/operator/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = acmeToken, [Antiforgery(signIn).Name] = Antiforgery(signIn).Value }))).EnsureSuccessStatusCode();
        var page = await browser.GetStringAsync("/operator/publishers");
        Assert.Contains("No publisher accounts yet", page, StringComparison.Ordinal);
        var upload = new MultipartFormDataContent
        {
            { new StringContent(Antiforgery(page).Value), Antiforgery(page).Name },
            { new StringContent(pagePassword), "password" },
            { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(pageJson)), "keystore", "keystore.json" },
        };
        page = await (await browser.PostAsync("/operator/publishers/add", upload)).Content.ReadAsStringAsync();
        Assert.Contains($"Added publisher account {pageAddress}", page, StringComparison.Ordinal);
        Assert.Contains($"aria-label=\"Remove publisher account {pageAddress}\"", page, StringComparison.Ordinal);
        Assert.Equal("active", await PostgresCluster.QueryScalarAsync<string>(database, $"select status from signing_keys where address = '\\x{pageAddress.ToString()[2..]}'::bytea and purpose = 'publisher'"));
        page = await (await browser.PostAsync("/operator/publishers/remove", new FormUrlEncodedContent(new Dictionary<string, string> { ["address"] = pageAddress.ToString(), [Antiforgery(page).Name] = Antiforgery(page).Value }))).Content.ReadAsStringAsync();
        Assert.Contains($"Removed publisher account {pageAddress}", page, StringComparison.Ordinal);
        Assert.Contains("No publisher accounts yet", page, StringComparison.Ordinal);
        Assert.Equal("deleted", await PostgresCluster.QueryScalarAsync<string>(database, $"select status from signing_keys where address = '\\x{pageAddress.ToString()[2..]}'::bytea"));

        // No log line of the portal or the silos (Debug, Orleans' own included), and no row of any table, holds any password.
        Assert.Contains(logs.Lines, line => line.Contains("Orleans", StringComparison.Ordinal));
        foreach (var secret in new[] { password, wrong, pagePassword })
        {
            Assert.DoesNotContain(logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
            Assert.Empty(await RowsContainingAsync(database, secret));
        }
    }

    /// <summary>The antiforgery field of a page this portal served (every form on it carries the same one).</summary>
    private static (string Name, string Value) Antiforgery(string page)
    {
        var field = Regex.Match(page, "<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]+)\">");
        Assert.True(field.Success, "the page carries no antiforgery field");
        return (WebUtility.HtmlDecode(field.Groups[1].Value), WebUtility.HtmlDecode(field.Groups[2].Value));
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()];
    }

    /// <summary>Key custody on every silo; the L1 services come from <see cref="ChainUnderTest"/>.</summary>
    public sealed class CustodyOnEverySilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[PostgresCluster.ConnectionKey]!;
            siloBuilder.Services.AddSigningGate(connectionString, o => o.NodeName = $"silo-{Guid.NewGuid():N}"[..13]);
            siloBuilder.Services.AddHostedKeys(new KeysOptions { ReloadSeconds = 1 });
        }
    }
}
