using Hosting.Contracts.Domain;
using Npgsql;

namespace Hosting.Signing.Safety;

/// <summary>
/// The transaction-scoped advisory locks that order everything touching a key's safety record. The keys are
/// computed by PostgreSQL from fixed text so every process (and any future tool) derives the same lock.
/// Order is always: all-tenants stop lock, tenant stop lock, key lock; a stop takes its lock exclusively, a
/// signature shares it, so once an emergency stop commits no signature that began before it is still running.
/// </summary>
internal static class SafetyLocks
{
    private const string AllTenants = "*";

    /// <summary>What a signature holds: both stop locks shared, the key's lock exclusively.</summary>
    public static NpgsqlBatchCommand ForSigning(string tenant, Address key) => Sql.Command(
        "select pg_advisory_xact_lock_shared(hashtextextended('signing-stop:*', 0)), " +
        "pg_advisory_xact_lock_shared(hashtextextended('signing-stop:' || $1, 0)), " +
        "pg_advisory_xact_lock(hashtextextended('signing-key:' || encode($2, 'hex'), 0))",
        Sql.Text(tenant), Sql.Bytes(key));

    /// <summary>A key's own lock, for custody actions (stop, delete, watermark, history import).</summary>
    public static async Task LockKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Address key, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "select pg_advisory_xact_lock(hashtextextended('signing-key:' || encode($1, 'hex'), 0))", Sql.Bytes(key));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A stop scope's lock taken exclusively: waits for every signature of that scope in flight.</summary>
    public static async Task LockStopScopeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "select pg_advisory_xact_lock(hashtextextended('signing-stop:' || $1, 0))", Sql.Text(tenant ?? AllTenants));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
