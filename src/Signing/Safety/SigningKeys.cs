using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Npgsql;

namespace Hosting.Signing.Safety;

/// <summary>Data access for the table signing_keys, and nothing else.</summary>
internal static class SigningKeys
{
    private const string Columns = "address, tenant, backend, key_reference, status, low_watermark, purpose";

    public static NpgsqlBatchCommand Find(Address address) => Sql.Command(
        $"select {Columns} from signing_keys where address = $1", Sql.Bytes(address));

    public static async Task<SigningKey?> ReadFoundAsync(NpgsqlDataReader reader, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken) ? Read(reader) : null;

    public static async Task<SigningKey?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Address address, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, $"select {Columns} from signing_keys where address = $1", Sql.Bytes(address));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadFoundAsync(reader, cancellationToken);
    }

    public static async Task<List<SigningKey>> ListAsync(NpgsqlConnection connection, string? tenant, CancellationToken cancellationToken)
    {
        await using var command = tenant is null
            ? Sql.Command(connection, null, $"select {Columns} from signing_keys order by address")
            : Sql.Command(connection, null, $"select {Columns} from signing_keys where tenant = $1 order by address", Sql.Text(tenant));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<SigningKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader));
        }
        return keys;
    }

    /// <summary>The encrypted keystore JSON of a keystore key, or null.</summary>
    public static async Task<string?> FindKeystoreAsync(NpgsqlConnection connection, Address address, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, null, "select keystore from signing_keys where address = $1", Sql.Bytes(address));
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// Registers a key as active, or re-activates a deleted one (its history never left). The caller has
    /// checked under the key lock that the address is not another tenant's live key.
    /// </summary>
    public static async Task SaveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Address address, string tenant, SigningBackend backend, string keyReference, string? keystore, KeyPurpose purpose, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "insert into signing_keys (address, tenant, backend, key_reference, keystore, status, purpose) values ($1, $2, $3, $4, $5, 'active', $6) " +
            "on conflict (address) do update set tenant = excluded.tenant, backend = excluded.backend, key_reference = excluded.key_reference, " +
            "keystore = excluded.keystore, status = 'active', purpose = excluded.purpose, updated_at = now()",
            Sql.Bytes(address), Sql.Text(tenant), Sql.Text(KeyNames.Of(backend)), Sql.Text(keyReference), Sql.Text(keystore, nullable: true), Sql.Text(KeyNames.Of(purpose)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sets the status; deleting also drops the keystore ciphertext, since the key leaves the platform.</summary>
    public static async Task SetStatusAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Address address, KeyStatus status, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            status == KeyStatus.Deleted
                ? "update signing_keys set status = $2, keystore = null, updated_at = now() where address = $1"
                : "update signing_keys set status = $2, updated_at = now() where address = $1",
            Sql.Bytes(address), Sql.Text(KeyNames.Of(status)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task SetWatermarkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Address address, ulong? watermark, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            "update signing_keys set low_watermark = $2, updated_at = now() where address = $1", Sql.Bytes(address), Sql.NullableSlot(watermark));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SigningKey Read(NpgsqlDataReader reader) => new(
        Sql.ReadAddress(reader, 0),
        reader.GetString(1),
        KeyNames.ParseBackend(reader.GetString(2)),
        reader.GetString(3),
        KeyNames.ParseStatus(reader.GetString(4)),
        Sql.ReadNullableSlot(reader, 5),
        KeyNames.ParsePurpose(reader.GetString(6)));
}
