using System.Numerics;
using Hosting.Cluster.Tests.Keys;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Transactions;
using Hosting.Grains;
using Hosting.L1.Crypto;
using Hosting.Signing;
using Hosting.Silo.Database;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Postgres;

/// <summary>
/// The pool's reservation and the slot's block record commit with synchronous_commit = off (GrainStorage
/// .OrderedBeforeDurableCommit); these tests show when the silo allows it and that the signing gate's durable commit
/// makes such a write survive a PostgreSQL crash — and that without a durable commit after it, it does not.
/// </summary>
public sealed class AsynchronousCommitTests
{
    private const string GateKey = "HostingTest:Gate";
    private const string SettingKey = "HostingTest:AsynchronousCommits";
    private const string Tenant = "acme";

    [Fact]
    public async Task The_silo_commits_ordered_writes_asynchronously_only_when_the_gate_is_on_the_grain_storage_server()
    {
        var storage = await PostgresCluster.CreateMigratedDatabaseAsync();
        await using var other = await ThrowawayPostgres.StartAsync();
        var gateApart = await CreateMigratedDatabaseAsync(other, "gate");

        // The check itself: both storage sessions are found by the gate's connection only on the same server.
        await using (var sameGate = NpgsqlDataSource.Create(storage))
        {
            var same = await CommitOrderCheck.CheckAsync(storage, CommitOrderCheck.Asynchronous(storage), sameGate);
            Assert.True(same.Allowed, same.Reason);
        }
        await using (var apartGate = NpgsqlDataSource.Create(gateApart))
        {
            var apart = await CommitOrderCheck.CheckAsync(storage, CommitOrderCheck.Asynchronous(storage), apartGate);
            Assert.False(apart.Allowed);
            Assert.Contains("not on the same PostgreSQL server", apart.Reason);
        }

        // And the silos as they start: the same check decides, and a silo whose gate is elsewhere writes durably, as
        // does one told not to (Hosting:Storage:AsynchronousCommits=false) with its gate on the same server.
        Assert.True(await SiloCommitsAsynchronouslyAsync(storage, gate: storage));
        Assert.False(await SiloCommitsAsynchronouslyAsync(storage, gate: gateApart));
        Assert.False(await SiloCommitsAsynchronouslyAsync(storage, gate: storage, asynchronousCommits: false));
    }

    [Fact]
    public async Task A_reservation_made_before_the_gate_signed_survives_a_postgres_crash()
    {
        var (reservedAfterCrash, pendingAfterCrash, signaturesAfterCrash) = await ReserveSignAndCrashAsync(reserveFirst: true);

        Assert.True(reservedAfterCrash, "the slot's reservation, made before the gate's signature, was lost in the crash");
        Assert.Equal(0, pendingAfterCrash);
        Assert.Equal(1, signaturesAfterCrash);
    }

    [Fact]
    public async Task A_reservation_made_after_the_gate_signed_is_lost_in_a_postgres_crash()
    {
        // The negative of the test above: the same asynchronous write, with no durable commit after it, does not
        // survive. It is what the order of the writes (record first, then the gate) protects against.
        var (reservedAfterCrash, pendingAfterCrash, signaturesAfterCrash) = await ReserveSignAndCrashAsync(reserveFirst: false);

        Assert.False(reservedAfterCrash, "the asynchronous reservation survived without a durable commit after it: the crash did not lose the WAL buffers, so this test cannot tell the orders apart");
        Assert.Equal(1, pendingAfterCrash);
        Assert.Equal(1, signaturesAfterCrash);
    }

