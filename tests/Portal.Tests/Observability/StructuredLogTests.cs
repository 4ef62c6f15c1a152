using System.Diagnostics;
using System.Text.Json;
using Hosting.TestKit;

namespace Hosting.Portal.Tests.Observability;

/// <summary>The silo process as an SRE runs it in production: JSON log lines carrying the caller's trace.</summary>
public sealed class StructuredLogTests
{
    [Fact]
    public async Task json_logs_carry_the_trace_and_span_of_the_request_that_caused_them()
    {
        var httpPort = FreePort.Next();
        var silo = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Hosting.Silo.dll"), "--urls", $"http://127.0.0.1:{httpPort}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["Hosting__Mode"] = "Devnet",
                ["Hosting__LogFormat"] = "Json",
                ["Hosting__SiloPort"] = FreePort.Next().ToString(),
                ["Hosting__GatewayPort"] = FreePort.Next().ToString(),
            },
        };
        using var process = Process.Start(silo)!;
        var lines = new List<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (lines) { lines.Add(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Our own traceparent must reach the silo untouched: no propagator may replace it with this process's.
            using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            Assert.True(await WaitUntilUpAsync(http), "the silo did not answer /healthz within 60 s");

            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tenants/nobody");
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using var response = await http.SendAsync(request);

            JsonElement? traced = null;
            for (var i = 0; i < 120 && traced is null; i++)
            {
                await Task.Delay(250);
                string[] snapshot;
                lock (lines) { snapshot = [.. lines]; }
                traced = snapshot.Select(Parse).FirstOrDefault(l => l is { } e && ScopeValue(e, "TraceId") == traceId);
            }
            if (traced is not { } line)
            {
                lock (lines) { Assert.Fail($"no log line carries trace {traceId}; the silo wrote:\n{string.Join('\n', lines.TakeLast(30))}"); }
                return;
            }
            Assert.False(string.IsNullOrEmpty(line.GetProperty("Timestamp").GetString()));
            Assert.False(string.IsNullOrEmpty(line.GetProperty("LogLevel").GetString()));
            Assert.False(string.IsNullOrEmpty(line.GetProperty("Category").GetString()));
            Assert.Matches("^[0-9a-f]{16}$", ScopeValue(line, "SpanId"));

            string[] all;
            lock (lines) { all = [.. lines]; }
            Assert.All(all.Where(l => l.Length > 0), l => Assert.NotNull(Parse(l)));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static async Task<bool> WaitUntilUpAsync(HttpClient http)
    {
        for (var i = 0; i < 240; i++)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        return false;
    }

    private static JsonElement? Parse(string line)
    {
        try
        {
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ScopeValue(JsonElement line, string name) =>
        line.TryGetProperty("Scopes", out var scopes) && scopes.ValueKind == JsonValueKind.Array
            ? scopes.EnumerateArray()
                .Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out _))
                .Select(s => s.GetProperty(name).GetString())
                .FirstOrDefault()
            : null;
}
