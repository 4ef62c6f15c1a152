using Hosting.Portal.Tests.Pages;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Hosting.Portal.Chain;
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
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
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
    public async Task a_delegator_claims_the_rewards_of_a_block_its_sequencer_had_finalised_and_the_token_balance_rises_by_them()
    {
        Directory.CreateDirectory(Screenshots);
        // anvil's dev accounts 4 (this delegator), 7 (a prover) and 0 (sends the proposal and the reveal).
        var delegator = Address.Parse("0x15d34aaf54267db7d7c367839aaf71a00a2c6a65");
        var prover = Address.Parse("0x14dc79964da2c08b23698b3d3cc7ca32193d9955");
        var relay = Address.Parse(Hosting.TestKit.AnvilNode.DevAccount0);
        using var sequencerKey = PrivateKey.Generate();
        var sequencer = sequencerKey.Address;
        var registry = silo.Deployment.Registry;
        var rollup = silo.Deployment.Rollup;

        // The operator stakes the sequencer (withdrawer: the operator); the delegator adds 300 before any reward.
        var stake = silo.Deployment.MinStake.ToString();
        await silo.CastSendAsync(Operator, silo.Deployment.Token, "approve(address,uint256)", registry.ToString(), stake);
        await silo.CastSendAsync(Operator, registry, "register(address,address,uint256)", sequencer.ToString(), Operator.ToString(), stake);
        await silo.CastSendAsync(delegator, silo.Deployment.Token, "approve(address,uint256)", registry.ToString(), (300 * Token).ToString());
        await silo.CastSendAsync(delegator, registry, "delegate(address,uint256)", sequencer.ToString(), (300 * Token).ToString());
        await silo.CastSendAsync(prover, silo.Deployment.Token, "approve(address,uint256)", rollup.ToString(), silo.Deployment.MinBond.ToString());
        await silo.Anvil.MineAsync((int)silo.Deployment.EntryPeriodBlocks);

        // One slot driven on L1 as its leader and a prover would: propose, commit, reveal, prove. Finalising pays
        // the sequencer side of BLOCK_REWARD into the registry, which books it to the sequencer's positions.
        var data = RandomNumberGenerator.GetBytes(64);
        string Word() => "0x" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var (archive, blockHash, effects) = (Word(), Word(), Keccak256.Hash(data).ToString());
        var proposal = $"({archive},{blockHash},{effects},0x{new string('0', 64)})";
        var slot = await NextPhaseAsync(0, null);
        var proposalDigest = Hash32.Parse(await silo.CastAsync("call", rollup.ToString(), "proposalDigest(uint256,(bytes32,bytes32,bytes32,bytes32))(bytes32)", slot.ToString(), proposal));
        await silo.CastSendAsync(relay, rollup, "propose(uint256,(bytes32,bytes32,bytes32,bytes32),address,bytes)", slot.ToString(), proposal, sequencer.ToString(),
            Secp256k1.Default.Sign(proposalDigest, sequencerKey).ToString());
        await NextPhaseAsync(1, slot);
        var commitmentDigest = Hash32.Parse(await silo.CastAsync("call", rollup.ToString(), "commitmentDigest(uint256,bytes32,address,uint256)(bytes32)",
            slot.ToString(), blockHash, prover.ToString(), silo.Deployment.MinBond.ToString()));
        await silo.CastSendAsync(prover, rollup, "commitProver(uint256,address,uint256,bytes)", slot.ToString(), prover.ToString(), silo.Deployment.MinBond.ToString(),
            Secp256k1.Default.Sign(commitmentDigest, sequencerKey).ToString());
        await NextPhaseAsync(2, slot);
        await silo.CastSendAsync(relay, rollup, "reveal(uint256,bytes)", slot.ToString(), "0x" + Convert.ToHexStringLower(data));
        await NextPhaseAsync(3, slot);
        var tipArchive = (await silo.CastAsync("call", rollup.ToString(), "tip()((bytes32,uint256,uint256))")).Trim('(', ')').Split(',')[0].Trim();
        // The devnet verifier's proof: keccak256(abi.encode(slot, tip archive, archive, blockHash, txsEffectsHash, prover)).
        var words = new byte[6 * 32];
        slot.TryWriteBytes(words.AsSpan(32 - slot.GetByteCount(isUnsigned: true), slot.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        foreach (var (word, at) in new[] { (tipArchive, 1), (archive, 2), (blockHash, 3), (effects, 4) })
        {
            Hash32.Parse(word).CopyTo(words.AsSpan(32 * at, 32));
        }
        prover.CopyTo(words.AsSpan(5 * 32 + 12, 20));
        var proof = Keccak256.Hash(words).ToString();
        await silo.CastSendAsync(prover, rollup, "submitProof(uint256,bytes)", slot.ToString(), proof);
        Assert.Equal(4, (int)await silo.CastCallUintAsync(rollup, "slotStatus(uint256)(uint8)", slot.ToString()));

        var reward = await silo.CastCallUintAsync(registry, "pendingRewards(address,address)(uint256)", delegator.ToString(), sequencer.ToString());
        // 70% of the 10-token block reward reaches the sequencer side; at 0% commission the delegator's 300 of 400 staked earns three quarters.
        Assert.InRange(reward, 7 * Token * 3 / 4 - 1, 7 * Token * 3 / 4);
        var before = await silo.TokenBalanceAsync(delegator);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
        var context = await browser.NewContextAsync(new() { BaseURL = silo.BaseAddress.ToString() });
        await context.ExposeFunctionAsync("__anvilRpc", async (string method, string parameters) =>
        {
            var values = JsonSerializer.Deserialize<JsonElement[]>(parameters)!;
            return (await silo.Anvil.RpcAsync(method, [.. values.Cast<object>()])).GetRawText();
        });
        await context.AddInitScriptAsync($"window.__testAccount = '{delegator}';\n{Wallet}");
        var page = await context.NewPageAsync();
        await page.GotoAsync("/delegator/sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Ethereum" }).ClickAsync();
        await page.WaitForURLAsync("**/delegator");
        await page.GotoAsync($"/delegator/sequencers/{sequencer}");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync($"Your rewards to claim (tokens){TokenAmount.Format(reward)}");
        await Shot(page, "9-rewards-to-claim");
        await page.GetByRole(AriaRole.Button, new() { Name = "Claim rewards" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Done.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#l1-transactions li").First).ToContainTextAsync("confirmed in block");
        await Shot(page, "10-rewards-claimed");

        Assert.Equal(before + reward, await silo.TokenBalanceAsync(delegator));
        Assert.Equal(BigInteger.Zero, await silo.CastCallUintAsync(registry, "pendingRewards(address,address)(uint256)", delegator.ToString(), sequencer.ToString()));
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("Your rewards to claim (tokens)0");

        // Mines until the next block L1 will include is in `phase` of `slot` (of the current slot when null, Proposal only).
        async Task<BigInteger> NextPhaseAsync(int phase, BigInteger? slot)
        {
            for (var mined = 0; mined < 64; mined++)
            {
                var head = BigInteger.Parse(await silo.CastAsync("block-number"), System.Globalization.CultureInfo.InvariantCulture);
                var current = slot ?? await silo.CastCallUintAsync(rollup, "currentSlot()(uint256)");
                if ((int)await silo.CastCallUintAsync(rollup, "phaseAt(uint256,uint256)(uint8)", current.ToString(), (head + 1).ToString()) == phase)
                {
                    return current;
                }
                await silo.Anvil.MineAsync(1);
            }
            throw new InvalidOperationException($"phase {phase} of slot {slot} did not come within 64 blocks");
        }
    }

    [Fact]
    public async Task a_sign_in_with_a_nonce_the_portal_never_issued_is_refused_with_the_field_named_and_sets_no_cookie()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await OperatorBrowser.LaunchAsync(playwright);
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
