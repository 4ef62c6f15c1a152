using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing.Keystore;
using Hosting.Signing.Tests.Support;
using Npgsql;

namespace Hosting.Signing.Tests.Gate;

public sealed class SigningGateTests : IAsyncLifetime
{
    private readonly SafetyDatabase _database = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task test_sign_recordsBeforeReturning_andRecoversToTheKey()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");

        var signed = await scope.SignAsync("acme", key, 7, 1);

        var digest = SigningPayload.Digest(TestKeys.Payload(1, 7));
        Assert.Equal(digest, signed.PayloadHash);
        Assert.Equal(key, Secp256k1.Default.RecoverAddress(digest, signed.Signature));
        Assert.False(signed.Repeated);
        var history = await scope.Custody.HistoryAsync(key);
        var record = Assert.Single(history);
        Assert.Equal(signed.Signature, record.Signature);
        Assert.Equal("node-a", record.SignerNode);
        Assert.Equal(TestKeys.Payload(1, 7), record.Payload.ToArray());
    }

    [Fact]
    public async Task test_sign_samePayloadAgain_returnsStoredSignature()
    {
        await using var first = new GateScope(_database, "node-a");
        var key = await first.RegisterKeystoreAsync("acme");
        var original = await first.SignAsync("acme", key, 9, 1);

        // A failed-over silo with the same key unlocked asks again.
        await using var second = new GateScope(_database, "node-b");
        var again = await second.SignAsync("acme", key, 9, 1);

        Assert.True(again.Repeated);
        Assert.Equal(original.Signature, again.Signature);
        Assert.Equal("node-a", again.SignerNode);
        Assert.Equal(1, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_sign_differentPayloadSameDuty_refusedNamingBothHashes()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        var original = await scope.SignAsync("acme", key, 11, 1);

        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key, 11, 2));

        var requested = SigningPayload.Digest(TestKeys.Payload(2, 11));
        Assert.Equal(SigningRefusal.ConflictingPayload, refused.Refusal);
        Assert.Equal(original.PayloadHash, refused.SignedPayloadHash);
        Assert.Equal(requested, refused.RequestedPayloadHash);
        Assert.Contains(original.PayloadHash.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Contains(requested.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await _database.CountAsync("select count(*) from signed_duties"));
        var audit = await scope.Custody.ReadAuditAsync(key);
        Assert.Contains(audit, a => a.Entry is { Outcome: "refused", Reason: "conflicting_payload" } && a.Entry.PayloadHash == requested);
    }

    [Fact]
    public async Task test_sign_otherDutySameSlot_isIndependent()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.SignAsync("acme", key, 12, 1, Duty.Proposal);
        var commitment = await scope.SignAsync("acme", key, 12, 2, Duty.CommitmentAuthorisation);
        Assert.False(commitment.Repeated);
        Assert.Equal(2, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_sign_fromAnotherTenant_refusedAndAudited()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");

        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("globex", key, 3, 1));

        Assert.Equal(SigningRefusal.TenantMismatch, refused.Refusal);
        Assert.DoesNotContain("acme", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await _database.CountAsync("select count(*) from signed_duties"));
        var audit = await scope.Custody.ReadAuditAsync(key);
        Assert.Contains(audit, a => a.Entry is { Outcome: "refused", Reason: "tenant_mismatch", Tenant: "globex", RequestedBy: "test" });
    }

    [Fact]
    public async Task test_register_keyOfAnotherTenant_refused()
    {
        await using var scope = new GateScope(_database);
        var (json, address) = TestKeys.NewKeystore("pw");
        await scope.Custody.RegisterKeystoreAsync("acme", json, "pw", "test");

        var refused = await Assert.ThrowsAsync<KeyCustodyException>(() => scope.Custody.RegisterKeystoreAsync("globex", json, "pw", "test"));

        Assert.Equal(SigningRefusal.TenantMismatch, refused.Refusal);
        Assert.Equal("acme", (await scope.Custody.FindKeyAsync(address))!.Tenant);
    }

    [Fact]
    public async Task test_sign_unknownKey_refused()
    {
        await using var scope = new GateScope(_database);
        var stranger = new Address(Keccak256.Hash("nobody").ToArray().AsSpan(12));

        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", stranger, 1, 1));

        Assert.Equal(SigningRefusal.UnknownKey, refused.Refusal);
        Assert.Contains(stranger.ToString(), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task test_sign_lockedKeystore_failsTypedAndRecordsNothing()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        scope.Keystores.Lock(key);

        var failure = await Assert.ThrowsAsync<KeystoreException>(() => scope.SignAsync("acme", key, 5, 1));

        Assert.Equal(KeystoreProblem.Locked, failure.Problem);
        Assert.Contains(key.ToString(), failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, await _database.CountAsync("select count(*) from signed_duties"));
        Assert.Equal(1, await _database.CountAsync("select count(*) from signing_audit where outcome = 'failed' and reason = 'backend_failed'"));

        // After a restart the silo unlocks from the stored ciphertext and signs again.
        var failed = await scope.Custody.UnlockKeystoresAsync(_ => "correct horse");
        Assert.Empty(failed);
        Assert.False((await scope.SignAsync("acme", key, 5, 1)).Repeated);
    }

    [Fact]
    public async Task test_sign_atOrBelowWatermark_refused_aboveSigns()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.Custody.RaiseLowWatermarkAsync("acme", key, 100, "test");

        var at = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key, 100, 1));
        var below = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key, 42, 1));
        var above = await scope.SignAsync("acme", key, 101, 1);

        Assert.Equal(SigningRefusal.AtOrBelowWatermark, at.Refusal);
        Assert.Equal(SigningRefusal.AtOrBelowWatermark, below.Refusal);
        Assert.Contains("100", at.Message, StringComparison.Ordinal);
        Assert.False(above.Repeated);
        await Assert.ThrowsAsync<InvalidOperationException>(() => scope.Custody.RaiseLowWatermarkAsync("acme", key, 50, "test"));
    }

    [Fact]
    public async Task test_emergencyStop_forTenantAndForAll()
    {
        await using var scope = new GateScope(_database);
        var acme = await scope.RegisterKeystoreAsync("acme");
        var globex = await scope.RegisterKeystoreAsync("globex");

        await scope.Custody.EmergencyStopAsync("acme", "suspected compromise", "sre");
        var stopped = await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", acme, 1, 1));
        Assert.Equal(SigningRefusal.EmergencyStop, stopped.Refusal);
        Assert.Contains("suspected compromise", stopped.Message, StringComparison.Ordinal);
        await scope.SignAsync("globex", globex, 1, 1);

        await scope.Custody.EmergencyStopAsync(null, "cluster split", "sre");
        Assert.Equal(SigningRefusal.EmergencyStop, (await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("globex", globex, 2, 1))).Refusal);

        Assert.True(await scope.Custody.LiftEmergencyStopAsync(null, "sre"));
        Assert.True(await scope.Custody.LiftEmergencyStopAsync("acme", "sre"));
        await scope.SignAsync("acme", acme, 1, 1);
        await scope.SignAsync("globex", globex, 2, 1);
    }

    [Fact]
    public async Task test_stopKey_refusesUntilResumed()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.Custody.StopKeyAsync("acme", key, "maintenance", "operator");
        Assert.Equal(SigningRefusal.KeyStopped, (await Assert.ThrowsAsync<SigningRefusedException>(() => scope.SignAsync("acme", key, 1, 1))).Refusal);
        await Assert.ThrowsAsync<KeyCustodyException>(() => scope.Custody.ResumeKeyAsync("globex", key, "intruder"));
        await scope.Custody.ResumeKeyAsync("acme", key, "operator");
        await scope.SignAsync("acme", key, 1, 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task test_stopKey_duringBatches_noSignatureCommitsAfterTheStopReturns(int batchesPerKey)
    {
        // A stop takes the key's lock, which every batch of the key holds, so once it returns nothing of that key is
        // still in flight and nothing new is recorded (also when the key's next batch already waits for the lock).
        await using var scope = new GateScope(_database, maxBatchesPerKey: batchesPerKey);
        var key = await scope.RegisterKeystoreAsync("acme");
        await scope.SignAsync("acme", key, 1, 1); // the gate now signs this key's requests ahead
        // A steady stream of new slots while the stop is asked for, so batches are in flight when it arrives.
        var requests = new List<Task<SignedDuty>>();
        var stop = Task.Run(async () =>
        {
            await Task.Delay(200);
            await scope.Custody.StopKeyAsync("acme", key, "suspected compromise", "operator");
        });
        for (var slot = 2UL; !stop.IsCompleted && slot < 20_000; slot++)
        {
            requests.Add(scope.SignAsync("acme", key, slot, 1));
            await Task.Delay(1);
        }
        await stop;
        requests.Add(scope.SignAsync("acme", key, 30_000, 1));
        var recordedAtStop = await _database.CountAsync("select count(*) from signed_duties where sequencer = $1", key.ToArray());
        var outcomes = await Task.WhenAll(requests.Select(async r =>
        {
            try
            {
                return (await r).Signature.ToArray().Length > 0 ? "signed" : "empty";
            }
            catch (SigningRefusedException refused) when (refused.Refusal == SigningRefusal.KeyStopped)
            {
                return "stopped";
            }
        }));
        Assert.Equal(recordedAtStop, await _database.CountAsync("select count(*) from signed_duties where sequencer = $1", key.ToArray()));
        Assert.Equal(recordedAtStop, 1 + outcomes.Count(o => o == "signed"));
        Assert.Contains("stopped", outcomes);
        Assert.DoesNotContain("empty", outcomes);
    }

    [Fact]
    public async Task test_sign_notEip712_refusedAsMalformed()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        var transaction = new byte[66];
        transaction[0] = 0x02;

        var failure = await Assert.ThrowsAsync<SigningRequestException>(() =>
            scope.Gate.SignAsync(new SigningRequest("acme", key, 1, Duty.Proposal, transaction, "test")));

        Assert.Contains("0x1901", failure.Message, StringComparison.Ordinal);
        Assert.Equal(1, await _database.CountAsync("select count(*) from signing_audit where reason = 'malformed_request'"));
        Assert.Equal(0, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_sign_databaseDown_refusedAsUnavailable_nothingSigned()
    {
        await using var scope = new GateScope(_database);
        var key = await scope.RegisterKeystoreAsync("acme");
        var unreachable = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Port = TestKit.FreePort.Next(), Timeout = 2 }.ConnectionString;
        await using var down = new GateScope(_database, "node-down", dataSource: NpgsqlDataSource.Create(unreachable));
        down.Keystores.Dispose();

        var refused = await Assert.ThrowsAsync<SigningRefusedException>(() => down.SignAsync("acme", key, 1, 1));

        Assert.Equal(SigningRefusal.SafetyRecordUnavailable, refused.Refusal);
        Assert.Contains("safety database", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task test_batch_sameDutyTwiceInOneTransaction_oneSignature(int batchesPerKey)
    {
        await using var scope = new GateScope(_database, maxBatchesPerKey: batchesPerKey);
        var key = await scope.RegisterKeystoreAsync("acme");

        var attempts = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Outcome(scope.SignAsync("acme", key, 77, i % 2 == 0 ? 1 : 2))));

        var granted = attempts.OfType<SignedDuty>().ToList();
        Assert.NotEmpty(granted);
        Assert.Single(granted.Select(g => g.Signature).Distinct());
        Assert.All(attempts.OfType<SigningRefusedException>(), r => Assert.Equal(SigningRefusal.ConflictingPayload, r.Refusal));
        Assert.Equal(64, granted.Count + attempts.OfType<SigningRefusedException>().Count());
        Assert.Equal(1, await _database.CountAsync("select count(*) from signed_duties"));
    }

    [Fact]
    public async Task test_twoBatchesPerKey_manyDutiesRaced_oneSignatureEach_everyAnswerAgrees()
    {
        // A key's next batch goes out while its current one commits; the lock makes it wait and then see that commit.
        await using var scope = new GateScope(_database, maxBatchesPerKey: 2);
        var key = await scope.RegisterKeystoreAsync("acme");
        var requests = Enumerable.Range(0, 1200).Select(i => (Slot: (ulong)(i % 300), Variant: i / 300 % 2 + 1)).ToArray();
        new Random(5).Shuffle(requests);

        var outcomes = await Task.WhenAll(requests.Select(async r => (r.Slot, Outcome: await Outcome(scope.SignAsync("acme", key, r.Slot, r.Variant)))));

        Assert.Equal(300, await _database.CountAsync("select count(*) from signed_duties where sequencer = $1", key.ToArray()));
        var history = (await scope.Custody.HistoryAsync(key)).ToDictionary(r => r.Slot);
        foreach (var (slot, outcome) in outcomes)
        {
            switch (outcome)
            {
                case SignedDuty signed:
                    Assert.Equal(history[slot].Signature, signed.Signature);
                    break;
                case SigningRefusedException refused:
                    Assert.Equal(SigningRefusal.ConflictingPayload, refused.Refusal);
                    Assert.Equal((Hash32?)history[slot].PayloadHash, refused.SignedPayloadHash);
                    break;
                default:
                    Assert.Fail($"slot {slot}: unexpected outcome {outcome}");
                    break;
            }
        }
        // Each slot was asked twice per payload: the first of each payload pair was granted or refused, so at least
        // one repeat per slot came back as the stored signature.
        Assert.All(outcomes.GroupBy(o => o.Slot), slot => Assert.Contains(slot, o => o.Outcome is SignedDuty { Repeated: true }));
    }

    [Fact]
    public async Task test_heldConnectionsTerminated_nextSignatureStillSigned()
    {
        // The gate keeps its connections open between batches; when the server drops them (restart, idle timeout)
        // the next batch is decided again on a new connection instead of being refused.
        var gateConnections = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { ApplicationName = "gate-under-test" }.ConnectionString;
        await using var scope = new GateScope(_database, dataSource: NpgsqlDataSource.Create(gateConnections));
        var key = await scope.RegisterKeystoreAsync("acme");
        await Task.WhenAll(Enumerable.Range(1, 32).Select(slot => scope.SignAsync("acme", key, (ulong)slot, 1)));

        var terminated = await _database.CountAsync(
            "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'gate-under-test' and datname = current_database()) t");
        Assert.True(terminated > 0, "the gate held no connection to terminate");

        var signed = await scope.SignAsync("acme", key, 100, 1);
        Assert.False(signed.Repeated);
        Assert.Equal(signed.Signature, (await scope.Custody.HistoryAsync(key)).Single(r => r.Slot == 100).Signature);
    }

    [Fact]
    public async Task test_audit_neverHoldsPasswordOrKey()
    {
        await using var scope = new GateScope(_database);
        const string password = "pw-that-must-not-leak-3141";
        var secret = Convert.FromHexString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        var json = Web3Keystore.Encrypt(secret, password, TestKeys.Cheap);
        var key = (await scope.Custody.RegisterKeystoreAsync("acme", json, password, "test")).Address;
        await scope.SignAsync("acme", key, 1, 1);
        await Assert.ThrowsAsync<KeystoreException>(() => scope.Custody.RegisterKeystoreAsync("acme", json, "wrong " + password, "test"));

        await using var command = _database.DataSource.CreateCommand(
            "select coalesce(string_agg(concat_ws('|', action, outcome, reason, tenant, requested_by, encode(sequencer, 'hex'), detail, node), E'\\n'), '') from signing_audit");
        var audit = (string)(await command.ExecuteScalarAsync())!;
        Assert.Contains("register_key", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(password, audit, StringComparison.Ordinal);
        Assert.DoesNotContain("4c0883a69102937d", audit, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await _database.CountAsync("select count(*) from signing_keys where keystore like '%' || $1 || '%'", password));
    }

    private static async Task<object> Outcome(Task<SignedDuty> attempt)
    {
        try
        {
            return await attempt;
        }
        catch (SigningRefusedException refused)
        {
            return refused;
        }
    }
}
