using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Microsoft.Playwright;

namespace Hosting.Portal.Tests.Delegators;

/// <summary>
/// A delegator in a real browser (headless /usr/bin/chromium) with a test EIP-1193 wallet backed by an anvil dev
/// account: signs in with SIWE, delegates to an active sequencer, undelegates, waits for the unlock and
/// withdraws, while cast reads the token balances on L1 at each step.
/// </summary>
public sealed class DelegatorPagesTests(DevnetSiloOnL1 silo) : IClassFixture<DevnetSiloOnL1>
{
    // anvil's well-known dev accounts 1 and 2 (mnemonic "test test ... junk"): the operator staking a sequencer, and the delegator.
    private static readonly Address Operator = Address.Parse("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    private static readonly Address Delegator = Address.Parse("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", "delegator");

    // The wallet a user would have: accounts and chain from it, every other call forwarded to anvil, which holds the key unlocked.
    private const string Wallet = """
        window.ethereum = {
          isHostingTestWallet: true,
          async request({ method, params }) {
            if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [window.__testAccount];
            const answer = await window.__anvilRpc(method, JSON.stringify(params || []));
            return JSON.parse(answer);
          },
        };
        """;

    [Fact]
    public async Task a_delegator_signs_in_with_ethereum_delegates_undelegates_waits_for_the_unlock_and_withdraws()
    {
        Directory.CreateDirectory(Screenshots);
        var sequencer = await ActiveSequencerAsync();
        var start = await silo.TokenBalanceAsync(Delegator);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true });
        var context = await browser.NewContextAsync(new() { BaseURL = silo.BaseAddress.ToString() });
        await context.ExposeFunctionAsync("__anvilRpc", async (string method, string parameters) =>
        {
            var values = JsonSerializer.Deserialize<JsonElement[]>(parameters)!;
            return (await silo.Anvil.RpcAsync(method, [.. values.Cast<object>()])).GetRawText();
        });
        await context.AddInitScriptAsync($"window.__testAccount = '{Delegator}';\n{Wallet}");
        var page = await context.NewPageAsync();

