using Hosting.Grains;
using Hosting.Signing;
using Npgsql;
using Orleans.Configuration;
using Orleans.Storage;

namespace Hosting.Silo.Database;

/// <summary>Orleans' clustering, grain storage and reminders on PostgreSQL (the schema of infra/postgres).</summary>
public static class PostgresOrleans
{
    /// <summary>The ADO.NET invariant of Npgsql; the providers find its factory by this name.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The ADO.NET storage every read, clear and ordinary write of <see cref="GrainStorage.Name"/> goes through.</summary>
    public const string DurableStorage = GrainStorage.Name + "-durable";

    /// <summary>The ADO.NET storage, same database, whose sessions commit with synchronous_commit = off.</summary>
    public const string AsynchronousStorage = GrainStorage.Name + "-asynchronous";

    /// <summary>How often a silo writes its membership heartbeat unless told otherwise (Hosting:Membership:HeartbeatSeconds).</summary>
    public static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Uses PostgreSQL at <paramref name="connectionString"/> for membership, the "hosting" grain storage and reminders.
    /// With <paramref name="asynchronousCommits"/>, writes a grain declares <see cref="GrainStorage.OrderedBeforeDurableCommit"/>
    /// skip the WAL flush once the start-up check (<see cref="CommitOrderCheck"/>) finds the signing gate on the same server.
    /// </summary>
    public static ISiloBuilder UsePostgres(this ISiloBuilder silo, string connectionString, bool asynchronousCommits = true, TimeSpan? heartbeat = null)
    {
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        // A silo that is starting validates connectivity with every row marked Active and may declare one dead only
        // once its heartbeat is NumMissedTableIAmAliveLimit (3) beats old; after all silos died at once, that age is
        // what a restart waits for. Probing (ProbeTimeout, NumMissedProbesLimit), which decides deaths in a running
        // cluster, keeps Orleans' defaults.
        silo.Configure<ClusterMembershipOptions>(o => o.IAmAliveTablePublishTimeout = heartbeat ?? DefaultHeartbeat);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StaleSiloEviction>();
        silo.AddAdoNetGrainStorage(DurableStorage, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        var asynchronous = CommitOrderCheck.Asynchronous(connectionString);
        if (asynchronousCommits)
        {
            silo.AddAdoNetGrainStorage(AsynchronousStorage, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = asynchronous;
            });
        }
        silo.Services.AddKeyedSingleton<IGrainStorage>(GrainStorage.Name, (provider, _) => new OrderedGrainStorage(
            provider.GetRequiredKeyedService<IGrainStorage>(DurableStorage),
            asynchronousCommits ? provider.GetRequiredKeyedService<IGrainStorage>(AsynchronousStorage) : null));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(provider => new CommitOrderStartup(
            (OrderedGrainStorage)provider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name),
            asynchronousCommits ? (connectionString, asynchronous) : null,
            provider.GetKeyedService<NpgsqlDataSource>(SigningServiceCollectionExtensions.DataSourceKey),
            provider.GetRequiredService<ILogger<OrderedGrainStorage>>()));
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        return silo;
    }

    /// <summary>Runs <see cref="CommitOrderCheck"/> once before grains run and logs the outcome with its reason.</summary>
    private sealed class CommitOrderStartup(
        OrderedGrainStorage storage,
        (string Durable, string Asynchronous)? connections,
        NpgsqlDataSource? gate,
        ILogger logger) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(CommitOrderStartup), ServiceLifecycleStage.ApplicationServices, StartAsync);

        private async Task StartAsync(CancellationToken cancellationToken)
        {
            if (connections is not { } c)
            {
                logger.LogInformation("Grain storage: every write commits durably (Hosting:Storage:AsynchronousCommits is false)");
                return;
            }
            if (gate is null)
            {
                logger.LogWarning("Grain storage: every write commits durably: this silo has no signing gate whose durable commit would flush asynchronous ones");
                return;
            }
            var result = await CommitOrderCheck.CheckAsync(c.Durable, c.Asynchronous, gate, cancellationToken);
            if (result.Allowed)
            {
                storage.Allow();
                logger.LogInformation("Grain storage: writes ordered before a durable commit commit asynchronously: {Reason}", result.Reason);
            }
            else
            {
                logger.LogWarning("Grain storage: every write commits durably: {Reason}", result.Reason);
            }
        }
    }
}
