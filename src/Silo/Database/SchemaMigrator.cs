using System.Reflection;
using System.Security.Cryptography;
using Npgsql;

namespace Hosting.Silo.Database;

/// <summary>One schema script shipped in the silo (infra/postgres/NNN_name.sql).</summary>
public sealed record SchemaScript(string Name, string Sql)
{
    /// <summary>SHA-256 of the script text, hex: tells whether a recorded script has changed since.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>What one migration run did to a database.</summary>
public sealed record MigrationResult(IReadOnlyList<string> Applied, IReadOnlyList<string> AlreadyCurrent);

/// <summary>The database could not be brought to the current schema; the message names the script and the cause.</summary>
public sealed class SchemaMigrationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Applies the PostgreSQL schema (Orleans' clustering, storage and reminder tables with their OrleansQuery
/// rows, the signing gate, ...) in name order. Each script is idempotent; the runner records the checksum
/// of what it applied in <c>hosting_schema_migrations</c> and runs a script again only when it is new or
/// changed. Runs under an advisory lock, so several silos starting at once apply it exactly once.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource)
{
    // Any constant unique to this purpose: pg_advisory_lock takes one bigint key.
    private const long MigrationLockKey = 0x686f7374_6d696772; // "hostmigr"

    /// <summary>The scripts embedded in this build, in the order they apply.</summary>
    public static IReadOnlyList<SchemaScript> EmbeddedScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        const string prefix = "Hosting.Silo.Database.Sql.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new SchemaScript(n[prefix.Length..], Read(assembly, n)))
            .ToList();
    }

    /// <summary>Applies every embedded script that is new or changed.</summary>
    public Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default) =>
        MigrateAsync(EmbeddedScripts(), cancellationToken);

    /// <summary>Applies each of <paramref name="scripts"/> that is new or changed, in the order given.</summary>
    public async Task<MigrationResult> MigrateAsync(IReadOnlyList<SchemaScript> scripts, CancellationToken cancellationToken = default)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            throw new SchemaMigrationException($"Cannot reach PostgreSQL to migrate the schema ({Describe(dataSource)}): {e.Message}", e);
        }
        await using var _ = connection;
        await ExecuteAsync(connection, $"select pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, """
                create table if not exists hosting_schema_migrations (
                    name       text        primary key,
                    checksum   text        not null,
                    applied_at timestamptz not null default now())
                """, cancellationToken);
            var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
            await using (var read = new NpgsqlCommand("select name, checksum from hosting_schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    recorded[reader.GetString(0)] = reader.GetString(1);
                }
            }

            var applied = new List<string>();
            var current = new List<string>();
            foreach (var script in scripts)
            {
                if (recorded.TryGetValue(script.Name, out var checksum) && checksum == script.Checksum)
                {
                    current.Add(script.Name);
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                try
                {
                    await using (var apply = new NpgsqlCommand(script.Sql, connection, transaction))
                    {
                        await apply.ExecuteNonQueryAsync(cancellationToken);
                    }
                    await using (var record = new NpgsqlCommand("""
                        insert into hosting_schema_migrations (name, checksum) values (@name, @checksum)
                        on conflict (name) do update set checksum = excluded.checksum, applied_at = now()
                        """, connection, transaction))
                    {
                        record.Parameters.AddWithValue("name", script.Name);
                        record.Parameters.AddWithValue("checksum", script.Checksum);
                        await record.ExecuteNonQueryAsync(cancellationToken);
                    }
                    await transaction.CommitAsync(cancellationToken);
                }
                catch (PostgresException e)
                {
                    throw new SchemaMigrationException(
                        $"Schema script {script.Name} failed and was rolled back: {e.MessageText}" +
                        (e.Position > 0 ? $" (at character {e.Position})" : "") + ". Scripts before it stay applied.", e);
                }
                applied.Add(script.Name);
            }
            return new MigrationResult(applied, current);
        }
        finally
        {
            await ExecuteAsync(connection, $"select pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Describe(NpgsqlDataSource source)
    {
        var builder = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        return $"host {builder.Host}:{builder.Port}, database {builder.Database ?? builder.Username}";
    }
}
