using Hosting.Silo.Database;
using Hosting.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Hosting.Cluster.Tests.Postgres;

/// <summary>
/// A TestCluster whose silos keep membership, grain state and reminders in a fresh PostgreSQL database
/// of the run's server, through Orleans' own ADO.NET providers reading our schema (infra/postgres).
/// </summary>
public static class PostgresCluster
{
    internal const string ConnectionKey = "HostingTest:Postgres";

    /// <summary>A new database with the project's schema applied by the migrator the silo ships.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync("cluster");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource).MigrateAsync();
        return connectionString;
    }

    /// <summary>Starts <paramref name="silos"/> silos of one service on <paramref name="connectionString"/>.</summary>
    public static async Task<TestCluster> StartAsync(string connectionString, short silos, string serviceId = "hosting-test", string? clusterId = null, Action<TestClusterBuilder>? configure = null)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ServiceId = serviceId;
        builder.Options.ClusterId = clusterId ?? $"cluster-{Guid.NewGuid():N}"[..20];
        builder.Properties[ConnectionKey] = connectionString;
        builder.AddSiloBuilderConfigurator<SiloOnPostgres>();
        builder.AddClientBuilderConfigurator<ClientOnPostgres>();
        configure?.Invoke(builder);
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Stops the client and every silo before disposing, as Orleans' notes advise.</summary>
    public static async Task StopAsync(this TestCluster cluster)
    {
        await cluster.StopClusterClientAsync();
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }

    public static async Task<T> QueryScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<List<(string Name, int Status)>> MembershipAsync(string connectionString, string clusterId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select silo_name, status from orleans_membership where deployment_id = @c order by silo_name", connection);
        command.Parameters.AddWithValue("c", clusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, int)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1)));
        }
        return rows;
    }

    public sealed class SiloOnPostgres : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[ConnectionKey]
                ?? throw new InvalidOperationException($"{ConnectionKey} missing from the test cluster's configuration");
            siloBuilder.UsePostgres(connectionString);
            siloBuilder.Services.AddSingleton(TimeProvider.System);
            // Fast liveness so a killed silo is declared dead in seconds, and reminders short enough to test.
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
            siloBuilder.Configure<ReminderOptions>(o =>
            {
                o.MinimumReminderPeriod = TimeSpan.FromSeconds(1);
                o.RefreshReminderListPeriod = TimeSpan.FromSeconds(2);
            });
        }
    }

    public sealed class ClientOnPostgres : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            var connectionString = configuration[ConnectionKey]
                ?? throw new InvalidOperationException($"{ConnectionKey} missing from the test cluster's configuration");
            clientBuilder.UseAdoNetClustering(o =>
            {
                o.Invariant = PostgresOrleans.Invariant;
                o.ConnectionString = connectionString;
            });
        }
    }
}
