using Hosting.Portal;
using Hosting.Portal.Access;
using Hosting.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// The portal's routes (the same <c>MapPortal</c> the silo maps) served over real HTTP on a free loopback port,
/// calling the test cluster's grains: what prover processes talk to.
/// </summary>
public sealed class PlatformWeb : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PlatformWeb(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The prover agent token this web app accepts for the backup question (what the platform's backup agents present).</summary>
    public const string AgentToken = "test-prover-agent-token-5b1c0e7d2a9f4e38";

    public static async Task<PlatformWeb> StartAsync(IGrainFactory grains)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var builder = WebApplication.CreateSlimBuilder(["--urls", address.ToString()]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(grains);
        builder.Services.AddPortal(new PortalOptions { AdminToken = PortalOptions.DevnetAdminToken, ProverAgentTokens = [AgentToken] });
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapPortal();
        await app.StartAsync();
        return new PlatformWeb(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
