using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;
using Npgsql;
using NpgsqlTypes;

namespace Hosting.Signing.Safety;

/// <summary>
/// The transaction-scoped advisory locks that order everything touching a key's safety record. A lock id is
/// the first 8 bytes of keccak256 of fixed text ("signing-key:0x…", "signing-stop:tenant"), so every process
/// and any future tool derives the same id. Order is always: stop locks (shared by signatures, exclusive for
/// a stop), then key locks in ascending id order, so two batches never wait on each other in a cycle; once an
/// emergency stop commits, no signature that began before it is still running.
/// </summary>
internal static class SafetyLocks
{
    public const string AllTenants = "*";

    // Every batch names its keys' and tenants' locks: derived once per process, not per batch.
    private static readonly ConcurrentDictionary<Address, long> KeyLocks = new();
    private static readonly ConcurrentDictionary<string, long> StopLocks = new(StringComparer.Ordinal);

    public static long KeyLock(Address key) => KeyLocks.GetOrAdd(key, static k => Id($"signing-key:{k}"));

    public static long StopLock(string? tenant) => StopLocks.GetOrAdd(tenant ?? AllTenants, static t => Id($"signing-stop:{t}"));

    /// <summary>A key's own lock, for custody actions (register, stop, delete, watermark, history import).</summary>
    public static async Task LockKeyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Address key, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "select pg_advisory_xact_lock($1)", Id(KeyLock(key)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A stop scope's lock taken exclusively: waits for every signature of that scope in flight.</summary>
    public static async Task LockStopScopeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string? tenant, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "select pg_advisory_xact_lock($1)", Id(StopLock(tenant)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static long Id(string text) => BinaryPrimitives.ReadInt64BigEndian(Keccak256.Hash(Encoding.UTF8.GetBytes(text)).ToArray());

    private static NpgsqlParameter<long> Id(long value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Bigint };

    private static NpgsqlParameter<long[]> Ids(long[] values) => new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };
}
