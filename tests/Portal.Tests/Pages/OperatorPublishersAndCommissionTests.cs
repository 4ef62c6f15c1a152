using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Grains.L1;
using Hosting.L1.Signing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Hosting.Portal.Tests.Pages;

/// <summary>
/// On a devnet following a real anvil: the publisher accounts page shows each account's L1 balance, a pending
/// transaction while anvil holds it unmined, and the underfunded warning for an empty account; the commission
/// is set through the withdrawer when it is the tenant's publisher (cast reads it back on L1), and prepared for
/// the withdrawer's own wallet when it is not.
/// </summary>
public sealed class OperatorPublishersAndCommissionTests(DevnetSiloOnL1 silo) : IClassFixture<DevnetSiloOnL1>
{
    // anvil's dev account 3: funded with ETH and tokens by the deploy script; the tenant's publisher and withdrawer.
    private const string PublisherKey = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
    // anvil's dev account 4: a withdrawer outside the platform (the operator's own wallet).
    private static readonly Address OwnWallet = Address.Parse("0x15d34aaf54267db7d7c367839aaf71a00a2c6a65");
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", "operator-l1");

    [Fact]
    public async Task publishers_show_balance_pending_and_underfunded_and_the_commission_is_set_on_l1_through_the_page_and_the_api()
    {
        Directory.CreateDirectory(Screenshots);
        var publisher = LocalKeySigner.FromHex(PublisherKey);
        var empty = LocalKeySigner.FromHex("0x" + Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant());
        silo.Services.GetRequiredService<AccountKeys>().Add(publisher);
        silo.Services.GetRequiredService<AccountKeys>().Add(empty);
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        await silo.Grains.GetGrain<IPublisherGrain>(publisher.Address.ToString()).AttachAsync(tenant);
        await silo.Grains.GetGrain<IPublisherGrain>(empty.Address.ToString()).AttachAsync(tenant);
        using var api = silo.WithToken(token);
        var ours = await RegisterAsync(api, tenant, withdrawer: publisher.Address, publisher.Address);
        var theirs = await RegisterAsync(api, tenant, withdrawer: OwnWallet, publisher.Address);
        await WaitForStatusAsync(api, tenant, ours, "queued");
        await WaitForStatusAsync(api, tenant, theirs, "queued");

        // The API: both accounts, the real ETH balance, the empty one flagged.
        var list = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/publishers");
        var items = list.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("address").GetString()!);
        Assert.Equal(2, items.Count);
        var balance = (await silo.CastAsync("balance", publisher.Address.ToString())).Trim();
        Assert.Equal(balance, items[publisher.Address.ToString()].GetProperty("balance").GetString());
        Assert.False(items[publisher.Address.ToString()].GetProperty("underfunded").GetBoolean());
        Assert.Equal("0", items[empty.Address.ToString()].GetProperty("balance").GetString());
        Assert.True(items[empty.Address.ToString()].GetProperty("underfunded").GetBoolean());
        // Another tenant's token reads none of it.
        var (_, otherToken) = await PortalTenants.CreateAsync(silo);
        Assert.Equal(HttpStatusCode.Forbidden, (await silo.WithToken(otherToken).GetAsync($"/api/v1/tenants/{tenant}/publishers")).StatusCode);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await OperatorBrowser.SignInAsync(browser, silo.BaseAddress, token);

