using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Grains.L1;
using Hosting.Silo.Configuration;
using Hosting.Silo.L1;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Hosting.L1.Contracts;

namespace Hosting.Cluster.Tests.L1;

/// <summary>
/// A real anvil (automine on, so each transaction is its own block, and the tests mine empty blocks to move
/// time) with infra/l1 deployed by its own forge script, and a TestCluster of silos on PostgreSQL following it.
/// </summary>
public sealed class ChainUnderTest : IAsyncDisposable
{
    private const string RpcKey = "HostingTest:L1:Rpc";
    private const string DeploymentKey = "HostingTest:L1:Deployment";

    private ChainUnderTest(AnvilNode anvil, string deploymentFile, L1Deployment deployment, TestCluster cluster, string database)
    {
        Database = database;
        Anvil = anvil;
        DeploymentFile = deploymentFile;
        Deployment = deployment;
        Cluster = cluster;
    }

    public AnvilNode Anvil { get; }
    /// <summary>The connection string of the cluster's own PostgreSQL database.</summary>
    public string Database { get; }
    public string DeploymentFile { get; }
    public L1Deployment Deployment { get; }
    public TestCluster Cluster { get; }
    public IGrainFactory Grains => Cluster.Client;

    /// <param name="configure">More silo configuration (e.g. the signing gate), applied after the L1 services.</param>
    public static async Task<ChainUnderTest> StartAsync(short silos = 2, Action<TestClusterBuilder>? configure = null)
    {
        var file = Path.Combine(RepositoryRoot.Combine(".run"), "tests", $"deployment-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var anvil = await StartDeployedAnvilAsync(file);
        var deployment = L1Deployment.Read(file) ?? throw new InvalidOperationException($"{file} names no contracts");
        var db = await PostgresCluster.CreateMigratedDatabaseAsync();
        var cluster = await PostgresCluster.StartAsync(db, silos, configure: builder =>
        {
            builder.Properties[RpcKey] = anvil.RpcUrl.ToString();
            builder.Properties[DeploymentKey] = file;
            builder.AddSiloBuilderConfigurator<SiloOnL1>();
            configure?.Invoke(builder);
        });
        return new ChainUnderTest(anvil, file, deployment, cluster, db);
    }

    /// <summary>A fresh anvil with infra/l1 deployed (shared with the portal's browser tests: <see cref="InfraL1"/>).</summary>
    internal static Task<AnvilNode> StartDeployedAnvilAsync(string file) => InfraL1.StartDeployedAnvilAsync(file);

    public Task<ulong> HeadAsync() => Anvil.BlockNumberAsync().ContinueWith(t => (ulong)t.Result);

    public async Task MineAsync(int blocks)
    {
        await Anvil.MineAsync(blocks);
    }

    /// <summary>
    /// Waits until the follower (and so every duty it delivered) has processed the chain's current head. Polls every
    /// 20 ms, and rides out the calls that fail while a killed silo is being declared dead.
    /// </summary>
    public async Task FollowedAsync(TimeSpan? timeout = null)
    {
        var head = await HeadAsync();
        var follower = Grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        L1FollowerView? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await follower.GetAsync();
                if (last.LastBlock >= head)
                {
                    return;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
            }
            await Task.Delay(20);
        }
        Assert.Fail($"the follower did not reach block {head}: {last?.ToString() ?? "it never answered"}");
    }

    /// <summary>Mines up to <paramref name="block"/> (nothing when the head is already there) and waits for the follower.</summary>
    public async Task MineToAsync(ulong block)
    {
        var head = await HeadAsync();
        if (block > head)
        {
            await MineAsync((int)(block - head));
        }
        await FollowedAsync();
    }

    /// <summary>The block <paramref name="transaction"/> was mined in, or null while it is not mined.</summary>
    public async Task<ulong?> MinedInAsync(Hash32 transaction) =>
        await Anvil.RpcAsync("eth_getTransactionReceipt", transaction.ToString()) is { ValueKind: System.Text.Json.JsonValueKind.Object } receipt
            ? Convert.ToUInt64(receipt.GetProperty("blockNumber").GetString(), 16)
            : null;

    /// <summary>The staking-token balance of <paramref name="account"/>, read with the real cast.</summary>
    public async Task<BigInteger> TokenBalanceAsync(Address account)
    {
        var result = await ProcessRunner.RunAsync(Tools.Cast, "call", Deployment.Token.ToString(), "balanceOf(address)(uint256)", account.ToString(), "--rpc-url", Anvil.RpcUrl.ToString());
        return BigInteger.Parse(result.EnsureSuccess("cast call balanceOf").Output.Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>statusOf(sequencer) on the registry, read with cast (0 None, 1 Queued, 2 Active, 3 Exiting, 4 Exited).</summary>
    public async Task<int> RegistryStatusAsync(Address sequencer)
    {
        var result = await ProcessRunner.RunAsync(Tools.Cast, "call", Deployment.Registry.ToString(), "statusOf(address)(uint8)", sequencer.ToString(), "--rpc-url", Anvil.RpcUrl.ToString());
        return int.Parse(result.EnsureSuccess("cast call statusOf").Output, CultureInfo.InvariantCulture);
    }

    /// <summary>Sends a transaction from an unlocked anvil account with the real cast (a party outside the platform).</summary>
    public async Task CastSendAsync(Address from, Address to, string signature, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(Tools.Cast, ["send", "--unlocked", "--from", from.ToString(), to.ToString(), signature, .. arguments, "--rpc-url", Anvil.RpcUrl.ToString()]);
        result.EnsureSuccess($"cast send {signature}");
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAsync();
        await Anvil.DisposeAsync();
        File.Delete(DeploymentFile);
        // Leftover databases tax the server for every test after this one (PostgresServer.DropDatabaseAsync says how).
        await PostgresServer.DropDatabaseAsync(Database);
    }

    public sealed class SiloOnL1 : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var options = new L1Options
            {
                RpcUrls = [siloBuilder.Configuration[RpcKey]!],
                DeploymentFile = siloBuilder.Configuration[DeploymentKey],
            };
            siloBuilder.Services.AddSingleton(DevAccounts.Store);
            if (Environment.GetEnvironmentVariable("HOSTING_TEST_SILO_LOG") is { Length: > 0 } logFile)
            {
                siloBuilder.Services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(new FileLogs(logFile));
            }
            // Long enough for a prover process on a loaded machine to see its authorisation and commit.
            siloBuilder.Services.AddSingleton(new Hosting.Grains.Slots.ProofBoostOptions { CommitmentGrace = TimeSpan.FromSeconds(3) });
            siloBuilder.Services.AddL1Follower(options, new L1FollowerOptions
            {
                PollInterval = TimeSpan.FromMilliseconds(100),
                ReorgDepth = 32,
                FeeBumpAfter = TimeSpan.FromSeconds(2),
                PublisherCheckInterval = TimeSpan.FromSeconds(1),
                ConfirmationDepth = 8,
            });
        }
    }
}
