using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Grains.L1;
using Hosting.TestKit;
using Hosting.L1.Contracts;

namespace Hosting.Portal.Tests;

/// <summary>
/// The devnet silo and portal following a real anvil (automine: each transaction its own block; tests mine
/// empty blocks to move time) with infra/l1 deployed by its forge script, as `hosting devnet` runs it.
/// </summary>
public sealed class DevnetSiloOnL1 : DevnetSilo
{
    private string _deploymentFile = "";

    public AnvilNode Anvil { get; private set; } = null!;
    public L1Deployment Deployment { get; private set; } = null!;

    protected override async Task<IReadOnlyDictionary<string, string?>> MoreSettingsAsync()
    {
        _deploymentFile = Path.Combine(RepositoryRoot.Combine(".run"), "tests", $"portal-deployment-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(_deploymentFile)!);
        Anvil = await InfraL1.StartDeployedAnvilAsync(_deploymentFile);
        Deployment = L1Deployment.Read(_deploymentFile) ?? throw new InvalidOperationException($"{_deploymentFile} names no contracts");
        return new Dictionary<string, string?>
        {
            ["Hosting:L1:RpcUrls:0"] = Anvil.RpcUrl.ToString(),
            ["Hosting:L1:DeploymentFile"] = _deploymentFile,
            ["Hosting:L1:PollMilliseconds"] = "200",
        };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Anvil is not null)
        {
            await Anvil.DisposeAsync();
        }
        File.Delete(_deploymentFile);
    }

    /// <summary>Runs the real cast against this anvil and returns its trimmed output.</summary>
    public async Task<string> CastAsync(params string[] arguments) =>
        (await ProcessRunner.RunAsync(Tools.Cast, [.. arguments, "--rpc-url", Anvil.RpcUrl.ToString()])).EnsureSuccess($"cast {string.Join(' ', arguments.Take(2))}").Output;

    /// <summary>A uint256 from `cast call`, which prints "123 [1.23e2]".</summary>
    public async Task<BigInteger> CastCallUintAsync(Address contract, string signature, params string[] arguments) =>
        BigInteger.Parse((await CastAsync(["call", contract.ToString(), signature, .. arguments])).Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The staking-token balance of <paramref name="account"/>, read with cast.</summary>
    public Task<BigInteger> TokenBalanceAsync(Address account) => CastCallUintAsync(Deployment.Token, "balanceOf(address)(uint256)", account.ToString());

    /// <summary>Sends from an unlocked anvil account with cast (a party outside the platform).</summary>
    public Task<string> CastSendAsync(Address from, Address to, string signature, params string[] arguments) =>
        CastAsync(["send", "--unlocked", "--from", from.ToString(), to.ToString(), signature, .. arguments]);
}
