using System.Security.Cryptography;
using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Grains.L1;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Signing;
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Hosting.Silo.Database;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// The real silo program as separate OS processes forming one Production cluster (ADO.NET clustering, storage,
/// reminders and the signing-safety gate on a fresh PostgreSQL database), following a real anvil with infra/l1
/// deployed (mined on demand by the test, as <see cref="ChainUnderTest"/>'s). The publisher's key reaches the
/// silos as an operator's would: a keystore in Hosting:Keys:PublisherKeystoreDirectory; the sequencers' keys
/// are registered in key custody before the silos start and unlocked by their password files. The test talks to
/// the grains through an Orleans client of the same cluster. Disposing kills every process it started.
/// </summary>
public sealed class SiloProcessCluster : IAsyncDisposable
{
    public const string Tenant = "processes";
    private const string AdminToken = "silo-process-test-admin-token-0123456789";
    private readonly Dictionary<string, string> _settings;
    private readonly string _folder;
    private readonly ITestOutputHelper _output;
    private IHost? _client;

    private SiloProcessCluster(AnvilNode anvil, string deploymentFile, string database, string clusterId, string folder, Dictionary<string, string> settings, ITestOutputHelper output)
    {
        Anvil = anvil;
        DeploymentFile = deploymentFile;
        Deployment = L1Deployment.Read(deploymentFile) ?? throw new InvalidOperationException($"{deploymentFile} names no contracts");
        Database = database;
        ClusterId = clusterId;
        _folder = folder;
        _settings = settings;
        _output = output;
    }

    public AnvilNode Anvil { get; }
    public string DeploymentFile { get; }
    public L1Deployment Deployment { get; }
    public string Database { get; }
    public string ClusterId { get; }
    public List<SiloProcess> Silos { get; } = [];
    public List<Address> Sequencers { get; } = [];
    public Address Publisher { get; } = DevAccounts.Account(1);
    public IGrainFactory Grains => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("the cluster client is not connected");

    /// <summary>Deploys infra/l1 on a fresh anvil, creates and migrates a database, keys the sequencers and starts <paramref name="silos"/> silo processes.</summary>
    public static async Task<SiloProcessCluster> StartAsync(int silos, int sequencers, ITestOutputHelper output)
    {
        var folder = Path.Combine(RepositoryRoot.Combine(".run"), "tests", $"silos-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(folder, "passwords"));
        Directory.CreateDirectory(Path.Combine(folder, "publishers"));
        var file = Path.Combine(folder, "deployment.json");
        var anvil = await ChainUnderTest.StartDeployedAnvilAsync(file);
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        var clusterId = $"procs-{Guid.NewGuid():N}"[..16];
        var settings = new Dictionary<string, string>
        {
            ["Hosting:Mode"] = "Production",
            ["Hosting:ClusterId"] = clusterId,
            ["Hosting:ServiceId"] = "hosting-processes",
            ["Hosting:AdvertisedAddress"] = "127.0.0.1",
            ["Hosting:Postgres:ConnectionString"] = database,
            ["Hosting:Portal:AdminToken"] = AdminToken,
            ["Hosting:L1:RpcUrls:0"] = anvil.RpcUrl.ToString(),
            ["Hosting:L1:DeploymentFile"] = file,
            ["Hosting:L1:PollMilliseconds"] = "100",
            ["Hosting:Keys:PasswordDirectory"] = Path.Combine(folder, "passwords"),
            ["Hosting:Keys:PublisherKeystoreDirectory"] = Path.Combine(folder, "publishers"),
            ["Hosting:LogFormat"] = "Text",
        };
        var cluster = new SiloProcessCluster(anvil, file, database, clusterId, folder, settings, output);
        try
        {
            cluster.WriteKeystore("publishers", DevAccounts.PrivateKeyHex(1));
            await cluster.KeySequencersAsync(sequencers);
            for (var i = 0; i < silos; i++)
            {
                cluster.Silos.Add(SiloProcess.Start($"silo-{i}", settings));
            }
            foreach (var silo in cluster.Silos)
            {
                Assert.True(await silo.ReadyAsync(TimeSpan.FromSeconds(120)), $"{silo.Name} never became ready:\n{string.Join("\n", silo.Lines.TakeLast(60))}");
            }
            await cluster.ConnectClientAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public Task<ulong> HeadAsync() => Anvil.BlockNumberAsync().ContinueWith(t => (ulong)t.Result);

    /// <summary>The live silo process whose Orleans address is <paramref name="silo"/>.</summary>
    public SiloProcess ProcessOf(SiloAddress silo) => Silos.Single(s => s.SiloPort == silo.Endpoint.Port && !s.HasExited);

    /// <summary>Sequencer keys as an operator imports them: keystores in key custody, each password in a file named by its address.</summary>
    private async Task KeySequencersAsync(int count)
    {
        var services = new ServiceCollection().AddLogging().AddSigningGate(Database, o => o.NodeName = "test").BuildServiceProvider();
        await using (services)
        {
            var custody = services.GetRequiredService<KeyCustody>();
            for (var i = 0; i < count; i++)
            {
                var (json, password, address) = NewKeystore(null);
                await custody.RegisterKeystoreAsync(Tenant, json, password, "silo process test");
                Sequencers.Add(address);
            }
        }
    }

    /// <summary>Writes a keystore of <paramref name="privateKeyHex"/> (or a fresh key) into <paramref name="directory"/> with its password file.</summary>
    private void WriteKeystore(string directory, string privateKeyHex)
    {
        var (json, _, address) = NewKeystore(privateKeyHex);
        File.WriteAllText(Path.Combine(_folder, directory, $"{address}.json"), json);
    }

    private (string Json, string Password, Address Address) NewKeystore(string? privateKeyHex)
    {
        var secret = privateKeyHex is null ? RandomSecret() : Convert.FromHexString(privateKeyHex[2..]);
        try
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var json = Web3Keystore.Encrypt(secret, password, new KeystoreKdf("pbkdf2", 1000));
            using var signer = new LocalKeySigner(new PrivateKey(secret));
            File.WriteAllText(Path.Combine(_folder, "passwords", signer.Address.ToString()), password);
            return (json, password, signer.Address);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] RandomSecret()
    {
        var secret = new byte[32];
        do
        {
            RandomNumberGenerator.Fill(secret);
        }
        while (!Secp256k1.IsValidScalar(secret));
        return secret;
    }

    private async Task ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = _settings["Hosting:ServiceId"];
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresOrleans.Invariant;
                o.ConnectionString = Database;
            });
            // A killed gateway drops out of the list quickly.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        });
        _client = builder.Build();
        await _client.StartAsync();
    }

