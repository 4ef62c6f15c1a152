using Npgsql;

namespace Hosting.Silo.Database;

/// <summary>
/// Decides at silo start whether grain writes may commit asynchronously: only when a durable commit of the signing
/// gate is certain to flush them, i.e. when the asynchronous storage connection, the durable storage connection (the
/// publisher's records) and the gate's connection reach one and the same PostgreSQL primary, and the gate and the
/// durable storage do commit synchronously. A commit flushes the WAL up to its own record, which includes every
/// earlier commit of that server, and of no other.
/// </summary>
public static class CommitOrderCheck
{
    /// <summary>The answer: whether asynchronous commits are safe here, and why (logged once at start).</summary>
    public sealed record Result(bool Allowed, string Reason);

    /// <summary>
    /// Opens one connection of each storage with a unique <c>application_name</c> and looks for both in the gate's
    /// <c>pg_stat_activity</c>: a session is listed only by the server it runs on. A standby (<c>pg_is_in_recovery</c>)
    /// is refused, as is a server whose gate or durable sessions do not commit synchronously.
    /// </summary>
    public static async Task<Result> CheckAsync(string durableStorage, string asynchronousStorage, NpgsqlDataSource gate, CancellationToken cancellationToken = default)
    {
        var probe = $"hosting-commit-order-{Guid.NewGuid():N}";
        try
        {
            await using var durable = await OpenProbeAsync(durableStorage, probe + "-d", cancellationToken);
            await using var asynchronous = await OpenProbeAsync(asynchronousStorage, probe + "-a", cancellationToken);
            var durableSetting = await SettingAsync(durable, cancellationToken);
            var asynchronousSetting = await SettingAsync(asynchronous, cancellationToken);
            await using var connection = await gate.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                """
                select pg_is_in_recovery(),
                       current_setting('synchronous_commit'),
                       (select count(*) from pg_stat_activity where application_name = @d),
                       (select count(*) from pg_stat_activity where application_name = @a)
                """, connection);
            command.Parameters.AddWithValue("d", probe + "-d");
            command.Parameters.AddWithValue("a", probe + "-a");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var (standby, gateSetting, seesDurable, seesAsynchronous) = (reader.GetBoolean(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
            if (standby)
            {
                return new(false, "the signing gate's server is a standby (pg_is_in_recovery)");
            }
            if (seesDurable != 1 || seesAsynchronous != 1)
            {
                return new(false, "grain storage and the signing gate are not on the same PostgreSQL server (the gate's pg_stat_activity does not list the storage's probe sessions)");
            }
            if (gateSetting == "off" || durableSetting == "off")
            {
                return new(false, $"the signing gate's or the durable storage's sessions do not commit synchronously (synchronous_commit: gate {gateSetting}, storage {durableSetting}), so no durable commit would flush the asynchronous ones");
            }
            if (asynchronousSetting != "off")
            {
                return new(false, $"the asynchronous storage's sessions run with synchronous_commit = {asynchronousSetting}, not off");
            }
            return new(true, "grain storage and the signing gate share one PostgreSQL primary");
        }
        catch (NpgsqlException e)
        {
            return new(false, $"the check could not run: {e.Message}");
        }
    }

    /// <summary>The asynchronous storage's connection string: the durable one with <c>-c synchronous_commit=off</c> added to its Options.</summary>
    public static string Asynchronous(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = $"{builder.Options} -c synchronous_commit=off".Trim();
        return builder.ConnectionString;
    }

    private static async Task<NpgsqlConnection> OpenProbeAsync(string connectionString, string applicationName, CancellationToken cancellationToken)
    {
        // Its own pool (the name is in the connection string), dropped when it closes: the probe leaves nothing behind.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName, Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task<string> SettingAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select current_setting('synchronous_commit')", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
