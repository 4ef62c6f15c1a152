using Hosting.Silo;
using Hosting.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Hosting.Portal.Tests;

/// <summary>A real devnet silo with the co-hosted portal, listening on free loopback ports for one test class.</summary>
public sealed class DevnetSilo : IAsyncLifetime
{
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var httpPort = FreePort.Next();
        _app = SiloApplication.Build(
            ["--urls", $"http://127.0.0.1:{httpPort}"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Hosting:Mode"] = "Devnet",
                ["Hosting:SiloPort"] = FreePort.Next().ToString(),
                ["Hosting:GatewayPort"] = FreePort.Next().ToString(),
            }));
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
