using Hosting.Contracts.Tenants;
using Hosting.Grains;
using Hosting.Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Postgres;

/// <summary>
/// Orleans' ADO.NET providers running on our PostgreSQL schema: membership, grain storage and reminders,
/// each checked through the providers themselves and in the tables they write.
/// </summary>
public sealed class PostgresProviderTests
{
    private const int Active = 3;
    private const int Dead = 6;

    [Fact]
    public async Task Silos_join_through_the_membership_table_and_a_killed_silo_is_declared_dead()
    {
        var db = await PostgresCluster.CreateMigratedDatabaseAsync();
        var cluster = await PostgresCluster.StartAsync(db, silos: 2);
        try
        {
            var clusterId = cluster.Options.ClusterId;
            var joined = await PostgresCluster.MembershipAsync(db, clusterId);
            Assert.Equal(2, joined.Count);
            Assert.All(joined, row => Assert.Equal(Active, row.Status));

            var victim = cluster.Silos[1];
            await cluster.KillSiloAsync(victim);

            var declared = await Eventually.WaitAsync(async () =>
            {
                var rows = await PostgresCluster.MembershipAsync(db, clusterId);
                return rows.Single(r => r.Name == victim.Name).Status == Dead;
            }, TimeSpan.FromSeconds(60));
            Assert.True(declared, "the killed silo was never declared dead in orleans_membership");
            var survivors = await PostgresCluster.MembershipAsync(db, clusterId);
            Assert.Equal(Active, survivors.Single(r => r.Name == cluster.Silos[0].Name).Status);

            // The cluster still serves grains on the surviving silo, once the client's and the survivor's views
            // of the table have caught up (a call placed just before may still head for the dead silo).
            var tenant = cluster.Client.GetGrain<ITenantGrain>("after-kill");
            TenantProfile? saved = null;
            for (var attempt = 0; saved is null; attempt++)
            {
                try
                {
                    saved = await tenant.SaveAsync("Still here").WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception e) when (attempt < 5 && e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2));
                }
            }
            Assert.Equal("Still here", saved.DisplayName);
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    [Fact]
    public async Task Grain_state_survives_a_cluster_restart_and_a_stale_etag_is_refused()
    {
        var db = await PostgresCluster.CreateMigratedDatabaseAsync();
        var cluster = await PostgresCluster.StartAsync(db, silos: 1);
        try
        {
            await cluster.Client.GetGrain<ITenantGrain>("acme").SaveAsync("Acme Staking");
            Assert.Equal(1L, await PostgresCluster.QueryScalarAsync<long>(db, "select count(*) from orleans_storage where payload is not null and grain_type = 'tenant'"));

            // Two readers of the same state: the first write wins, the second holds a stale etag.
            var storage = ((InProcessSiloHandle)cluster.Silos[0]).SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);
            var grainId = GrainId.Create("tenant", "etag-race");
            const string stateName = "tenant";
            var first = new GrainState<TenantState>();
            var second = new GrainState<TenantState>();
            await storage.ReadStateAsync(stateName, grainId, first);
            await storage.ReadStateAsync(stateName, grainId, second);
            first.State = new TenantState { DisplayName = "first" };
            await storage.WriteStateAsync(stateName, grainId, first);
            second.State = new TenantState { DisplayName = "second" };
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, second));

            var reread = new GrainState<TenantState>();
            await storage.ReadStateAsync(stateName, grainId, reread);
            Assert.Equal("first", reread.State?.DisplayName);
            Assert.Equal(first.ETag, reread.ETag);

            // Clearing keeps the etag moving: a writer with the pre-clear etag is refused too.
            var beforeClear = first.ETag;
            await storage.ClearStateAsync(stateName, grainId, reread);
            Assert.False(reread.RecordExists);
            first.ETag = beforeClear;
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, grainId, first));
        }
        finally
        {
            await cluster.StopAsync();
        }

        // A new cluster on the same database reads what the old one wrote.
        var restarted = await PostgresCluster.StartAsync(db, silos: 1);
        try
        {
            var profile = await restarted.Client.GetGrain<ITenantGrain>("acme").GetAsync();
            Assert.Equal("Acme Staking", profile?.DisplayName);
        }
        finally
        {
            await restarted.StopAsync();
        }
    }

    [Fact]
    public async Task A_reminder_keeps_firing_after_the_silo_restarts()
    {
        var db = await PostgresCluster.CreateMigratedDatabaseAsync();
        var key = $"probe-{Guid.NewGuid():N}";
        var cluster = await PostgresCluster.StartAsync(db, silos: 1, serviceId: "reminders");
        try
        {
            await cluster.Client.GetGrain<IReminderProbeGrain>(key).StartAsync(TimeSpan.FromSeconds(1));
            Assert.True(await Eventually.WaitAsync(() => Task.FromResult(ReminderProbeGrain.Ticks.GetValueOrDefault(key) >= 1), TimeSpan.FromSeconds(30)),
                "the reminder never fired before the restart");
        }
        finally
        {
            await cluster.StopAsync();
        }
        Assert.Equal(1L, await PostgresCluster.QueryScalarAsync<long>(db, "select count(*) from orleans_reminders where service_id = 'reminders'"));

        ReminderProbeGrain.Ticks[key] = 0;
        // Nobody calls the grain: only the reminder table can wake it on the new silo.
        var restarted = await PostgresCluster.StartAsync(db, silos: 1, serviceId: "reminders");
        try
        {
            Assert.True(await Eventually.WaitAsync(() => Task.FromResult(ReminderProbeGrain.Ticks.GetValueOrDefault(key) >= 2), TimeSpan.FromSeconds(60)),
                "the reminder did not fire after the restart");
        }
        finally
        {
            await restarted.StopAsync();
        }
    }
}
