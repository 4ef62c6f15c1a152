using Hosting.Cluster.Tests.L1;
using Hosting.TestKit;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// What an operator starting src/Prover sees when something is wrong: every bad setting listed at once, a wrong
/// keystore password named as such, an L1 that does not answer named by its URL; never the secret itself.
/// </summary>
public sealed class ProverAgentStartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("prover-startup-").FullName;

    [Fact]
    public async Task Bad_settings_are_all_listed_and_a_key_on_the_command_line_is_refused_without_echoing_it()
    {
        await using var agent = await ProverProcess.StartAsync("bad", new Dictionary<string, string>(),
            "--rpc-url", "ftp://nowhere", "--fault", "sometimes", "--fee", "cheap", "--dev-key", DevAccounts.PrivateKeyHex(2),
            "--backup", "true", "--agent-token", "secret-agent-token-on-the-command-line");
        Assert.Equal(2, await agent.ExitCodeAsync(TimeSpan.FromSeconds(30)));
        var text = string.Join("\n", agent.Lines);
        Assert.Contains("--rpc-url: 'ftp://nowhere' is not an http(s) URL", text);
        Assert.Contains("--fault: 'sometimes' is not a fault mode", text);
        Assert.Contains("--fee: 'cheap' is not a whole number", text);
        Assert.Contains("--deployment (PROVER_DEPLOYMENT) is required", text);
        Assert.Contains("set PROVER_DEV_KEY instead", text);
        Assert.Contains("--agent-token is not read from the command line", text);
        Assert.Contains("set PROVER_AGENT_TOKEN instead", text);
        Assert.Contains("--backup true needs the platform's prover agent token in PROVER_AGENT_TOKEN", text);
        Assert.DoesNotContain("secret-agent-token-on-the-command-line", text);
        Assert.DoesNotContain(DevAccounts.PrivateKeyHex(2)[2..], text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_wrong_keystore_password_and_an_unreachable_l1_are_named()
    {
        // A keystore written by the real cast, as an operator would make one.
        (await ProcessRunner.RunAsync(Tools.Cast, "wallet", "new", _folder, "--unsafe-password", "right horse")).EnsureSuccess("cast wallet new");
        var keystore = Directory.GetFiles(_folder).Single();
        var deployment = Path.Combine(_folder, "deployment.json");
        await File.WriteAllTextAsync(deployment, """
            {"chainId":31337,"deployBlock":1,"genesisBlock":10,
             "contracts":{"token":"0x5fbdb2315678afecb367f032d93f642f64180aa3","registry":"0xe7f1725e7734ce288f8367e1bb143e90bb3f0512","rollup":"0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0"},
             "parameters":{"minStake":"1","entryPeriodBlocks":1,"exitDelayBlocks":1,"proposalBlocks":3,"commitmentBlocks":2,"revealBlocks":2,"provingBlocks":10,"backupBlocks":5,"lag":2,"minBond":"10"}}
            """);
        var unreachable = $"http://127.0.0.1:{FreePort.Next()}";
        string[] arguments = ["--rpc-url", unreachable, "--deployment", deployment, "--platform", "http://127.0.0.1:1", "--keystore", keystore];

        await using (var wrong = await ProverProcess.StartAsync("wrong", new Dictionary<string, string> { ["PROVER_KEYSTORE_PASSWORD"] = "wrong horse" }, arguments))
        {
            Assert.Equal(2, await wrong.ExitCodeAsync(TimeSpan.FromSeconds(60)));
            var text = string.Join("\n", wrong.Lines);
            Assert.Contains($"the password in PROVER_KEYSTORE_PASSWORD does not open the keystore {keystore}", text);
            Assert.DoesNotContain("wrong horse", text);
        }
        await using var right = await ProverProcess.StartAsync("right", new Dictionary<string, string> { ["PROVER_KEYSTORE_PASSWORD"] = "right horse" }, arguments);
        Assert.Equal(3, await right.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"cannot reach L1 at {unreachable}", string.Join("\n", right.Lines));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
