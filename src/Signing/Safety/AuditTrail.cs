using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Npgsql;

namespace Hosting.Signing.Safety;

/// <summary>
/// One line of the audit trail: who asked for what, the outcome and why. Built only from identifiers,
/// hashes and messages that never contain key material or passwords.
/// </summary>
public sealed record AuditEntry(
    string Action,
    string Outcome,
    string? Reason,
    string? Tenant,
    string RequestedBy,
    Address? Sequencer = null,
    ulong? Slot = null,
    Duty? Duty = null,
    Hash32? PayloadHash = null,
    string Detail = "");

/// <summary>
/// A stored audit line with its id, time and the node that wrote it. A refusal asked again for the same key, slot,
/// duty, prover and reason counts up <paramref name="Repeats"/> on its first line, last at <paramref name="LastSeenAt"/>.
/// </summary>
public sealed record AuditRecord(long Id, DateTimeOffset At, string Node, AuditEntry Entry, int Repeats = 1, DateTimeOffset? LastSeenAt = null);

/// <summary>Data access for the table signing_audit, and nothing else.</summary>
internal static class AuditTrail
{
    public static NpgsqlBatchCommand Insert(AuditEntry entry, string node) => Sql.Command(
        "insert into signing_audit (action, outcome, reason, tenant, requested_by, sequencer, slot, duty, payload_hash, detail, node) " +
        "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        Sql.Text(entry.Action), Sql.Text(entry.Outcome), Sql.Text(entry.Reason, nullable: true), Sql.Text(entry.Tenant, nullable: true),
        Sql.Text(entry.RequestedBy), Sql.NullableBytes(entry.Sequencer?.ToArray()), Sql.NullableSlot(entry.Slot),
        Sql.Text(entry.Duty is { } duty ? DutyNames.Of(duty) : null, nullable: true), Sql.NullableBytes(entry.PayloadHash?.ToArray()),
        Sql.Text(entry.Detail), Sql.Text(node));

    public static async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, AuditEntry entry, string node, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Insert(entry, node));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The newest lines first, optionally for one sequencer.</summary>
    public static async Task<List<AuditRecord>> ListAsync(NpgsqlConnection connection, Address? sequencer, int limit, CancellationToken cancellationToken)
    {
        const string columns = "id, at, node, action, outcome, reason, tenant, requested_by, sequencer, slot, duty, payload_hash, detail, repeats, last_seen_at";
        await using var command = sequencer is { } address
            ? Sql.Command(connection, null, $"select {columns} from signing_audit where sequencer = $1 order by id desc limit $2", Sql.Bytes(address), new NpgsqlParameter<int> { TypedValue = limit })
            : Sql.Command(connection, null, $"select {columns} from signing_audit order by id desc limit $1", new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var entry = new AuditEntry(
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetString(7),
                reader.IsDBNull(8) ? null : Sql.ReadAddress(reader, 8),
                Sql.ReadNullableSlot(reader, 9),
                reader.IsDBNull(10) ? null : DutyNames.Parse(reader.GetString(10)),
                reader.IsDBNull(11) ? null : Sql.ReadHash(reader, 11),
                reader.GetString(12));
            records.Add(new AuditRecord(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), entry,
                reader.GetInt32(13), reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14)));
        }
        return records;
    }
}
