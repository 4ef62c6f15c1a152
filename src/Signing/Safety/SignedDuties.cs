using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Npgsql;

namespace Hosting.Signing.Safety;

/// <summary>
/// One row of signed_duties: what a key signed for one (slot, duty, prover), committed before it left.
/// <paramref name="Prover"/> is the prover a commitment authorisation names; null for a proposal, and for an
/// authorisation recorded before provers were (030_signing_gate_per_prover.sql) or imported from a version 1 file.
/// </summary>
public sealed record SignedDutyRecord(
    Address Sequencer,
    ulong Slot,
    Duty Duty,
    Hash32 PayloadHash,
    Signature Signature,
    ReadOnlyMemory<byte> Payload,
    string SignerNode,
    DateTimeOffset SignedAt,
    Address? Prover = null);

/// <summary>Data access for the table signed_duties, and nothing else.</summary>
internal static class SignedDuties
{
    private const string Columns = "sequencer, slot, duty, payload_hash, signature, payload, signer_node, signed_at, prover";

    /// <summary>Every record of one key, oldest slot first.</summary>
    public static async Task<List<SignedDutyRecord>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Address sequencer, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction,
            $"select {Columns} from signed_duties where sequencer = $1 order by slot, duty, signed_at, prover", Sql.Bytes(sequencer));
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

    /// <summary>
    /// Adds a record that was signed elsewhere (an interchange import); a stored record is never replaced. A record
    /// is the same one as a stored record of its (slot, duty, prover); a commitment authorisation whose prover the
    /// file does not name (version 1) is the same as any stored authorisation of the slot with its payload, and is
    /// otherwise kept with the prover not recorded, which the gate judges conservatively.
    /// </summary>
    public static async Task<ImportOutcome> AddImportedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SignedDutyRecord record, CancellationToken cancellationToken)
    {
        var duty = Sql.Text(DutyNames.Of(record.Duty));
        if (record.Prover is null && record.Duty == Duty.CommitmentAuthorisation
            && await FindAsync(connection, transaction, record, "payload_hash = $4", Sql.Bytes(record.PayloadHash), cancellationToken) is { } same)
        {
            return new ImportOutcome(ImportKind.AlreadyPresent, same);
        }
        var prover = Sql.Bytes(record.Prover?.ToArray() ?? []);
        await using (var insert = Sql.Command(connection, transaction,
            "insert into signed_duties (sequencer, slot, duty, prover, payload_hash, signature, payload, signer_node, signed_at) " +
            "values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (sequencer, slot, duty, prover) do nothing",
            Sql.Bytes(record.Sequencer), Sql.Slot(record.Slot), duty, prover, Sql.Bytes(record.PayloadHash),
            Sql.Bytes(record.Signature.ToArray()), Sql.Bytes(record.Payload.ToArray()), Sql.Text(record.SignerNode),
            new NpgsqlParameter<DateTimeOffset> { TypedValue = record.SignedAt }))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return new ImportOutcome(ImportKind.Added, null);
            }
        }
        var stored = await FindAsync(connection, transaction, record, "prover = $4", Sql.Bytes(record.Prover?.ToArray() ?? []), cancellationToken)
            ?? throw new InvalidOperationException($"signed_duties refused {record.Sequencer} slot {record.Slot} {DutyNames.Of(record.Duty)} as present, but holds no such row");
        return new ImportOutcome(stored.PayloadHash == record.PayloadHash ? ImportKind.AlreadyPresent : ImportKind.Conflict, stored);
    }

    private static async Task<SignedDutyRecord?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SignedDutyRecord record, string condition, NpgsqlParameter value, CancellationToken cancellationToken)
    {
        await using var find = Sql.Command(connection, transaction,
            $"select {Columns} from signed_duties where sequencer = $1 and slot = $2 and duty = $3 and {condition} limit 1",
            Sql.Bytes(record.Sequencer), Sql.Slot(record.Slot), Sql.Text(DutyNames.Of(record.Duty)), value);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static SignedDutyRecord Read(NpgsqlDataReader reader) => new(
        Sql.ReadAddress(reader, 0),
        (ulong)reader.GetInt64(1),
        DutyNames.Parse(reader.GetString(2)),
        Sql.ReadHash(reader, 3),
        Signature.FromBytes(reader.GetFieldValue<byte[]>(4)),
        reader.GetFieldValue<byte[]>(5),
        reader.GetString(6),
        reader.GetFieldValue<DateTimeOffset>(7),
        reader.GetFieldValue<byte[]>(8) is { Length: 20 } prover ? new Address(prover) : null);
}
