using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Npgsql;

namespace Hosting.Signing.Safety;

/// <summary>One request as the database function signing_gate_decide judges it.</summary>
/// <param name="Prover">The prover of a commitment authorisation; null for a proposal (stored as '').</param>
/// <param name="Problem">Why the request is malformed, or null.</param>
/// <param name="Signature">A signature made before the call (keys that sign in this process), or null.</param>
/// <param name="Failure">How the backend failed to sign, or null.</param>
internal sealed record DecisionInput(
    string Tenant,
    string RequestedBy,
    Address Sequencer,
    ulong Slot,
    Duty Duty,
    Address? Prover,
    Hash32 PayloadHash,
    ReadOnlyMemory<byte> Payload,
    string? Problem,
    Signature? Signature,
    SigningBackend? SignedBy,
    string? Failure,
    int? TenantMaxProvers = null);

/// <summary>
/// What signing_gate_decide decided for one request: <c>granted</c>, <c>repeated</c>, <c>failed</c>, <c>to_sign</c>
/// (nothing written; sign under the locks and call again) or a refusal code (<c>SigningRefusals.Code</c>).
/// </summary>
internal sealed record DecisionRow(
    string Verdict,
    string? Detail,
    Hash32? StoredHash,
    Signature? Signature,
    string? SignerNode,
    DateTimeOffset? SignedAt,
    SigningBackend? KeyBackend,
    string? KeyReference);

/// <summary>
/// Data access for the function signing_gate_decide (infra/postgres/070_signing_gate_tenant_bound_and_repeats.sql),
/// which holds the rule, and its fast path signing_gate_decide_fast (080_signing_gate_fast_grants.sql).
/// </summary>
internal static class SigningDecisions
{
    /// <summary>The full rule (infra/postgres/070).</summary>
    public const string FullRule = "signing_gate_decide";

    /// <summary>
    /// The fast path (infra/postgres/080): one statement grants a batch it would grant whole, else the same call runs
    /// the full rule; its answers, records and audit lines are the full rule's.
    /// </summary>
    public const string FastPath = "signing_gate_decide_fast";

    // The two statements, fixed texts: prepared once per held connection each.
    private const string Columns = "select verdict, detail, stored_hash, signature, signer_node, signed_at, key_backend, key_reference from ";
    private const string Arguments = "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)";

    /// <summary>
    /// One call of the full rule, or of the fast path when <paramref name="fastPath"/>, for a whole batch: it takes
    /// the batch's stop locks shared and key locks exclusively, judges every request, records the granted ones and
    /// audits every final verdict.
    /// </summary>
    public static NpgsqlBatchCommand Decide(IReadOnlyList<DecisionInput> inputs, string node, int maxProvers, bool fastPath = false)
    {
        // One pass into the arrays the function takes (this runs for every batch, on the path every signature waits on).
        var n = inputs.Count;
        var stopLocks = new HashSet<long> { SafetyLocks.StopLock(SafetyLocks.AllTenants) };
        var keyLocks = new HashSet<long>();
        var tenants = new string?[n];
        var requestedBy = new string?[n];
        var sequencers = new byte[]?[n];
        var slots = new long?[n];
        var duties = new string?[n];
        var provers = new byte[]?[n];
        var hashes = new byte[]?[n];
        var payloads = new byte[]?[n];
        var problems = new string?[n];
        var signatures = new byte[]?[n];
        var signedBy = new string?[n];
        var failures = new string?[n];
        var tenantBounds = new int?[n];
        for (var i = 0; i < n; i++)
        {
            var input = inputs[i];
            var valid = input.Problem is null;
            if (valid)
            {
                stopLocks.Add(SafetyLocks.StopLock(input.Tenant));
                keyLocks.Add(SafetyLocks.KeyLock(input.Sequencer));
            }
            tenants[i] = input.Tenant;
            requestedBy[i] = input.RequestedBy;
            sequencers[i] = input.Sequencer.ToArray();
            slots[i] = input.Slot <= long.MaxValue ? (long)input.Slot : null;
            duties[i] = DutyNames.IsDefined(input.Duty) ? DutyNames.Of(input.Duty) : null;
            provers[i] = input.Prover?.ToArray() ?? [];
            hashes[i] = valid ? input.PayloadHash.ToArray() : null;
            payloads[i] = valid ? input.Payload.ToArray() : null;
            problems[i] = input.Problem;
            signatures[i] = input.Signature?.ToArray();
            signedBy[i] = input.SignedBy is { } backend ? KeyNames.Of(backend) : null;
            failures[i] = input.Failure;
            tenantBounds[i] = valid ? input.TenantMaxProvers : null;
        }
        return Sql.Command(
            fastPath ? Columns + FastPath + Arguments : Columns + FullRule + Arguments,
            Sql.Text(node),
            Sql.LongArray(stopLocks),
            Sql.LongArray(keyLocks),
            Sql.TextArray(tenants),
            Sql.TextArray(requestedBy),
            Sql.BytesArray(sequencers),
            Sql.SlotArray(slots),
            Sql.TextArray(duties),
            Sql.BytesArray(provers),
            Sql.BytesArray(hashes),
            Sql.BytesArray(payloads),
            Sql.TextArray(problems),
            Sql.BytesArray(signatures),
            Sql.TextArray(signedBy),
            Sql.TextArray(failures),
            new NpgsqlParameter<int> { TypedValue = maxProvers, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer },
            Sql.IntArray(tenantBounds));
    }

    /// <summary>The function's rows, one per input in input order.</summary>
    public static async Task<List<DecisionRow>> ReadAsync(NpgsqlDataReader reader)
    {
        var rows = new List<DecisionRow>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            rows.Add(new DecisionRow(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : Sql.ReadHash(reader, 2),
                reader.IsDBNull(3) ? null : Signature.FromBytes(reader.GetFieldValue<byte[]>(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : KeyNames.ParseBackend(reader.GetString(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return rows;
    }
}
