using Hosting.Silo;
using Hosting.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Hosting.Portal.Tests.Delegators;

/// <summary>
/// Two production silos of one cluster (PostgreSQL membership, migrated on start), each with its co-hosted portal,
/// both following one real anvil with infra/l1 deployed: two portal instances as a load balancer would see them.
/// Portal B sits "behind a proxy": it believes forwarded headers from 127.0.0.1 and allows few nonces per client.
/// </summary>
public sealed class TwoPortalsOnL1 : IAsyncLifetime
{
    public const int NoncePermitsAtB = 3;
    private readonly List<WebApplication> _silos = [];
    private string _deploymentFile = "";
    private string? _postgres;

    public AnvilNode Anvil { get; private set; } = null!;
    public Uri PortalA { get; private set; } = null!;
    public Uri PortalB { get; private set; } = null!;

    /// <summary>The data-protection key ring both portals share, as a mounted volume would be.</summary>
    public string KeyRing { get; } = Directory.CreateTempSubdirectory("portal-keys-").FullName;

    public async Task InitializeAsync()
    {
        _deploymentFile = Path.Combine(RepositoryRoot.Combine(".run"), "tests", $"two-portals-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(_deploymentFile)!);
        Anvil = await InfraL1.StartDeployedAnvilAsync(_deploymentFile);
        var postgres = _postgres = await PostgresServer.CreateDatabaseAsync("portals");
        var clusterId = $"portals-{Guid.NewGuid():N}"[..20];
        PortalA = await StartAsync(postgres, clusterId, "a", new Dictionary<string, string?>());
        PortalB = await StartAsync(postgres, clusterId, "b", new Dictionary<string, string?>
        {
            ["Hosting:Portal:KnownProxies:0"] = "127.0.0.1",
            ["Hosting:Portal:NoncePermitsPerWindow"] = NoncePermitsAtB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hosting:Portal:NonceWindowSeconds"] = "60",
        });
    }

    private async Task<Uri> StartAsync(string postgres, string clusterId, string name, IReadOnlyDictionary<string, string?> more)
    {
        var httpPort = FreePort.Next();
        var app = SiloApplication.Build(
            ["--urls", $"http://127.0.0.1:{httpPort}"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Hosting:Mode"] = "Production",
                ["Hosting:ClusterId"] = clusterId,
                ["Hosting:SiloName"] = $"portal-{name}",
                ["Hosting:AdvertisedAddress"] = "127.0.0.1",
                ["Hosting:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Hosting:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Hosting:Postgres:ConnectionString"] = postgres,
                ["Hosting:Portal:AdminToken"] = "two-portals-test-admin-token-0123456789",
                ["Hosting:L1:RpcUrls:0"] = Anvil.RpcUrl.ToString(),
                ["Hosting:L1:DeploymentFile"] = _deploymentFile,
                ["Hosting:L1:PollMilliseconds"] = "200",
                ["Hosting:Portal:DataProtectionKeysDirectory"] = KeyRing,
            }.Concat(more)));
        await app.StartAsync();
        _silos.Add(app);
        return new Uri($"http://127.0.0.1:{httpPort}");
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in Enumerable.Reverse(_silos))
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
        }
        if (Anvil is not null)
        {
            await Anvil.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await PostgresServer.DropDatabaseAsync(_postgres);
        }
        File.Delete(_deploymentFile);
        Directory.Delete(KeyRing, recursive: true);
    }
}
