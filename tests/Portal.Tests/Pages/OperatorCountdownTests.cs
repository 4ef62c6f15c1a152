using System.Net;
using System.Net.Http.Json;
using Hosting.Contracts.Publishers;
using Hosting.Grains.L1;
using Hosting.L1.Signing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Hosting.Portal.Tests.Pages;

/// <summary>
/// An operator on a devnet following a real anvil: the sequencer page shows the entry and exit countdowns in
/// blocks and estimated time, and the state of the last L1 transaction the platform sent for it.
/// </summary>
public sealed class OperatorCountdownTests(DevnetSiloOnL1 silo) : IClassFixture<DevnetSiloOnL1>
{
    // anvil's dev account 3 (mnemonic "test test ... junk"), funded with tokens by the deploy script: the tenant's publisher and withdrawer.
    private const string PublisherKey = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", "operator-l1");

    [Fact]
    public async Task a_registered_sequencer_shows_its_entry_countdown_and_confirmed_transaction_then_its_exit_countdown()
    {
        Directory.CreateDirectory(Screenshots);
        var publisher = LocalKeySigner.FromHex(PublisherKey);
        silo.Services.GetRequiredService<AccountKeys>().Add(publisher);
        var (tenant, token) = await PortalTenants.CreateAsync(silo);
        // The portal has no publisher call yet: the tenant's publisher is attached on its grain.
        Assert.False((await silo.Grains.GetGrain<IPublisherGrain>(publisher.Address.ToString()).AttachAsync(tenant)).Underfunded);
        var keystore = await PortalTenants.CastKeystoreAsync("operator password");
        using var api = silo.WithToken(token);
        (await api.PostAsJsonAsync("/eth/v1/keystores", new { keystores = new[] { keystore.Json }, passwords = new[] { "operator password" } })).EnsureSuccessStatusCode();
        var registered = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant}/sequencers/{keystore.Address}/register",
            new { stake = silo.Deployment.MinStake.ToString(), withdrawer = publisher.Address.ToString(), publisher = publisher.Address.ToString() });
        Assert.True(registered.StatusCode == HttpStatusCode.Accepted, await registered.Content.ReadAsStringAsync());

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var page = await OperatorBrowser.SignInAsync(browser, silo.BaseAddress, token);
        await page.GotoAsync($"/operator/sequencers/{keystore.Address}");
        await ReloadUntilAsync(page, "Entry: active from block");
        var main = page.Locator("main");
        await Assertions.Expect(main).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"in \d+ blocks?, about \d+"));
        await Assertions.Expect(main).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Last L1 transaction's state\s*confirmed in block \d+"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "1-queued-with-entry-countdown.png"), FullPage = true });

        await silo.Anvil.MineAsync((int)silo.Deployment.EntryPeriodBlocks);
        await ReloadUntilAsync(page, "Start exit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start exit" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Exit sent in transaction");
        // The answer is the sequencer's own page (post-redirect-get): reloading it sends no second exit and drops the notice.
        Assert.EndsWith($"/operator/sequencers/{keystore.Address}", page.Url);
        var posted = 0;
        page.Request += (_, request) => posted += request.Method == "POST" ? 1 : 0;
        await page.ReloadAsync();
        await ReloadUntilAsync(page, "Exit: stake returns from block");
        await Assertions.Expect(main).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Exit: stake returns from block\s*\d+: in \d+ blocks?, about \d+"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveCountAsync(0);
        Assert.Equal(0, posted);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "2-exiting-with-exit-countdown.png"), FullPage = true });
    }

    private static async Task ReloadUntilAsync(IPage page, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (!(await page.Locator("main").InnerTextAsync()).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' did not appear on {page.Url} within 45 s: {await page.Locator("main").InnerTextAsync()}");
            await Task.Delay(500);
            await page.ReloadAsync();
        }
    }
}