        await page.GotoAsync("/delegator");
        Assert.Contains("/delegator/sign-in", page.Url);
        await Shot(page, "1-sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Ethereum" }).ClickAsync();
        await page.WaitForURLAsync("**/delegator");
        await Assertions.Expect(page.GetByText("No delegations yet.")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("header")).ToContainTextAsync("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
        await Shot(page, "2-no-delegations");

        await page.GetByRole(AriaRole.Link, new() { Name = "Browse sequencers open for delegation" }).First.ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = sequencer.ToString() });
        await Assertions.Expect(row).ToContainTextAsync("active");
        await Shot(page, "3-open-sequencers");
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(sequencer.ToString());

        // Delegate 250: the wallet approves the registry, then delegates; the page follows both receipts.
        await page.GetByLabel("Amount to delegate (tokens)").FillAsync("250");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delegate" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Done.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#l1-transactions li").Nth(0)).ToContainTextAsync("Approve the registry to take 250 tokens: transaction 0x");
        await Assertions.Expect(page.Locator("#l1-transactions li").Nth(1)).ToContainTextAsync("confirmed in block");
        await Shot(page, "4-delegated");
        Assert.Equal(start - 250 * Token, await silo.TokenBalanceAsync(Delegator));
        Assert.Equal(250 * Token, await silo.CastCallUintAsync(silo.Deployment.Registry, "positionOf(address,address)(uint256)", Delegator.ToString(), sequencer.ToString()));

        await page.GotoAsync("/delegator");
        await ReloadUntilAsync(page, page.GetByRole(AriaRole.Row).Filter(new() { HasText = sequencer.ToString() }), "250");
        await Shot(page, "5-position");

        // Undelegate 100: it stops counting at once and waits out the exit delay.
        await page.GotoAsync($"/delegator/sequencers/{sequencer}");
        await page.GetByLabel("Amount to undelegate (tokens)").FillAsync("100");
        await page.GetByRole(AriaRole.Button, new() { Name = "Undelegate" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Done.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.Equal(start - 250 * Token, await silo.TokenBalanceAsync(Delegator));
        Assert.Equal(150 * Token, await silo.CastCallUintAsync(silo.Deployment.Registry, "positionOf(address,address)(uint256)", Delegator.ToString(), sequencer.ToString()));

        await page.GotoAsync("/delegator");
        var pending = page.GetByRole(AriaRole.Table, new() { Name = "Undelegated stake and when it unlocks" }).GetByRole(AriaRole.Row).Nth(1);
        await ReloadUntilAsync(page, pending, "100");
        await Assertions.Expect(pending).ToContainTextAsync($"in {silo.Deployment.ExitDelayBlocks} blocks, about");
        await Assertions.Expect(page.GetByText("Nothing is unlocked yet.")).ToBeVisibleAsync();
        await Shot(page, "6-pending-withdrawal");

        // A transaction L1 reverts shows as reverted with the registry's decoded error.
        var failing = await silo.CastAsync("send", "--unlocked", "--from", Delegator.ToString(), "--gas-limit", "200000", "--async",
            silo.Deployment.Registry.ToString(), "undelegate(address,uint256)", sequencer.ToString(), (1000 * Token).ToString());
        var state = await page.APIRequest.GetAsync($"/delegator/transactions/{failing.Trim()}");
        var stateJson = await state.JsonAsync();
        Assert.Equal("reverted", stateJson!.Value.GetProperty("state").GetString());
        Assert.Contains("Registry__InsufficientDelegation", stateJson.Value.GetProperty("reason").GetString());

        await silo.Anvil.MineAsync((int)silo.Deployment.ExitDelayBlocks);
        await ReloadUntilAsync(page, pending, "unlocked: withdraw it now");
        await page.GetByRole(AriaRole.Button, new() { Name = "Withdraw unlocked stake" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Done.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Shot(page, "7-withdrawn");
        Assert.Equal(start - 150 * Token, await silo.TokenBalanceAsync(Delegator));

        await page.GotoAsync("/delegator");
        await ReloadUntilAsync(page, page.Locator("main"), "Nothing waiting.");
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = sequencer.ToString() })).ToContainTextAsync("150");
        await Shot(page, "8-after-withdrawal");
    }

    [Fact]
    public async Task a_sign_in_with_a_nonce_the_portal_never_issued_is_refused_with_the_field_named_and_sets_no_cookie()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true });
        var page = await browser.NewPageAsync(new() { BaseURL = silo.BaseAddress.ToString() });
        await page.GotoAsync("/delegator/sign-in");
        var csrf = page.Locator("meta[name=csrf]");
        var host = silo.BaseAddress.Authority;
        var message = $"{host} wants you to sign in with your Ethereum account:\n0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC\n\n\nURI: http://{host}/delegator\nVersion: 1\nChain ID: 31337\nNonce: NeverIssued1\nIssued At: {DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}\nExpiration Time: {DateTimeOffset.UtcNow.AddHours(1):yyyy-MM-dd'T'HH:mm:ss'Z'}";
        var signature = (await silo.Anvil.RpcAsync("personal_sign", "0x" + Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(message)), Delegator.ToString())).GetString()!;
        var answer = await page.APIRequest.PostAsync("/delegator/siwe/verify", new()
        {
            Headers = new Dictionary<string, string> { [(await csrf.GetAttributeAsync("data-header"))!] = (await csrf.GetAttributeAsync("content"))! },
            DataObject = new { message, signature },
        });
        Assert.Equal(401, answer.Status);
        var problem = (await answer.JsonAsync())!.Value;
        Assert.Equal("Nonce", problem.GetProperty("field").GetString());
        Assert.Contains("was not issued by this portal", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "hosting.delegator");
        var dashboard = await page.APIRequest.GetAsync("/delegator", new() { MaxRedirects = 0 });
        Assert.Equal(302, dashboard.Status);
    }

    /// <summary>Registers a fresh sequencer from the operator account with cast and mines through its entry period.</summary>
    private async Task<Address> ActiveSequencerAsync()
    {
        var sequencer = Address.Parse("0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "5eed5eed");
        var stake = silo.Deployment.MinStake.ToString();
        await silo.CastSendAsync(Operator, silo.Deployment.Token, "approve(address,uint256)", silo.Deployment.Registry.ToString(), stake);
        await silo.CastSendAsync(Operator, silo.Deployment.Registry, "register(address,address,uint256)", sequencer.ToString(), Operator.ToString(), stake);
        await silo.Anvil.MineAsync((int)silo.Deployment.EntryPeriodBlocks);
        Assert.Equal(2, (int)await silo.CastCallUintAsync(silo.Deployment.Registry, "statusOf(address)(uint8)", sequencer.ToString()));
        return sequencer;
    }

    private static async Task ReloadUntilAsync(IPage page, ILocator locator, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await locator.CountAsync() > 0 && (await locator.First.InnerTextAsync()).Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' did not appear on {page.Url} within 30 s: {await page.Locator("main").InnerTextAsync()}");
            await Task.Delay(500);
            await page.ReloadAsync();
        }
    }

    private static Task Shot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });
}
