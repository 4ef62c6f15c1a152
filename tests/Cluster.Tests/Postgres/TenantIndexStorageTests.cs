using System.Security.Cryptography;
using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Postgres;

/// <summary>
/// The tenant's sequencer index on PostgreSQL: stored in pages, so a status move rewrites the one page that
/// holds it (not the tenant's state, not the other pages), within the flush delay or when the tenant is put
/// away, and a restarted cluster pages the same rows.
/// </summary>
public sealed class TenantIndexStorageTests
{
    [Fact]
    public async Task A_status_move_rewrites_only_its_own_page_and_survives_a_restart()
    {
        var db = await PostgresCluster.CreateMigratedDatabaseAsync();
        var addresses = Enumerable.Range(0, 25).Select(_ => new Address(RandomNumberGenerator.GetBytes(20))).ToList();
        var cluster = await PostgresCluster.StartAsync(db, silos: 1, configure: b => b.AddSiloBuilderConfigurator<SmallPages>());
        try
        {
            var tenant = cluster.Client.GetGrain<ITenantGrain>("hooli");
            await tenant.SaveAsync("Hooli");
            foreach (var address in addresses)
            {
                await tenant.RecordSequencerStatusAsync(address, SequencerStatus.None);
            }
            // New rows are written before the answer: 25 rows make pages of 10, 10 and 5.
            var before = await VersionsAsync(db);
            Assert.Equal(["tenant", "tenant-index-page-0", "tenant-index-page-1", "tenant-index-page-2"], before.Keys.Order(StringComparer.Ordinal));

            await tenant.RecordSequencerStatusAsync(addresses[12], SequencerStatus.Active);
            Assert.True(await Eventually.WaitAsync(async () => (await VersionsAsync(db))["tenant-index-page-1"] > before["tenant-index-page-1"], TimeSpan.FromSeconds(20)),
                "the moved sequencer's page was not written within the flush delay");
            var after = await VersionsAsync(db);
            Assert.Equal(before["tenant-index-page-0"], after["tenant-index-page-0"]);
            Assert.Equal(before["tenant-index-page-2"], after["tenant-index-page-2"]);
            Assert.Equal(before["tenant"], after["tenant"]);
            var head = await TenantSequencerIndexTests.ReadAsync<TenantIndexHead>(
                TenantSequencerIndexTests.Storage(cluster.Silos[0]), TenantIndexHead.StateName, GrainId.Create("tenant", "hooli"));
            Assert.Null(head.UnflushedSince);

            // A move the flush delay has not reached yet is written when the silo shuts down and puts the tenant away.
            await tenant.RecordSequencerStatusAsync(addresses[24], SequencerStatus.Queued);
        }
        finally
        {
            await cluster.StopAsync();
        }

        var restarted = await PostgresCluster.StartAsync(db, silos: 1, configure: b => b.AddSiloBuilderConfigurator<SmallPages>());
        try
        {
            var tenant = restarted.Client.GetGrain<ITenantGrain>("hooli");
            var all = await tenant.ListSequencersAsync(new SequencerQuery(null, "", 1, 50));
            Assert.Equal(addresses, all.Items.Select(i => i.Sequencer));
            var active = await tenant.ListSequencersAsync(new SequencerQuery(SequencerStatus.Active, "", 1, 50));
            Assert.Equal([addresses[12]], active.Items.Select(i => i.Sequencer));
            var queued = await tenant.ListSequencersAsync(new SequencerQuery(SequencerStatus.Queued, "", 1, 50));
            Assert.Equal([addresses[24]], queued.Items.Select(i => i.Sequencer));
            Assert.Equal(addresses, (await tenant.GetHoldingsAsync()).Sequencers);
        }
        finally
        {
            await restarted.StopAsync();
        }
    }

    private static async Task<Dictionary<string, int>> VersionsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select grain_type, version from orleans_storage where grain_type = 'tenant' or grain_type like 'tenant-index-page-%'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var versions = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            versions[reader.GetString(0)] = reader.GetInt32(1);
        }
        return versions;
    }

    /// <summary>Pages of ten rows and a five-second flush delay, so a test sees page boundaries and a pending move.</summary>
    public sealed class SmallPages : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.AddSingleton(new TenantIndexOptions { PageSize = 10, FlushDelay = TimeSpan.FromSeconds(5) });
    }
}
