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
}
