using System.Net;
using System.Net.Sockets;
using Hosting.TestKit;
using Npgsql;

namespace Hosting.Cluster.Tests.Postgres;

/// <summary>
/// What a silo starting on a membership table that still lists dead silos as Active does (src/Silo/Database/StaleSiloEviction.cs):
/// a row whose heartbeat is stale and whose silo port refuses connections is declared dead by the starting silo at once;
/// a row as stale whose port accepts connections is not, and is left to Orleans' own probes and votes.
/// </summary>
public sealed class StaleSiloEvictionTests
{
    private const int Active = 3;
    private const int Dead = 6;

    [Fact]
    public async Task A_starting_silo_declares_a_silent_stale_row_dead_and_leaves_one_that_accepts_connections_to_Orleans_probes()
    {
        var db = await PostgresCluster.CreateMigratedDatabaseAsync();
        var clusterId = $"stale-{Guid.NewGuid():N}"[..16];
        using var listening = new TcpListener(IPAddress.Loopback, 0);
        listening.Start();
        var answeringPort = ((IPEndPoint)listening.LocalEndpoint).Port;
        var silentPort = FreePort.Next();
        // Silos that wrote their last heartbeat ten minutes ago, as after a power loss of the whole cluster.
        await InsertActiveRowAsync(db, clusterId, "gone", silentPort);
        await InsertActiveRowAsync(db, clusterId, "answering", answeringPort);

        var cluster = await PostgresCluster.StartAsync(db, silos: 1, clusterId: clusterId);
        try
        {
            var rows = await RowsAsync(db, clusterId);
            var self = rows.Single(r => r.Name == cluster.Silos[0].Name);
            Assert.Equal(Active, self.Status);
            var gone = rows.Single(r => r.Name == "gone");
            Assert.Equal(Dead, gone.Status);
            // One entry: the starting silo declared it without a vote first.
            var declaredBy = Assert.Single(gone.Suspecters);
            Assert.StartsWith($"127.0.0.1:{self.Port}@", declaredBy, StringComparison.Ordinal);
            // Accepting connections is a sign of life: the row went only through Orleans' probes, whose vote comes before the declaration.
            var answering = rows.Single(r => r.Name == "answering");
            Assert.True(answering.Status == Active || answering.Suspecters.Count >= 2,
                $"the row whose port accepts connections was declared dead without Orleans' vote: status {answering.Status}, suspecters {string.Join(" | ", answering.Suspecters)}");
        }
        finally
        {
            await cluster.StopAsync();
        }
    }

    private static async Task InsertActiveRowAsync(string db, string clusterId, string name, int port)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            insert into orleans_membership_version (deployment_id, version) values (@c, 1) on conflict do nothing;
            insert into orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
            values (@c, '127.0.0.1', @port, 100, @name, 'powered-off', 3, 0, now() - interval '20 minutes', now() - interval '10 minutes');
            update orleans_membership_version set version = version + 1 where deployment_id = @c;
            """, connection);
        command.Parameters.AddWithValue("c", clusterId);
        command.Parameters.AddWithValue("port", port);
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<(string Name, int Port, int Status, List<string> Suspecters)>> RowsAsync(string db, string clusterId)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select silo_name, port, status, suspect_times from orleans_membership where deployment_id = @c", connection);
        command.Parameters.AddWithValue("c", clusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, int, int, List<string>)>();
        while (await reader.ReadAsync())
        {
            var suspecters = reader.IsDBNull(3) ? [] : reader.GetString(3).Split('|', StringSplitOptions.RemoveEmptyEntries).ToList();
            rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), suspecters));
        }
        return rows;
    }
}
