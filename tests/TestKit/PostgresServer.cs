using Npgsql;

namespace Hosting.TestKit;

/// <summary>
/// The PostgreSQL server that ./hosting test starts for the run (private port and data directory);
/// each fixture gets a fresh database of its own so tests never see each other's rows.
/// </summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "HOSTING_TEST_POSTGRES";

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? WithDefaultDatabase(value)
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. ./hosting test starts PostgreSQL and sets it; to run dotnet test by hand, point it at a server where you may create databases, e.g. Host=127.0.0.1;Port=5432;Username=postgres.");

    // Without a Database, Npgsql connects to the one named like the user, which initdb does not create.
    private static string WithDefaultDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Database ??= "postgres";
        return builder.ConnectionString;
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)].ToLowerInvariant();
        // initdb makes no database named after the user, so without one named the admin connection uses "postgres".
        var adminBuilder = new NpgsqlConnectionStringBuilder(AdminConnectionString);
        adminBuilder.Database ??= "postgres";
        await using (var admin = new NpgsqlConnection(adminBuilder.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Drops a database <see cref="CreateDatabaseAsync"/> made, with any session still in it. Fixtures call it when
    /// they are done: the autovacuum launcher starts a worker for every database once per naptime, so hundreds of
    /// leftover databases cost the server about a tenth of a core while idle (measured 2026-11-26: 100 ms of CPU per
    /// second with 267 databases, 0 with 3), which slows the tests after them and skews any bench on that server.
    /// </summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database
            ?? throw new ArgumentException("the connection string names no database", nameof(connectionString));
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
