using System.Numerics;
using Hosting.Cluster.Tests.L1;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// One src/Prover agent process, started from its build output with a devnet key in its environment; its output
/// lines are kept for assertions. Disposing stops it (SIGTERM, then kill after a few seconds).
/// </summary>
public sealed class ProverProcess : ChildProcess
{
    private ProverProcess(string name, IReadOnlyDictionary<string, string> environment, string[] arguments)
        : base(name, AgentPath, environment, arguments)
    {
    }

    /// <summary>The agent's build output, in the configuration the tests were built in.</summary>
    public static string AgentPath => BuildOutput("Prover", "Hosting.Prover.dll");

    /// <summary>Starts an agent; its "ready" line says it follows L1 (see <see cref="ChildProcess.WaitForAsync"/>).</summary>
    public static Task<ProverProcess> StartAsync(string name, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Task.FromResult(new ProverProcess(name, environment, arguments));

    /// <summary>
    /// Starts a prover agent for dev account <paramref name="account"/> against the chain and the platform's web app,
    /// quoting <paramref name="fee"/> (and <paramref name="bond"/>, else the rollup's minimum) with fault mode <paramref name="fault"/> ("backup" stands for the platform's own
    /// agent: it never quotes and submits backup blocks, presenting <paramref name="agentToken"/>, by default the one
    /// <paramref name="web"/> accepts), and waits for its "ready" line.
    /// </summary>
    public static async Task<ProverProcess> StartAgentAsync(string name, int account, ChainUnderTest chain, PlatformWeb web, string fee, string fault, TimeSpan patience, BigInteger? bond = null, string agentToken = PlatformWeb.AgentToken)
    {
        string[] arguments =
        [
            "--rpc-url", chain.Anvil.RpcUrl.ToString(), "--deployment", chain.DeploymentFile, "--platform", web.Address.ToString(),
            "--fee", fee, "--fault", fault == "backup" ? "never-quote" : fault, "--backup", fault == "backup" ? "true" : "false", "--poll-ms", "100",
            .. bond is { } terms ? new[] { "--bond", terms.ToString(System.Globalization.CultureInfo.InvariantCulture) } : [],
        ];
        var environment = new Dictionary<string, string> { ["PROVER_DEV_KEY"] = DevAccounts.PrivateKeyHex(account) };
        if (fault == "backup")
        {
            environment["PROVER_AGENT_TOKEN"] = agentToken;
        }
        var agent = await StartAsync(name, environment, arguments);
        if (!await agent.WaitForAsync("ready", patience))
        {
            var lines = string.Join("\n", agent.Lines);
            await agent.DisposeAsync();
            Assert.Fail($"agent {name} did not start:\n{lines}");
        }
        return agent;
    }
}
