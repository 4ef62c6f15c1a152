using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hosting.TestKit;

namespace Hosting.Portal.Tests.Observability;

/// <summary>
/// Debian's real Prometheus server on a free loopback port with its own temporary storage; disposing it
/// kills the process and deletes the directory, so no server outlives the test.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log;

    private PrometheusServer(Process process, StringBuilder log, string directory, int port)
    {
        (_process, _log, Directory) = (process, log, directory);
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public string Directory { get; }

    public HttpClient Http { get; }

    public string Log { get { lock (_log) { return _log.ToString(); } } }

    /// <summary>Starts Prometheus on <paramref name="files"/> (relative path to content), one of them prometheus.yml.</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, string> files)
    {
        var binary = PrometheusTools.Require("prometheus");
        var directory = System.IO.Directory.CreateTempSubdirectory("hosting-prometheus-").FullName;
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(directory, path);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }
        var port = FreePort.Next();
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList =
            {
                $"--config.file={Path.Combine(directory, "prometheus.yml")}",
                $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            },
        };
        var log = new StringBuilder();
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {binary}.");
        DataReceivedEventHandler append = (_, e) => { if (e.Data is not null) { lock (log) { log.AppendLine(e.Data); } } };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, log, directory, port);
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(20));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An instant query through the HTTP API; the "result" array of its data.</summary>
    public async Task<JsonElement> QueryAsync(string promql)
    {
        // Prometheus answers a bad query with 400 and a JSON body whose "error" says why: read it either way.
        using var response = await Http.GetAsync($"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("status").GetString() == "success"
            ? body.GetProperty("data").GetProperty("result")
            : throw new InvalidOperationException($"Prometheus refused the query: {body.GetProperty("error").GetString()}");
    }

    public async Task<JsonElement> GetDataAsync(string path) =>
        (await Http.GetFromJsonAsync<JsonElement>(path)).GetProperty("data");

    /// <summary>Polls until <paramref name="condition"/> holds, or fails naming what it waited for with the server's log.</summary>
    public async Task WaitUntilAsync(string what, Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Prometheus exited with {_process.ExitCode} while waiting for {what}:\n{Log}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Prometheus did not show {what} within {within.TotalSeconds} s. Its log:\n{Log}");
            }
            await Task.Delay(250);
        }
    }

    private Task WaitUntilReadyAsync(TimeSpan within) => WaitUntilAsync("/-/ready", async () =>
    {
        try
        {
            return (await Http.GetAsync("/-/ready")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }, within);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
