using System.Text.Json.Nodes;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing.Tests.Support;
using Hosting.TestKit;
using Npgsql;

namespace Hosting.Signing.Tests.Gate;

/// <summary>
/// Commitment authorisations are kept per (sequencer, slot, prover) — the proof-boost fallback authorises a further
/// prover when the chosen one does not commit, which L1 allows (one commitment lands per slot) — bounded per slot;
/// proposals stay one per (sequencer, slot).
/// </summary>
public sealed class CommitmentProverTests : IAsyncLifetime
{
    private static readonly Address A = TestKeys.ProverNumber(0xa);
    private static readonly Address B = TestKeys.ProverNumber(0xb);
    private static readonly Address C = TestKeys.ProverNumber(0xc);

    private readonly SafetyDatabase _database = new();
    private readonly SafetyDatabase _other = new();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        await _other.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _other.DisposeAsync();
    }

    [Fact]
    public async Task test_authorise_sameProverSamePayload_returnsStoredSignature()
    {
        await using var first = new GateScope(_database, "node-a");
        var (json, key) = TestKeys.NewKeystore("pw");
        await first.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");
        var original = await first.AuthoriseAsync("acme", key, 30, A);

        // The slot grain failed over to another silo and asks again for the same prover.
        await using var second = new GateScope(_database, "node-b");
        await second.Keystores.UnlockAsync(json, "pw");
        var again = await second.AuthoriseAsync("acme", key, 30, A);

        Assert.False(original.Repeated);
        Assert.True(again.Repeated);
        Assert.Equal(original.Signature, again.Signature);
        Assert.Equal("node-a", again.SignerNode);
        Assert.Equal(A, again.Prover);
        Assert.Equal(key, Secp256k1.Default.RecoverAddress(SigningPayload.Digest(TestKeys.Commitment(A, 1, 30)), again.Signature));
        Assert.Equal(1, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_authorise_sameProverDifferentPayload_refusedNamingBothHashesAndTheProver()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        var original = await scope.AuthoriseAsync("acme", key, 31, A, variant: 1);

        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.AuthoriseAsync("acme", key, 31, A, variant: 2));

        var requested = SigningPayload.Digest(TestKeys.Commitment(A, 2, 31));
        Assert.Equal(SigningRefusal.ConflictingPayload, refused.Refusal);
        Assert.Equal(original.PayloadHash, refused.SignedPayloadHash);
        Assert.Equal(requested, refused.RequestedPayloadHash);
        Assert.Contains(original.PayloadHash.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Contains(requested.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Contains(A.ToString(), refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_authorise_secondProver_granted_whileProposalStaysOnePerSlot()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.SignAsync("acme", key, 32, 1, Duty.Proposal);
        var chosen = await scope.AuthoriseAsync("acme", key, 32, A);

        var fallback = await scope.AuthoriseAsync("acme", key, 32, B);

        Assert.False(fallback.Repeated);
        Assert.Equal(B, fallback.Prover);
        Assert.NotEqual(chosen.Signature, fallback.Signature);
        Assert.Equal(key, Secp256k1.Default.RecoverAddress(SigningPayload.Digest(TestKeys.Commitment(B, 1, 32)), fallback.Signature));
        var history = await scope.Custody.HistoryAsync(key);
        Assert.Equal([A, B, null], history.Select(r => r.Prover)); // by slot, then duty name
        Assert.Equal(2, await _database.CountAsync(
            "select count(*) from signing_audit where action = 'sign' and outcome = 'granted' and duty = 'commitment_authorisation' and prover is not null"));
        // Proposals keep exactly one per (sequencer, slot).
        Assert.Equal(SigningRefusal.ConflictingPayload, (await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key, 32, 2, Duty.Proposal))).Refusal);
    }

    [Fact]
    public async Task test_authorise_beyondTheBound_refusedNamingTheAuthorisedProvers()
    {
        await using var scope = new GateScope(_database, maxProvers: 2);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.AuthoriseAsync("acme", key, 33, A);
        await scope.AuthoriseAsync("acme", key, 33, B);

        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.AuthoriseAsync("acme", key, 33, C));

        Assert.Equal(SigningRefusal.ProverLimitReached, refused.Refusal);
        Assert.Contains(A.ToString(), refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(B.ToString(), refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(C.ToString(), refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("is 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, await _database.CountAsync("select count(*) from signed_duties"));
        Assert.Equal(1, await _database.CountAsync("select count(*) from signing_audit where reason = 'prover_limit_reached'"));
        // The bound is per slot: the next slot authorises C, and the provers already authorised still get their signature back.
        Assert.Equal(C, (await scope.AuthoriseAsync("acme", key, 34, C)).Prover);
        Assert.True((await scope.AuthoriseAsync("acme", key, 33, B)).Repeated);
    }

    [Fact]
    public async Task test_authorise_concurrentlyFromTwoGates_oneSignaturePerProver_andTheBoundHolds()
    {
        await using var gateA = new GateScope(_database, "node-a", maxProvers: 2);
        var (json, key) = TestKeys.NewKeystore("pw");
        await gateA.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");
        await using var gateB = new GateScope(_database, "node-b", maxProvers: 2);
        await gateB.Keystores.UnlockAsync(json, "pw");
        Address[] provers = [A, B, C];

        // 3 provers × 2 payloads × 2 gates × 8: every prover asked with two conflicting payloads from both gates at once.
        var attempts = await Task.WhenAll(
            from prover in provers
            from variant in new[] { 1, 2 }
            from gate in new[] { gateA, gateB }
            from _ in Enumerable.Range(0, 8)
            select Outcome(prover, gate.AuthoriseAsync("acme", key, 40, prover, variant)));

        var granted = attempts.Where(a => a.Result is SignedDuty).GroupBy(a => a.Prover).ToList();
        Assert.Equal(2, granted.Count);
        foreach (var forProver in granted)
        {
            Assert.Single(forProver.Select(a => ((SignedDuty)a.Result).Signature).Distinct());
            Assert.All(attempts.Where(a => a.Prover == forProver.Key && a.Result is not SignedDuty),
                a => Assert.Equal(SigningRefusal.ConflictingPayload, Assert.IsType<SigningRefusedException>(a.Result).Refusal));
        }
        var shutOut = Assert.Single(provers.Except(granted.Select(g => g.Key)));
        Assert.All(attempts.Where(a => a.Prover == shutOut),
            a => Assert.Equal(SigningRefusal.ProverLimitReached, Assert.IsType<SigningRefusedException>(a.Result).Refusal));
        Assert.Equal(2, await _database.CountAsync("select count(*) from signed_duties"));
        Assert.Equal(2, await _database.CountAsync("select count(distinct prover) from signed_duties"));
    }

    [Fact]
    public async Task test_request_proverMissingOrOnAProposal_isMalformed()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        var payload = TestKeys.Commitment(A, 1, 50);

        var noProver = await Assert.ThrowsAsync<SigningRequestException>(() =>
            scope.Gate.SignAsync(new SigningRequest("acme", key, 50, Duty.CommitmentAuthorisation, payload, "test")));
        var proposalWithProver = await Assert.ThrowsAsync<SigningRequestException>(() =>
            scope.Gate.SignAsync(new SigningRequest("acme", key, 50, Duty.Proposal, TestKeys.Payload(1, 50), "test", A)));

        Assert.Contains("names the prover", noProver.Message, StringComparison.Ordinal);
        Assert.Contains(A.ToString(), proposalWithProver.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await _database.CountAsync("select count(*) from signed_duties"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SigningGate(_database.DataSource, [], new SigningGateOptions { MaxCommitmentAuthorisationsPerSlot = 0 }));
    }

    [Fact]
    public async Task test_interchange_carriesTheProver_andAVersion1FileStillImports()
    {
        await using var source = new GateScope(_database, "old-provider");
        var (json, key) = TestKeys.NewKeystore("pw");
        await source.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");
        await source.SignAsync("acme", key, 60, 1, Duty.Proposal);
        var chosen = await source.AuthoriseAsync("acme", key, 60, A);
        var fallback = await source.AuthoriseAsync("acme", key, 60, B);
        var export = await source.Custody.ExportHistoryAsync([key]);

        var file = JsonNode.Parse(export)!;
        Assert.Equal("2", (string)file["metadata"]!["interchange_format_version"]!);
        var duties = file["data"]![0]!["signed_duties"]!.AsArray();
        Assert.Null(duties.Single(d => (string)d!["duty"]! == "proposal")!["prover"]);
        Assert.Equal([A.ToString(), B.ToString()],
            duties.Where(d => (string)d!["duty"]! == "commitment_authorisation").Select(d => ((string)d!["prover"]!).ToLowerInvariant()));

        // Version 2 into a fresh database: both provers' records, each repeatable, a third prover's still bounded there.
        await using var target = new GateScope(_other, "new-provider");
        await target.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");
        var imported = await target.Custody.ImportHistoryAsync(export, "migration");
        Assert.Equal(3, imported.Added);
        Assert.Equal(chosen.Signature, (await target.AuthoriseAsync("acme", key, 60, A)).Signature);
        Assert.Equal(fallback.Signature, (await target.AuthoriseAsync("acme", key, 60, B)).Signature);
        Assert.Equal(SigningRefusal.ConflictingPayload, (await Assert.ThrowsAsync<SigningRefusedException>(() => target.AuthoriseAsync("acme", key, 60, B, variant: 2))).Refusal);

        // The same history as a version 1 file (no prover fields): already present, matched by payload.
        var v1 = JsonNode.Parse(export)!;
        v1["metadata"]!["interchange_format_version"] = "1";
        foreach (var duty in v1["data"]![0]!["signed_duties"]!.AsArray())
        {
            duty!.AsObject().Remove("prover");
        }
        var again = await target.Custody.ImportHistoryAsync(v1.ToJsonString(), "migration");
        Assert.Equal(0, again.Added);
        Assert.Equal(3, again.AlreadyPresent);
        Assert.Empty(again.Conflicts);
        // A version 1 file that names a prover is not one this signer wrote.
        var mislabelled = JsonNode.Parse(export)!;
        mislabelled["metadata"]!["interchange_format_version"] = "1";
        Assert.Contains("version 1 records name no prover", Assert.Throws<FormatException>(() => DutyInterchange.Parse(mislabelled.ToJsonString())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task test_version1Import_proverUnknown_isJudgedConservatively()
    {
        await using var source = new GateScope(_database, "old-provider");
        var (json, key) = TestKeys.NewKeystore("pw");
        await source.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");
        var chosen = await source.AuthoriseAsync("acme", key, 70, A);
        var v1 = JsonNode.Parse(await source.Custody.ExportHistoryAsync([key]))!;
        v1["metadata"]!["interchange_format_version"] = "1";
        v1["data"]![0]!["signed_duties"]![0]!.AsObject().Remove("prover");

        await using var target = new GateScope(_other, "new-provider");
        await target.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");
        Assert.Equal(1, (await target.Custody.ImportHistoryAsync(v1.ToJsonString(), "migration")).Added);

        // Which prover it named is unknown: the identical payload is repeated, any other is refused, even for another prover.
        var repeated = await target.AuthoriseAsync("acme", key, 70, A);
        Assert.True(repeated.Repeated);
        Assert.Equal(chosen.Signature, repeated.Signature);
        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => target.AuthoriseAsync("acme", key, 70, B));
        Assert.Equal(SigningRefusal.ConflictingPayload, refused.Refusal);
        Assert.Contains("prover not recorded", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task test_migration030_keepsEarlierRecords_andTheKeyIncludesTheProver()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync("signing_migration");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var (before, migration) = (SafetyDatabase.SchemaPaths.Take(2).ToList(), SafetyDatabase.SchemaPaths[2]);
        foreach (var path in before)
        {
            await ExecuteAsync(dataSource, await File.ReadAllTextAsync(path));
        }
        // A commitment authorisation recorded by the earlier rule (no prover column yet).
        var payload = TestKeys.Commitment(A, 1, 80);
        await ExecuteAsync(dataSource,
            "insert into signed_duties (sequencer, slot, duty, payload_hash, signature, payload, signer_node) values ($1, 80, 'commitment_authorisation', $2, $3, $4, 'old')",
            new byte[20], SigningPayload.Digest(payload).ToArray(), new byte[65], payload);

        await ExecuteAsync(dataSource, await File.ReadAllTextAsync(migration));
        await ExecuteAsync(dataSource, await File.ReadAllTextAsync(migration));

        await using var command = dataSource.CreateCommand(
            "select (select count(*) from signed_duties where prover = ''::bytea), " +
            "(select string_agg(a.attname, ',' order by k.ord) from pg_constraint c cross join unnest(c.conkey) with ordinality k(attnum, ord) " +
            " join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum where c.conrelid = 'signed_duties'::regclass and c.contype = 'p'), " +
            "(select count(*) from pg_proc where proname = 'signing_gate_decide')");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(1L, reader.GetInt64(0));
        Assert.Equal("sequencer,slot,duty,prover", reader.GetString(1));
        Assert.Equal(1L, reader.GetInt64(2));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<(Address Prover, object Result)> Outcome(Address prover, Task<SignedDuty> attempt)
    {
        try
        {
            return (prover, await attempt);
        }
        catch (SigningRefusedException refused)
        {
            return (prover, refused);
        }
    }
}
