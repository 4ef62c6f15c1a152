using System.Net;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Grains.L1;
using Hosting.Signing;
using Hosting.Silo.Configuration;
using Hosting.Silo.Keys;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hosting.Cluster.Tests.Keys;

/// <summary>
/// A silo's key load reads the key list, then rewrites its rows in key_holders (which silos can sign with a key).
/// A key imported through the silo while a load is under way must stay listed: other silos route its duties by
/// that row, and the next load may be minutes away.
/// </summary>
public sealed class HostedKeysTests
{
    private const string Tenant = "acme";

    [Fact]
    public async Task A_key_imported_while_a_load_is_writing_the_directory_stays_listed_as_held_here()
    {
        var database = await PostgresCluster.CreateMigratedDatabaseAsync();
        await using var services = new ServiceCollection().AddLogging().AddSigningGate(database, o => o.NodeName = "hosted-keys-test").BuildServiceProvider();
        var dataSource = services.GetRequiredKeyedService<NpgsqlDataSource>(SigningServiceCollectionExtensions.DataSourceKey);
        var custody = services.GetRequiredService<KeyCustody>();
        var directory = new KeyHolderDirectory(dataSource, new OneSilo());
        var accounts = new AccountKeys();
        // One load at start, then none for an hour: whatever that load leaves in key_holders stays.
        var hosted = new HostedKeys(custody, accounts, new KeysOptions { ReloadSeconds = 3600 }, NullLogger<HostedKeys>.Instance, directory);

        // Hold the first load between reading the (still empty) key list and writing its rows: it writes this silo's
        // backends first, and that table is locked here.
        await using var blocker = new NpgsqlConnection(database);
        await blocker.OpenAsync();
        var held = await blocker.BeginTransactionAsync();
        await new NpgsqlCommand("lock table key_backends in access exclusive mode", blocker, held).ExecuteNonQueryAsync();
        await hosted.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await Eventually.WaitAsync(() => LoadWaitsOnLockAsync(database), TimeSpan.FromSeconds(30)),
                "the key load never reached the locked key_backends table");

            // A key is imported through this silo while the load waits, and gets a moment to publish its own row.
            var (json, address) = CustodyKeys.NewKeystore("correct horse");
            await custody.RegisterKeystoreAsync(Tenant, json, "correct horse", "operator@acme");
            await CustodyKeys.ListedAsync(database, address, TimeSpan.FromSeconds(2));

            // The load goes on and finishes with a list that predates the key.
            await held.RollbackAsync();
            Assert.True(await Eventually.WaitAsync(() => Task.FromResult(hosted.State.Loaded), TimeSpan.FromSeconds(30)), "the key load never finished");

            // The key is listed as held here, and hosted as a sequencer, once the silo's writes are done.
            Assert.True(await CustodyKeys.ListedAsync(database, address, TimeSpan.FromSeconds(10)),
                "key_holders lost the key imported during the load: other silos would not route its duties here until the next load");
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            Assert.Equal([directory.Silo], await CustodyKeys.HoldersAsync(database, address));
            Assert.True(accounts.HostsSequencer(address), "the key imported during the load is not hosted here");
            Assert.True(hosted.CanSignHere(address));
        }
        finally
        {
            await hosted.StopAsync(CancellationToken.None);
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    /// <summary>Whether a session of <paramref name="database"/> waits for a lock on key_backends.</summary>
    private static async Task<bool> LoadWaitsOnLockAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%key_backends%'", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>The silo the directory writes for: an address only, no running silo.</summary>
    private sealed class OneSilo : ILocalSiloDetails
    {
        public string Name => "hosted-keys-test";
        public string ClusterId => "hosting-test";
        public string DnsHostName => "localhost";
        public SiloAddress SiloAddress { get; } = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
        public SiloAddress GatewayAddress => SiloAddress;
    }
}