    /// <summary>
    /// One silo on a throwaway server whose WAL writer is paused (so nothing but a commit that waits for its flush
    /// writes the WAL out), the signing gate on the same database: a transaction accepted (durable), the slot's
    /// reservation and the gate's proposal signature in the order given, a PostgreSQL crash, and a fresh silo's view.
    /// </summary>
    private static async Task<(bool Reserved, int Pending, long Signatures)> ReserveSignAndCrashAsync(bool reserveFirst)
    {
        // No background writes that would flush the WAL behind the test's back: autovacuum, the background writer's
        // page writes and checkpoints are off or far away; the test pauses the WAL writer itself.
        await using var server = await ThrowawayPostgres.StartAsync("autovacuum=off", "bgwriter_lru_maxpages=0", "checkpoint_timeout=1h", "wal_writer_delay=10s");
        var database = await CreateMigratedDatabaseAsync(server, "crash");
        const ulong slot = 40;
        var serviceId = $"crash-{Guid.NewGuid():N}"[..14];
        var cluster = await StartAsync(database, database, serviceId);
        try
        {
            var services = ((InProcessSiloHandle)cluster.Silos[0]).SiloHost.Services;
            Assert.True(((OrderedGrainStorage)services.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name)).AsynchronousCommits);
            var (json, address) = CustodyKeys.NewKeystore("pw");
            await services.GetRequiredService<KeyCustody>().RegisterKeystoreAsync(Tenant, json, "pw", "test");
            var gate = services.GetRequiredService<ISigningGate>();
            var pool = cluster.GrainFactory.GetGrain<ITransactionPoolGrain>(ITransactionPoolGrain.Key);
            var blob = new byte[] { 1, 2, 3, 4 };
            Assert.True(await pool.AddAsync(new PooledTransaction(Keccak256.Hash(blob), new BigInteger(7), blob)));

            await server.PauseWalWriterAsync();
            Task Sign() => gate.SignAsync(new SigningRequest(Tenant, address, slot, Duty.Proposal, CustodyKeys.Proposal(slot, "tip"), $"slot/{slot}"));
            if (reserveFirst)
            {
                Assert.Single(await pool.ReserveAsync(slot));
                await Sign();
            }
            else
            {
                await Sign();
                Assert.Single(await pool.ReserveAsync(slot));
            }
            await server.CrashAsync();
            await server.StartServerAsync();
        }
        finally
        {
            await StopQuietlyAsync(cluster);
        }

        // What a silo started after the crash finds: the pool as PostgreSQL kept it, and the gate's record.
        var after = await StartAsync(database, database, serviceId);
        try
        {
            var view = await after.GrainFactory.GetGrain<ITransactionPoolGrain>(ITransactionPoolGrain.Key).GetAsync();
            var signatures = await PostgresCluster.QueryScalarAsync<long>(database, "select count(*) from signed_duties");
            return (view.ReservedBySlot.ContainsKey(slot), view.Pending, signatures);
        }
        finally
        {
            await StopQuietlyAsync(after);
        }
    }

    private static async Task<bool> SiloCommitsAsynchronouslyAsync(string storage, string gate, bool asynchronousCommits = true)
    {
        var cluster = await StartAsync(storage, gate, $"order-{Guid.NewGuid():N}"[..14], asynchronousCommits);
        try
        {
            var services = ((InProcessSiloHandle)cluster.Silos[0]).SiloHost.Services;
            return ((OrderedGrainStorage)services.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name)).AsynchronousCommits;
        }
        finally
        {
            await StopQuietlyAsync(cluster);
        }
    }

    private static async Task<string> CreateMigratedDatabaseAsync(ThrowawayPostgres server, string name)
    {
        await using (var admin = new NpgsqlConnection(server.ConnectionString()))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var database = server.ConnectionString(name);
        await using var dataSource = NpgsqlDataSource.Create(database);
        await new SchemaMigrator(dataSource).MigrateAsync();
        return database;
    }

    private static async Task<TestCluster> StartAsync(string storage, string gate, string serviceId, bool asynchronousCommits = true)
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ServiceId = serviceId;
        builder.Options.ClusterId = $"cluster-{Guid.NewGuid():N}"[..20];
        builder.Properties[PostgresCluster.ConnectionKey] = storage;
        builder.Properties[GateKey] = gate;
        builder.Properties[SettingKey] = asynchronousCommits ? "true" : "false";
        builder.AddSiloBuilderConfigurator<SiloWithGateAt>();
        builder.AddClientBuilderConfigurator<PostgresCluster.ClientOnPostgres>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    // A silo whose PostgreSQL went away and came back may fail to stop cleanly; what matters is that it is gone.
    private static async Task StopQuietlyAsync(TestCluster cluster)
    {
        try
        {
            await cluster.StopAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Grain storage, clustering and reminders on one database, the signing gate on another (or the same).</summary>
    public sealed class SiloWithGateAt : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            // Orleans' default liveness: its durable membership writes every 30 s stay out of the crash tests' window.
            siloBuilder.UsePostgres(siloBuilder.Configuration[PostgresCluster.ConnectionKey]!, siloBuilder.Configuration[SettingKey] != "false");
            siloBuilder.Services.AddSingleton(TimeProvider.System);
            siloBuilder.Services.AddSigningGate(siloBuilder.Configuration[GateKey]!, o => o.NodeName = $"silo-{Guid.NewGuid():N}"[..13]);
        }
    }
}
