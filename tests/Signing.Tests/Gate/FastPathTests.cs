using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing.Safety;
using Hosting.Signing.Tests.Support;
using Npgsql;

namespace Hosting.Signing.Tests.Gate;

/// <summary>
/// The fast path signing_gate_decide_fast (infra/postgres/080) must answer, record and audit exactly what the full
/// rule signing_gate_decide does, for every verdict: each scenario runs once through each function, in a transaction
/// rolled back afterwards, on the same keys, stops and history, and the answers and the tables' contents must match.
/// </summary>
public sealed class FastPathTests : IAsyncLifetime
{
    private static readonly Address K1 = Key(1), K2 = Key(2), K3 = Key(3), K4 = Key(4), K5 = Key(5), K6 = Key(6), Unregistered = Key(7);
    private static readonly Address P1 = TestKeys.ProverNumber(0xa1), P2 = TestKeys.ProverNumber(0xa2);

    private readonly SafetyDatabase _database = new();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        // alpha: K1 active, K2 stopped, K3 deleted, K6 in an HSM; beta: K4 with a low watermark of 100; gamma: K5, tenant stopped.
        await ExecuteAsync("""
            insert into signing_keys (address, tenant, backend, key_reference, status, low_watermark) values
                ($1, 'alpha', 'keystore', 'k1', 'active', null), ($2, 'alpha', 'keystore', 'k2', 'stopped', null),
                ($3, 'alpha', 'keystore', 'k3', 'deleted', null), ($4, 'beta', 'keystore', 'k4', 'active', 100),
                ($5, 'gamma', 'keystore', 'k5', 'active', null), ($6, 'alpha', 'pkcs11', 'pkcs11:object=k6', 'active', null)
            """, K1.ToArray(), K2.ToArray(), K3.ToArray(), K4.ToArray(), K5.ToArray(), K6.ToArray());
        await ExecuteAsync("insert into signing_stops (scope, reason, stopped_by, stopped_at) values ('gamma', 'maintenance', 'ops', '2026-11-01 10:00:00+00')");
        // K1 has signed a proposal at slot 10, authorised P1 at slot 11, and at slot 12 a prover whose address was not recorded.
        await ExecuteAsync("""
            insert into signed_duties (sequencer, slot, duty, prover, payload_hash, signature, payload, signer_node, signed_at) values
                ($1, 10, 'proposal', ''::bytea, $2, $3, $4, 'node-old', '2026-11-01 11:00:00+00'),
                ($1, 11, 'commitment_authorisation', $5, $6, $3, $7, 'node-old', '2026-11-01 11:00:01+00'),
                ($1, 12, 'commitment_authorisation', ''::bytea, $8, $3, $9, 'node-old', '2026-11-01 11:00:02+00')
            """, K1.ToArray(), Hash(TestKeys.Payload(1, 10)), Sig(0, 0).ToArray(), TestKeys.Payload(1, 10),
            P1.ToArray(), Hash(TestKeys.Commitment(P1, 1, 11)), TestKeys.Commitment(P1, 1, 11),
            Hash(TestKeys.Commitment(P1, 1, 12)), TestKeys.Commitment(P1, 1, 12));
        // K2 was refused at slot 30 before: the same refusal again counts up on that line.
        await ExecuteAsync("""
            insert into signing_audit (action, outcome, reason, tenant, requested_by, sequencer, slot, duty, payload_hash, detail, node)
            values ('sign', 'refused', 'key_stopped', 'alpha', 'pipeline', $1, 30, 'proposal', $2, 'the key is stopped by an operator', 'node-old')
            """, K2.ToArray(), Hash(TestKeys.Payload(1, 30)));
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        await command.ExecuteNonQueryAsync();
    }

    public Task DisposeAsync() => _database.DisposeAsync();

    public static TheoryData<string> Scenarios() => [.. All.Keys];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task test_fastPath_answersRecordsAndAuditsAsTheFullRule(string name)
    {
        var scenario = All[name];

        var full = await RunAsync(fastPath: false, scenario);
        var fast = await RunAsync(fastPath: true, scenario);

        Assert.Equal(scenario.Verdicts, full.Verdicts);
        Assert.Equal(full.Answers, fast.Answers);
        Assert.Equal(full.Duties, fast.Duties);
        Assert.Equal(full.Audit, fast.Audit);
    }

    [Fact]
    public async Task test_badBound_bothRaiseTheSameError()
    {
        var scenario = new Scenario([Request(K1, 50)], ["granted"], MaxProvers: 0);

        var full = await Assert.ThrowsAsync<PostgresException>(() => RunAsync(fastPath: false, scenario));
        var fast = await Assert.ThrowsAsync<PostgresException>(() => RunAsync(fastPath: true, scenario));

        Assert.Contains("p_max_provers is 0", full.MessageText, StringComparison.Ordinal);
        Assert.Equal(full.MessageText, fast.MessageText);
    }

    /// <summary>
    /// The fast statement itself grants a plainly grantable batch, and hands anything else to the full rule: with the
    /// full rule replaced (in a transaction rolled back) by one that fails, the first still succeeds and the second fails.
    /// </summary>
    [Fact]
    public async Task test_plainBatch_grantedWithoutTheFullRule_otherBatchGoesToIt()
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var replace = new NpgsqlCommand("""
            create or replace function signing_gate_decide(
                p_node text, p_stop_locks bigint[], p_key_locks bigint[], p_tenant text[], p_requested_by text[], p_sequencer bytea[],
                p_slot bigint[], p_duty text[], p_prover bytea[], p_payload_hash bytea[], p_payload bytea[], p_problem text[],
                p_signature bytea[], p_signed_by text[], p_failure text[], p_max_provers integer, p_tenant_max_provers integer[])
            returns table (verdict text, detail text, stored_hash bytea, signature bytea, signer_node text, signed_at timestamptz, key_backend text, key_reference text)
            language plpgsql volatile as $$ begin raise exception 'the full rule was called'; end $$
            """, connection, transaction))
        {
            await replace.ExecuteNonQueryAsync();
        }

        var granted = await DecideAsync(connection, transaction, fastPath: true, [Request(K1, 60), Request(K4, 160), Request(K6, 60, signedBy: SigningBackend.Pkcs11)], 4);
        var other = await Assert.ThrowsAsync<PostgresException>(() => DecideAsync(connection, transaction, fastPath: true, [Request(K1, 61), Request(K2, 61)], 4));

        Assert.Equal(["granted", "granted", "granted"], granted.Select(r => r.Split('|')[0]));
        Assert.Equal("the full rule was called", other.MessageText);
        await transaction.RollbackAsync();
    }

    private static readonly Dictionary<string, Scenario> All = new()
    {
        ["a plain proposal"] = new([Request(K1, 20)], ["granted"]),
        ["a plain batch of both duties and two backends, a tenant bound given"] = new(
            [Request(K1, 21), Request(K1, 21, prover: P1, tenantBound: 1), Request(K4, 101), Request(K6, 20, signedBy: SigningBackend.Pkcs11)],
            ["granted", "granted", "granted", "granted"]),
        ["the same payload again"] = new([Request(K1, 10)], ["repeated"]),
        ["another payload for a signed proposal"] = new([Request(K1, 10, variant: 2)], ["conflicting_payload"]),
        ["the same prover authorised again"] = new([Request(K1, 11, prover: P1)], ["repeated"]),
        ["another prover within the bound"] = new([Request(K1, 11, prover: P2)], ["granted"]),
        ["another prover over the platform's bound"] = new([Request(K1, 11, prover: P2)], ["prover_limit_reached"], MaxProvers: 1),
        ["another prover over the tenant's bound"] = new([Request(K1, 11, prover: P2, tenantBound: 1)], ["prover_limit_reached"]),
        ["a prover beside an authorisation whose prover was not recorded"] = new([Request(K1, 12, prover: P2)], ["conflicting_payload"]),
        ["a stopped key, refused before (counts up)"] = new([Request(K2, 30)], ["key_stopped"]),
        ["a deleted key"] = new([Request(K3, 30)], ["key_deleted"]),
        ["an unknown key"] = new([Request(Unregistered, 30)], ["unknown_key"]),
        ["another tenant's key"] = new([Request(K1, 31, tenant: "beta")], ["tenant_mismatch"]),
        ["a slot at the low watermark"] = new([Request(K4, 100)], ["at_or_below_watermark"]),
        ["a stopped tenant"] = new([Request(K5, 30)], ["emergency_stop"]),
        ["every tenant stopped"] = new([Request(K1, 32)], ["emergency_stop"],
            Setup: "insert into signing_stops (scope, reason, stopped_by, stopped_at) values ('*', 'incident', 'sre', '2026-11-02 09:00:00+00')"),
        ["an HSM key not yet signed"] = new([Request(K6, 33, signed: false)], ["to_sign"]),
        ["signed ahead by a backend the key has left"] = new([Request(K6, 34)], ["to_sign"]),
        ["a backend that failed"] = new([Request(K6, 35, signed: false, failure: "the token is not present")], ["failed"]),
        ["a malformed request"] = new([Request(K1, 36, problem: "the payload is not EIP-712")], ["malformed_request"]),
        ["one refusal among plain requests"] = new([Request(K1, 40), Request(K2, 40), Request(K4, 140)], ["granted", "key_stopped", "granted"]),
        ["one repeat among plain requests"] = new([Request(K4, 141), Request(K1, 10)], ["granted", "repeated"]),
        ["nothing"] = new([], []),
    };

    private sealed record Scenario(DecisionInput[] Inputs, string[] Verdicts, int MaxProvers = 4, string? Setup = null);

    private sealed record Outcome(string[] Verdicts, string[] Answers, string[] Duties, string[] Audit);

    /// <summary>Runs one scenario through the fast path or the full rule in a transaction it rolls back, and reads what it answered and wrote.</summary>
    private async Task<Outcome> RunAsync(bool fastPath, Scenario scenario)
    {
        await using var connection = await _database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (scenario.Setup is { } setup)
        {
            await using var command = new NpgsqlCommand(setup, connection, transaction);
            await command.ExecuteNonQueryAsync();
        }
        var answers = await DecideAsync(connection, transaction, fastPath, scenario.Inputs, scenario.MaxProvers);
        // Times written now differ between the runs; everything else, including the audit lines' order, must not.
        var duties = await ReadAsync(connection, transaction, """
            select concat_ws('|', encode(sequencer, 'hex'), slot, duty, encode(prover, 'hex'), encode(payload_hash, 'hex'),
                             encode(signature, 'hex'), encode(payload, 'hex'), signer_node, signed_at < '2026-11-02')
            from signed_duties order by sequencer, slot, duty, prover
            """);
        var audit = await ReadAsync(connection, transaction, """
            select concat_ws('|', action, outcome, coalesce(reason, '-'), coalesce(tenant, '-'), requested_by, encode(sequencer, 'hex'), slot,
                             duty, coalesce(encode(prover, 'hex'), '-'), coalesce(encode(payload_hash, 'hex'), '-'), detail, node, repeats,
                             last_seen_at is not null)
            from signing_audit order by id
            """);
        await transaction.RollbackAsync();
        return new Outcome([.. answers.Select(a => a.Split('|')[0])], [.. answers], [.. duties], [.. audit]);
    }

    private static async Task<List<string>> DecideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, bool fastPath, IReadOnlyList<DecisionInput> inputs, int maxProvers)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(SigningDecisions.Decide(inputs, "node-new", maxProvers, fastPath));
        await using var reader = await batch.ExecuteReaderAsync();
        var rows = await SigningDecisions.ReadAsync(reader);
        Assert.Equal(inputs.Count, rows.Count);
        return [.. rows.Select(r => string.Join('|', r.Verdict, r.Detail, r.StoredHash, r.Signature, r.SignerNode, r.SignedAt is not null, r.KeyBackend, r.KeyReference))];
    }

    private static async Task<List<string>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }
        return rows;
    }

    /// <summary>
    /// A request as the gate passes it: signed ahead by the keystore backend unless told otherwise; a commitment
    /// authorisation when a prover is given.
    /// </summary>
    private static DecisionInput Request(Address key, ulong slot, int variant = 1, Address? prover = null, string tenant = "alpha", bool signed = true,
        SigningBackend signedBy = SigningBackend.Keystore, string? failure = null, string? problem = null, int? tenantBound = null)
    {
        if (key == K4)
        {
            tenant = "beta";
        }
        else if (key == K5)
        {
            tenant = "gamma";
        }
        var payload = prover is { } p ? TestKeys.Commitment(p, variant, slot) : TestKeys.Payload(variant, slot);
        return new DecisionInput(tenant, "pipeline", key, slot, prover is null ? Duty.Proposal : Duty.CommitmentAuthorisation, prover,
            SigningPayload.Digest(payload), payload, problem, signed ? Sig(variant, slot) : null, signed ? signedBy : null, failure, tenantBound);
    }

    private static Signature Sig(int variant, ulong slot) => new(Keccak256.Hash($"r {variant} {slot}"), Keccak256.Hash($"s {variant} {slot}"), (byte)(slot % 2));

    private static byte[] Hash(byte[] payload) => SigningPayload.Digest(payload).ToArray();

    private static Address Key(int n) => Address.Parse($"0x{0xfeed0000 + n:x40}");
}
