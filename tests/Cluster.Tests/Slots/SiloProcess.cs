using Hosting.TestKit;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// One src/Silo process (`dotnet Hosting.Silo.dll`, its build output) in Production mode; its settings come through
/// the environment as a deployment would pass them (Hosting__…). <see cref="ChildProcess.KillHard"/> is `kill -9`.
/// </summary>
public sealed class SiloProcess : ChildProcess
{
    private SiloProcess(string name, int siloPort, Uri web, IReadOnlyDictionary<string, string> environment)
        : base(name, ProgramPath, environment, ["--urls", web.ToString()])
    {
        SiloPort = siloPort;
        Web = web;
    }

    public static string ProgramPath => BuildOutput("Silo", "Hosting.Silo.dll");

    /// <summary>The silo-to-silo port: what its Orleans SiloAddress and membership row carry.</summary>
    public int SiloPort { get; }

    /// <summary>The silo's web app: portal, proof-boost routes, /readyz.</summary>
    public Uri Web { get; }

    /// <summary>Starts a silo named <paramref name="name"/> with <paramref name="settings"/> (Hosting:… keys) on free ports.</summary>
    public static SiloProcess Start(string name, IReadOnlyDictionary<string, string> settings)
    {
        var siloPort = FreePort.Next();
        var web = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var environment = settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        environment["Hosting__SiloName"] = name;
        environment["Hosting__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["Hosting__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new SiloProcess(name, siloPort, web, environment);
    }

    /// <summary>Waits until /readyz answers 200 (cluster joined, database, keys, L1 followed); false on timeout or exit.</summary>
    public async Task<bool> ReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Web, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !HasExited)
        {
            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        return false;
    }
}
