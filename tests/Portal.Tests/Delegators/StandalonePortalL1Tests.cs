using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Contracts;
using Hosting.Portal.Chain;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Tests.Delegators;

/// <summary>
/// The standalone portal (the production Orleans client, src/Portal/Program.cs) reads the same Hosting:L1 settings
/// as the silo: built with them it prepares a delegator's wallet call against a real anvil with infra/l1 deployed,
/// and a missing or wrong L1 setting stops it with a message naming the setting.
/// </summary>
public sealed class StandalonePortalL1Tests
{
    private const string AdminToken = "standalone-admin-token-0123456789abcdef";
    private static readonly Address Operator = Address.Parse("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    private static readonly Address Delegator = Address.Parse("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

    private static string[] Standalone(params string[] more) =>
    [
        "--Hosting:Postgres:ConnectionString=Host=127.0.0.1;Port=1;Username=nobody",
        $"--Hosting:Portal:AdminToken={AdminToken}",
        .. more,
    ];

    [Fact]
    public async Task The_standalone_portal_prepares_a_delegation_from_its_l1_settings()
    {
        var file = Path.Combine(RepositoryRoot.Combine(".run"), "tests", $"standalone-deployment-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await using var anvil = await InfraL1.StartDeployedAnvilAsync(file);
        try
        {
            var deployment = L1Deployment.Read(file)!;
            var sequencer = Address.Parse("0x" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "5eed5eed");
            var stake = deployment.MinStake.ToString();
            await CastAsync(anvil, "send", "--unlocked", "--from", Operator.ToString(), deployment.Token.ToString(), "approve(address,uint256)", deployment.Registry.ToString(), stake);
            await CastAsync(anvil, "send", "--unlocked", "--from", Operator.ToString(), deployment.Registry.ToString(), "register(address,address,uint256)", sequencer.ToString(), Operator.ToString(), stake);

            // Built as production starts it (not started: that would join the cluster); the delegator pages take
            // their chain from this service.
            await using var app = PortalProgram.Build(Standalone($"--Hosting:L1:RpcUrls:0={anvil.RpcUrl}", $"--Hosting:L1:DeploymentFile={file}", "--Hosting:L1:ChainId=31337"));
            var chain = app.Services.GetRequiredService<PortalL1>().Chain;
            Assert.NotNull(chain);
            Assert.Equal(31337UL, chain.ChainId);

            var (calls, refusal) = await chain.PrepareAsync(DelegatorAction.Delegate, Delegator, sequencer, 250 * BigInteger.Pow(10, 18));
            Assert.Null(refusal);
            Assert.Equal([deployment.Token, deployment.Registry], calls!.Select(c => c.To));
            Assert.StartsWith("0x095ea7b3", calls![0].Data, StringComparison.Ordinal); // approve(address,uint256)
            Assert.Contains(sequencer.ToString()[2..], calls![1].Data, StringComparison.OrdinalIgnoreCase);

            // What L1 refuses is said before a wallet is asked: nothing waits to be withdrawn.
            var (none, why) = await chain.PrepareAsync(DelegatorAction.Withdraw, Delegator, sequencer, 0);
            Assert.Null(none);
            Assert.Contains("no undelegated stake", why);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Without_l1_settings_the_standalone_portal_builds_and_its_delegator_pages_have_no_chain()
    {
        await using var app = PortalProgram.Build(Standalone());
        Assert.Null(app.Services.GetRequiredService<PortalL1>().Chain);
    }

    [Theory]
    [InlineData("--Hosting:L1:RpcUrls:0=http://127.0.0.1:8545", null, "Hosting:L1:DeploymentFile is required")]
    [InlineData("--Hosting:L1:RpcUrls:0=http://127.0.0.1:8545", "--Hosting:L1:DeploymentFile=/nonexistent/deployment.json", "Hosting:L1:DeploymentFile '/nonexistent/deployment.json' does not exist")]
    [InlineData("--Hosting:L1:RpcUrls:0=not a url", "--Hosting:L1:DeploymentFile=/nonexistent/deployment.json", "Hosting:L1:RpcUrls:0 must be an http(s) or ws(s) URL of an L1 node, got 'not a url'")]
    [InlineData(null, "--Hosting:L1:DeploymentFile=/nonexistent/deployment.json", "Hosting:L1:RpcUrls needs at least one http(s) URL")]
    public void A_missing_or_wrong_l1_setting_stops_the_standalone_portal_naming_it(string? url, string? file, string expected)
    {
        var error = Assert.Throws<PortalSettingsException>(() => PortalProgram.Build(Standalone([.. new[] { url, file }.OfType<string>()])));
        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_deployment_file_without_contracts_or_on_another_chain_is_named()
    {
        var empty = Path.GetTempFileName();
        var other = Path.GetTempFileName();
        try
        {
            File.WriteAllText(empty, "{}");
            File.WriteAllText(other, """
                {"chainId": 1, "deployBlock": 3, "contracts": {"token": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
                 "registry": "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512", "rollup": "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0"},
                 "parameters": {"minStake": "100", "entryPeriodBlocks": 20, "exitDelayBlocks": 30}}
                """);
            var noContracts = Assert.Throws<PortalSettingsException>(() => PortalProgram.Build(Standalone("--Hosting:L1:RpcUrls:0=http://127.0.0.1:8545", $"--Hosting:L1:DeploymentFile={empty}")));
            Assert.Contains(noContracts.Problems, p => p.Contains($"Hosting:L1:DeploymentFile '{empty}' names no contracts", StringComparison.Ordinal));

            var wrongChain = Assert.Throws<PortalSettingsException>(() => PortalProgram.Build(Standalone("--Hosting:L1:RpcUrls:0=http://127.0.0.1:8545", $"--Hosting:L1:DeploymentFile={other}", "--Hosting:L1:ChainId=31337")));
            Assert.Contains(wrongChain.Problems, p => p.Contains("Hosting:L1:ChainId is 31337, but the deployment file", StringComparison.Ordinal) && p.Contains("chain 1.", StringComparison.Ordinal));

            // The same file is fine when no chain id is asked for: the portal takes the deployment's.
            await using var app = PortalProgram.Build(Standalone("--Hosting:L1:RpcUrls:0=http://127.0.0.1:8545", $"--Hosting:L1:DeploymentFile={other}"));
            Assert.Equal(1UL, app.Services.GetRequiredService<PortalL1>().Chain!.ChainId);
        }
        finally
        {
            File.Delete(empty);
            File.Delete(other);
        }
    }

    private static async Task CastAsync(AnvilNode anvil, params string[] arguments) =>
        (await ProcessRunner.RunAsync(Tools.Cast, [.. arguments, "--rpc-url", anvil.RpcUrl.ToString()])).EnsureSuccess($"cast {arguments[0]}");
}
