using System.Collections.Concurrent;
using System.Diagnostics;
using Hosting.Cluster.Tests.L1;
using Hosting.TestKit;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// One src/Prover agent process, started from its build output with a devnet key in its environment; its output
/// lines are kept for assertions. Disposing stops it (SIGTERM, then kill after a few seconds).
/// </summary>
public sealed class ProverProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ProverProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyCollection<string> Lines => _lines;

    public bool HasExited => _process.HasExited;

    /// <summary>The agent's build output, in the configuration the tests were built in.</summary>
    public static string AgentPath
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            return RepositoryRoot.Combine("src", "Prover", "bin", configuration, "net10.0", "Hosting.Prover.dll");
        }
    }

    /// <summary>Starts an agent; its "ready" line says it follows L1 (see <see cref="WaitForAsync"/>).</summary>
    public static async Task<ProverProcess> StartAsync(string name, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AgentPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info };
        var agent = new ProverProcess(process, name);
        process.OutputDataReceived += (_, e) => agent.Add(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>
    /// Starts a prover agent for dev account <paramref name="account"/> against the chain and the platform's web app,
    /// quoting <paramref name="fee"/> with fault mode <paramref name="fault"/> ("backup" stands for the platform's own
    /// agent: it never quotes and submits backup blocks), and waits for its "ready" line.
    /// </summary>
    public static async Task<ProverProcess> StartAgentAsync(string name, int account, ChainUnderTest chain, PlatformWeb web, string fee, string fault, TimeSpan patience)
    {
        var agent = await StartAsync(name,
            new Dictionary<string, string> { ["PROVER_DEV_KEY"] = DevAccounts.PrivateKeyHex(account) },
            "--rpc-url", chain.Anvil.RpcUrl.ToString(), "--deployment", chain.DeploymentFile, "--platform", web.Address.ToString(),
            "--fee", fee, "--fault", fault == "backup" ? "never-quote" : fault, "--backup", fault == "backup" ? "true" : "false", "--poll-ms", "100");
        if (!await agent.WaitForAsync("ready", patience))
        {
            var lines = string.Join("\n", agent.Lines);
            await agent.DisposeAsync();
            Assert.Fail($"agent {name} did not start:\n{lines}");
        }
        return agent;
    }

    /// <summary>Waits for the agent to print a line containing <paramref name="text"/>; false on timeout or exit.</summary>
    public async Task<bool> WaitForAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return true;
            }
            if (_process.HasExited)
            {
                await Task.Delay(100);
                return _lines.Any(l => l.Contains(text, StringComparison.Ordinal));
            }
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>Runs the agent to its exit (for start-up errors); returns the exit code.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public bool Printed(string text) => _lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the agent stops between polls and says so.
            Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
