using Hosting.Silo;
using Hosting.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Hosting.Portal.Tests;

/// <summary>A real devnet silo with the co-hosted portal, listening on free loopback ports for one test class.</summary>
public sealed class DevnetSilo : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>A client holding the devnet's platform-admin token.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>A client with no credentials.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>A client presenting <paramref name="token"/> as its bearer token.</summary>
    public HttpClient WithToken(string token)
    {
        var client = new HttpClient { BaseAddress = Anonymous.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

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
        Anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        Http = WithToken(Hosting.Portal.Access.PortalOptions.DevnetAdminToken);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
