using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Npgsql;

namespace Hosting.Signing.Safety;

/// <summary>One row of signed_duties: what a key signed for one (slot, duty), committed before it left.</summary>
public sealed record SignedDutyRecord(
    Address Sequencer,
    ulong Slot,
    Duty Duty,
    Hash32 PayloadHash,
    Signature Signature,
    ReadOnlyMemory<byte> Payload,
    string SignerNode,
    DateTimeOffset SignedAt);

/// <summary>Data access for the table signed_duties, and nothing else.</summary>
internal static class SignedDuties
{
    private const string Columns = "sequencer, slot, duty, payload_hash, signature, payload, signer_node, signed_at";

    /// <summary>Every record of one key, oldest slot first.</summary>
    public static async Task<List<SignedDutyRecord>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Address sequencer, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            $"select {Columns} from signed_duties where sequencer = $1 order by slot, duty", Sql.Bytes(sequencer));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<SignedDutyRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(Read(reader));
        }
        return records;
    }

    /// <summary>What an imported record met: nothing (added), the same record, or a different one (kept, and returned).</summary>
    public enum ImportKind { Added, AlreadyPresent, Conflict }

    public sealed record ImportOutcome(ImportKind Kind, SignedDutyRecord? Stored);

    /// <summary>Adds a record that was signed elsewhere (an interchange import); a stored record is never replaced.</summary>
    public static async Task<ImportOutcome> AddImportedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SignedDutyRecord record, CancellationToken cancellationToken)
    {
        await using (var insert = Sql.Command(connection, transaction,
            "insert into signed_duties (sequencer, slot, duty, payload_hash, signature, payload, signer_node, signed_at) " +
            "values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (sequencer, slot, duty) do nothing",
            Sql.Bytes(record.Sequencer), Sql.Slot(record.Slot), Sql.Text(DutyNames.Of(record.Duty)), Sql.Bytes(record.PayloadHash),
            Sql.Bytes(record.Signature.ToArray()), Sql.Bytes(record.Payload.ToArray()), Sql.Text(record.SignerNode),
            new NpgsqlParameter<DateTimeOffset> { TypedValue = record.SignedAt }))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return new ImportOutcome(ImportKind.Added, null);
            }
        }
        await using var find = Sql.Command(connection, transaction,
            $"select {Columns} from signed_duties where sequencer = $1 and slot = $2 and duty = $3",
            Sql.Bytes(record.Sequencer), Sql.Slot(record.Slot), Sql.Text(DutyNames.Of(record.Duty)));
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var stored = Read(reader);
        return new ImportOutcome(stored.PayloadHash == record.PayloadHash ? ImportKind.AlreadyPresent : ImportKind.Conflict, stored);
    }

    private static SignedDutyRecord Read(NpgsqlDataReader reader) => new(
        Sql.ReadAddress(reader, 0),
        (ulong)reader.GetInt64(1),
        DutyNames.Parse(reader.GetString(2)),
        Sql.ReadHash(reader, 3),
        Signature.FromBytes(reader.GetFieldValue<byte[]>(4)),
        reader.GetFieldValue<byte[]>(5),
        reader.GetString(6),
        reader.GetFieldValue<DateTimeOffset>(7));
}
