using Hosting.Silo;
using Hosting.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Tests;

/// <summary>
/// A real devnet silo with the co-hosted portal, listening on free loopback ports for one test class, with a fresh
/// PostgreSQL database of its own (the signing records behind the key API), as the devnet has.
/// </summary>
public class DevnetSilo : IAsyncLifetime
{
    private WebApplication? _app;
    private string? _postgres;

    /// <summary>A client holding the devnet's platform-admin token.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The silo's grains, to set up state the API has no call for (e.g. thousands of sequencers).</summary>
    public IGrainFactory Grains => _app!.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's services, to hand it keys a test holds (a publisher's).</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>A client with no credentials.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    /// <summary>A client presenting <paramref name="token"/> as its bearer token.</summary>
    public HttpClient WithToken(string token)
    {
        var client = new HttpClient { BaseAddress = Anonymous.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>False for a silo started without PostgreSQL, to see what the key API says then.</summary>
    protected virtual bool WithPostgres => true;

    /// <summary>More configuration for a test class's silo (e.g. a tighter rate limit).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>The base address, for a browser.</summary>
    public Uri BaseAddress => Anonymous.BaseAddress!;

    /// <summary>Settings a subclass adds (an L1 to follow), read before the silo is built.</summary>
    protected virtual Task<IReadOnlyDictionary<string, string?>> MoreSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());

    /// <summary>Services a test class's silo gets before its own (e.g. the Key Vault backend's test seam).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual async Task InitializeAsync()
    {
        var httpPort = FreePort.Next();
        var postgres = _postgres = WithPostgres ? await PostgresServer.CreateDatabaseAsync("portal") : null;
        var more = await MoreSettingsAsync();
        _app = SiloApplication.Build(
            ["--urls", $"http://127.0.0.1:{httpPort}"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Hosting:Mode"] = "Devnet",
                    ["Hosting:SiloPort"] = FreePort.Next().ToString(),
                    ["Hosting:GatewayPort"] = FreePort.Next().ToString(),
                    ["Hosting:Postgres:ConnectionString"] = postgres,
                }.Concat(Settings).Concat(more));
                ConfigureServices(builder.Services);
            });
        await _app.StartAsync();
        Anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        Http = WithToken(Hosting.Portal.Access.PortalOptions.DevnetAdminToken);
    }

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        Anonymous.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await PostgresServer.DropDatabaseAsync(_postgres);
        }
    }
}

/// <summary>A devnet silo with no PostgreSQL: no key custody.</summary>
public sealed class DevnetSiloWithoutPostgres : DevnetSilo
{
    protected override bool WithPostgres => false;
}