    /// <summary>
    /// `kill -9` of every live silo process (the whole cluster at once: no silo left to take anything over), then
    /// <paramref name="count"/> fresh processes on the same database and settings, ready, and a new client.
    /// </summary>
    public async Task<TimeSpan> KillAllAndRestartAsync(int count)
    {
        foreach (var silo in Silos.Where(s => !s.HasExited))
        {
            silo.KillHard();
        }
        var killed = DateTime.UtcNow;
        await DisconnectClientAsync();
        var restarted = Enumerable.Range(Silos.Count, count).Select(i => SiloProcess.Start($"silo-{i}", _settings)).ToList();
        Silos.AddRange(restarted);
        var ready = new Dictionary<SiloProcess, DateTime>();
        foreach (var silo in restarted)
        {
            Assert.True(await silo.ReadyAsync(TimeSpan.FromSeconds(180)), $"{silo.Name} never became ready after the restart:\n{string.Join("\n", silo.Lines.TakeLast(60))}");
            ready[silo] = DateTime.UtcNow;
        }
        await ConnectClientAsync();
        var back = DateTime.UtcNow - killed;
        WriteRestartTimeline(killed, ready);
        await WriteMembershipAsync();
        return back;
    }

    /// <summary>Orleans' join steps in each restarted silo's log, in seconds after the kill: where a restart's time goes.</summary>
    private void WriteRestartTimeline(DateTime killed, Dictionary<SiloProcess, DateTime> ready)
    {
        string[] steps =
        [
            "Joining", "declared silo", "About to send pings", "Failed to get ping responses", "Will watch (actively ping)",
            "Did not get response for probe", "Voting to evict", "Evicting", "Going to mark silo", "-BecomeActive", "-Finished BecomeActive",
        ];
        foreach (var (silo, at) in ready)
        {
            var seen = steps.Select(step => (step, silo.FirstPrinted(step))).Where(x => x.Item2 is not null)
                .Select(x => $"{x.step} {(x.Item2!.Value - killed).TotalSeconds:0.0}");
            _output.WriteLine($"restart of {silo.Name}: {string.Join(", ", seen)}, /readyz {(at - killed).TotalSeconds:0.0} s after the kill");
        }
    }

    /// <summary>The membership rows as Orleans left them: status, last IAmAlive and who voted, for the test's output.</summary>
    private async Task WriteMembershipAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select silo_name, port, status, start_time, i_am_alive_time, suspect_times from orleans_membership where deployment_id = @c order by start_time", connection);
        command.Parameters.AddWithValue("c", ClusterId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            _output.WriteLine($"membership: {reader.GetString(0)} port {reader.GetInt32(1)} status {reader.GetInt32(2)} started {reader.GetDateTime(3):HH:mm:ss.f} alive {reader.GetDateTime(4):HH:mm:ss.f} suspects {(reader.IsDBNull(5) ? "-" : reader.GetString(5))}");
        }
    }

    private async Task DisconnectClientAsync()
    {
        if (_client is null)
        {
            return;
        }
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _client.StopAsync(stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException)
        {
        }
        _client.Dispose();
        _client = null;
    }

    /// <summary>The last lines of every silo's log, for a failed run's output.</summary>
    public void WriteLogTails(int lines)
    {
        foreach (var silo in Silos)
        {
            foreach (var line in silo.Lines.TakeLast(lines))
            {
                _output.WriteLine($"[{silo.Name}] {line}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisconnectClientAsync();
        await Task.WhenAll(Silos.Select(s => s.DisposeAsync().AsTask()));
        await Anvil.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
        await PostgresServer.DropDatabaseAsync(Database);
    }
}