        // The commission through the page while anvil holds blocks back: the transaction shows as pending on the publisher page.
        await silo.Anvil.RpcAsync("evm_setAutomine", false);
        await page.GotoAsync($"/operator/sequencers/{ours}");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Now 0 bps");
        await page.GetByLabel("Commission (basis points, 100 = 1 %)").FillAsync("700");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set commission" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("setCommission sent through the withdrawer");
        Assert.EndsWith($"/operator/sequencers/{ours}", page.Url);
        await page.GetByRole(AriaRole.Link, new() { Name = "Publisher accounts" }).ClickAsync();
        var ourRow = page.GetByRole(AriaRole.Row).Filter(new() { HasText = publisher.Address.ToString() });
        await Assertions.Expect(ourRow).ToContainTextAsync($"set commission of {ours} to 700 bps");
        await Assertions.Expect(ourRow).ToContainTextAsync("OK");
        var emptyRow = page.GetByRole(AriaRole.Row).Filter(new() { HasText = empty.Address.ToString() });
        await Assertions.Expect(emptyRow).ToContainTextAsync("Low: fund this account");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync(empty.Address.ToString());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "3-publishers-pending-and-underfunded.png"), FullPage = true });
        await silo.Anvil.RpcAsync("evm_setAutomine", true);
        await silo.Anvil.MineAsync(3);
        Assert.Equal(700, await CommissionOnL1Async(ours));
        await page.GotoAsync($"/operator/sequencers/{ours}");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Now 700 bps (7 %)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "4-commission-set.png"), FullPage = true });

        // The API, through the tenant's publisher: 202 and L1 holds it.
        var sent = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/{ours}/commission", new { bps = 500 });
        Assert.True(sent.StatusCode == HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());
        Assert.StartsWith("0x", (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("transaction").GetString());
        await WaitUntilAsync(async () => await CommissionOnL1Async(ours) == 500, "commission 500 on L1");

        // A withdrawer outside the platform: nothing is sent, the checked call is handed to the operator; sent from that wallet, L1 takes it.
        await page.GotoAsync($"/operator/sequencers/{theirs}");
        await page.GetByLabel("Commission (basis points, 100 = 1 %)").FillAsync("300");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set commission" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Only the withdrawer {OwnWallet} may set the commission");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("cast send");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "5-commission-prepared-for-own-wallet.png"), FullPage = true });
        var prepared = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/{theirs}/commission", new { bps = 300 });
        Assert.Equal(HttpStatusCode.OK, prepared.StatusCode);
        var call = (await prepared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("call");
        Assert.Equal(silo.Deployment.Registry.ToString(), call.GetProperty("to").GetString(), ignoreCase: true);
        Assert.Equal(0, await CommissionOnL1Async(theirs));
        await silo.CastAsync("send", "--unlocked", "--from", OwnWallet.ToString(), call.GetProperty("to").GetString()!, call.GetProperty("data").GetString()!);
        Assert.Equal(300, await CommissionOnL1Async(theirs));

        // Refusals, each naming what was wrong; none reaches L1.
        await AssertProblemAsync(api, tenant, ours, "{\"bps\": 6000}", HttpStatusCode.BadRequest, "at most 5000 bps");
        await AssertProblemAsync(api, tenant, ours, "{\"bps\": -1}", HttpStatusCode.BadRequest, "'-1' is not a commission");
        await AssertProblemAsync(api, tenant, ours, "{\"bps\": \"ten\"}", HttpStatusCode.BadRequest, "$.bps");
        await AssertProblemAsync(api, tenant, ours, "{}", HttpStatusCode.BadRequest, "is not a commission");
        await AssertProblemAsync(api, tenant, "0x" + new string('7', 40), "{\"bps\": 100}", HttpStatusCode.NotFound, "hosts no sequencer");
        var keystore = await PortalTenants.CastKeystoreAsync("unregistered");
        (await api.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { keystore.Json }, passwords = new[] { "unregistered" } })).EnsureSuccessStatusCode();
        await AssertProblemAsync(api, tenant, keystore.Address, "{\"bps\": 100}", HttpStatusCode.Conflict, "its commission is set once it is registered");
        var foreign = await silo.WithToken(otherToken).PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/{ours}/commission", new { bps = 1 });
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(500, await CommissionOnL1Async(ours));
    }

    private async Task<string> RegisterAsync(HttpClient api, string tenant, Address withdrawer, Address publisher)
    {
        var keystore = await PortalTenants.CastKeystoreAsync("operator password");
        (await api.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { keystore.Json }, passwords = new[] { "operator password" } })).EnsureSuccessStatusCode();
        var registered = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/{keystore.Address}/register",
            new { stake = silo.Deployment.MinStake.ToString(), withdrawer = withdrawer.ToString(), publisher = publisher.ToString() });
        Assert.True(registered.StatusCode == HttpStatusCode.Accepted, await registered.Content.ReadAsStringAsync());
        return keystore.Address;
    }

    private static async Task WaitForStatusAsync(HttpClient api, string tenant, string sequencer, string status) =>
        await WaitUntilAsync(async () => (await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant}/sequencers/{sequencer}")).GetProperty("status").GetString() == status,
            $"{sequencer} {status}");

    private static async Task WaitUntilAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not {what} within 45 s");
            await Task.Delay(300);
        }
    }

    // sequencerOf(address) returns the record; commissionBps is its 9th field.
    private async Task<int> CommissionOnL1Async(string sequencer)
    {
        var output = await silo.CastAsync("call", silo.Deployment.Registry.ToString(),
            "sequencerOf(address)((uint8,address,uint256,uint256,uint256,uint256,uint256,uint256,uint16,bool))", sequencer);
        var fields = output.Trim('(', ')', ' ', '\n').Split(", ");
        return int.Parse(fields[8].Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static async Task AssertProblemAsync(HttpClient api, string tenant, string sequencer, string json, HttpStatusCode status, string text)
    {
        var response = await api.PostAsync($"/api/v1/tenants/{tenant}/sequencers/{sequencer}/commission", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{json}: {(int)response.StatusCode} {body}");
        Assert.Contains(text, body);
    }
}
