using System.Diagnostics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.L1.Crypto;
using Hosting.Signing.Safety;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Hosting.Signing;

/// <summary>
/// The PostgreSQL signing-safety gate. Requests that arrive together are decided in one transaction (group
/// commit): it takes the tenants' stop locks shared and every key's advisory lock exclusively, reads keys,
/// stops and the stored duties, signs what may be signed, inserts the records and the audit lines and commits;
/// only then does any caller see a signature. Two gates (other silos, other processes) serialise on the same
/// per-key locks, and the primary key of signed_duties backs the rule up.
/// </summary>
public sealed class SigningGate : ISigningGate, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Dictionary<SigningBackend, IKeyBackend> _backends;
    private readonly SigningGateOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _dispatch = new();
    private readonly LinkedList<PendingRequest> _waiting = new();
    private readonly HashSet<Address> _busyKeys = [];
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private bool _closed;

    /// <param name="dataSource">The safety database (schema infra/postgres/010_signing_gate.sql).</param>
    /// <param name="backends">One backend per <see cref="SigningBackend"/> the keys use.</param>
    public SigningGate(NpgsqlDataSource dataSource, IEnumerable<IKeyBackend> backends, SigningGateOptions? options = null, ILogger<SigningGate>? logger = null)
    {
        _dataSource = dataSource;
        _backends = backends.ToDictionary(b => b.Backend);
        _options = options ?? new SigningGateOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Test seam: runs after a batch committed and before any caller sees its signatures.</summary>
    internal Func<Task>? AfterCommit { get; set; }

    /// <inheritdoc />
    public async Task<SignedDuty> SignAsync(SigningRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pending = new PendingRequest(request, FindProblem(request));
        lock (_dispatch)
        {
            if (_closed)
            {
                throw new ObjectDisposedException(nameof(SigningGate), "The signing gate is shut down; nothing was signed.");
            }
            _waiting.AddLast(pending);
        }
        Dispatch();
        // Once queued the batch decides regardless of the caller's token: a committed signature is stored and an identical request returns it.
        return await pending.Outcome.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops taking requests and waits for the batches in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_dispatch)
        {
            _closed = true;
            if (_running == 0 && _waiting.Count == 0)
            {
                _drained.TrySetResult();
            }
        }
        await _drained.Task.ConfigureAwait(false);
    }

    private static string? FindProblem(SigningRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Tenant))
        {
            return "the tenant is empty; every request names the tenant whose context asks";
        }
        if (string.IsNullOrWhiteSpace(request.RequestedBy))
        {
            return "requested-by is empty; the audit trail must say who asked";
        }
        if (!DutyNames.IsDefined(request.Duty))
        {
            return $"duty {(int)request.Duty} is not one the gate signs; expected {DutyNames.Proposal} or {DutyNames.CommitmentAuthorisation}";
        }
        if (request.Slot > long.MaxValue)
        {
            return $"slot {request.Slot} is beyond the largest slot the safety record holds ({long.MaxValue})";
        }
        return SigningPayload.FindProblem(request.Payload.Span);
    }

    /// <summary>
    /// Starts batches while fewer than <see cref="SigningGateOptions.MaxConcurrentBatches"/> run. A batch takes every
    /// waiting request whose key is in no running batch, so one key's requests never wait on each other's locks
    /// inside this gate and a busy key's requests gather into its next batch (group commit per key).
    /// </summary>
    private void Dispatch()
    {
        List<List<PendingRequest>>? start = null;
        lock (_dispatch)
        {
            while (_running < Math.Max(1, _options.MaxConcurrentBatches) && _waiting.Count > 0)
            {
                var batch = new List<PendingRequest>();
                var keys = new HashSet<Address>();
                for (var node = _waiting.First; node is not null && batch.Count < _options.MaxBatchSize;)
                {
                    var next = node.Next;
                    if (!_busyKeys.Contains(node.Value.Request.Sequencer))
                    {
                        batch.Add(node.Value);
                        keys.Add(node.Value.Request.Sequencer);
                        _waiting.Remove(node);
                    }
                    node = next;
                }
                if (batch.Count == 0)
                {
                    break;
                }
                _busyKeys.UnionWith(keys);
                _running++;
                (start ??= []).Add(batch);
            }
        }
        foreach (var batch in start ?? [])
        {
            _ = Task.Run(() => RunBatchAsync(batch));
        }
    }

    private async Task RunBatchAsync(List<PendingRequest> batch)
    {
        try
        {
            await DecideAsync(batch).ConfigureAwait(false);
        }
        catch (Exception unexpected)
        {
            // DecideAsync settles every request itself; this only guards the gate against a bug.
            _logger.LogError(unexpected, "The signing gate failed a batch of {Count} requests unexpectedly; none was answered with a signature.", batch.Count);
            foreach (var pending in batch)
            {
                pending.Outcome.TrySetException(pending.Refuse(SigningRefusal.SafetyRecordUnavailable, $"the gate failed unexpectedly ({unexpected.GetType().Name})", unexpected));
            }
        }
        finally
        {
            lock (_dispatch)
            {
                foreach (var pending in batch)
                {
                    _busyKeys.Remove(pending.Request.Sequencer);
                }
                _running--;
                if (_closed && _running == 0 && _waiting.Count == 0)
                {
                    _drained.TrySetResult();
                }
            }
            Dispatch();
        }
    }

    private async Task DecideAsync(List<PendingRequest> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var decisions = await DecideOnceAsync(batch).ConfigureAwait(false);
                if (AfterCommit is { } afterCommit)
                {
                    await afterCommit().ConfigureAwait(false);
                }
                foreach (var decision in decisions)
                {
                    decision.Release();
                }
                return;
            }
            catch (PostgresException retryable) when (attempt < _options.MaxBatchAttempts && retryable.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                _logger.LogWarning("A signing batch of {Count} requests hit {SqlState} ({Message}); deciding it again (attempt {Attempt}).", batch.Count, retryable.SqlState, retryable.MessageText, attempt + 1);
            }
            catch (Exception failure) when (failure is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                _logger.LogError(failure, "The safety record could not be read or committed for a batch of {Count} requests; nothing was signed.", batch.Count);
                var detail = $"the safety database could not be reached or did not commit ({failure.GetType().Name}: {failure.Message})";
                foreach (var pending in batch)
                {
                    PlatformMetrics.SigningRefused(pending.Request.Tenant, pending.Request.Duty, RefusalReason.SafetyRecordUnavailable);
                    pending.Outcome.TrySetException(pending.Refuse(SigningRefusal.SafetyRecordUnavailable, detail, failure));
                }
                return;
            }
        }
    }

    /// <summary>One transaction: lock, read, decide, sign, record, commit. Returns the decisions to release afterwards.</summary>
    private async Task<List<Decision>> DecideOnceAsync(List<PendingRequest> batch)
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        try
        {
            return await DecideOnceAsync(batch, connection).ConfigureAwait(false);
        }
        catch when (connection.State == System.Data.ConnectionState.Open)
        {
            // The transaction was begun with plain SQL; end it before the connection goes back to the pool.
            try
            {
                await using var rollback = new NpgsqlCommand("rollback", connection);
                await rollback.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // The connection is broken; the server rolls the transaction back when it drops.
            }
            throw;
        }
    }

    private async Task<List<Decision>> DecideOnceAsync(List<PendingRequest> batch, NpgsqlConnection connection)
    {
        var valid = batch.Where(p => p.Problem is null).ToList();
        var keys = new Dictionary<Address, SigningKey>();
        var stops = new Dictionary<string, EmergencyStop>();
        var stored = new Dictionary<(Address, ulong, Duty), SignedDutyRecord>();
        DateTimeOffset now;
        await using (var read = new NpgsqlBatch(connection))
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand("begin"));
            foreach (var command in SafetyLocks.ForSigning(valid.Select(p => p.Request.Tenant), valid.Select(p => p.Request.Sequencer)))
            {
                read.BatchCommands.Add(command);
            }
            read.BatchCommands.Add(new NpgsqlBatchCommand("select now()"));
            read.BatchCommands.Add(SigningKeys.FindMany(valid.Select(p => p.Request.Sequencer).Distinct()));
            read.BatchCommands.Add(SigningStops.FindInForce(valid.Select(p => p.Request.Tenant)));
            read.BatchCommands.Add(SignedDuties.FindMany(valid.Select(p => (p.Request.Sequencer, p.Request.Slot, p.Request.Duty)).Distinct().ToList()));
            await using var reader = await read.ExecuteReaderAsync().ConfigureAwait(false);
            // "begin" returns no result set; the reader starts at the stop locks, then the key locks, then now().
            await reader.NextResultAsync().ConfigureAwait(false);
            await reader.NextResultAsync().ConfigureAwait(false);
            await reader.ReadAsync().ConfigureAwait(false);
            now = reader.GetFieldValue<DateTimeOffset>(0);
            await reader.NextResultAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                var key = SigningKeys.ReadRow(reader);
                keys[key.Address] = key;
            }
            await reader.NextResultAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                var stop = SigningStops.ReadRow(reader);
                stops[stop.Tenant ?? SafetyLocks.AllTenants] = stop;
            }
            await reader.NextResultAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                var record = SignedDuties.ReadRow(reader);
                stored[(record.Sequencer, record.Slot, record.Duty)] = record;
            }
        }

        var decisions = batch.Select(p => Judge(p, keys, stops, stored)).ToList();
        await SignAsync(decisions, keys).ConfigureAwait(false);

        var inserts = decisions.Where(d => d.Kind == DecisionKind.Signed).Select(d => d.Record!).ToList();
        await using (var write = new NpgsqlBatch(connection))
        {
            if (inserts.Count > 0)
            {
                write.BatchCommands.Add(SignedDuties.InsertMany(inserts, _options.NodeName));
            }
            write.BatchCommands.Add(AuditTrail.InsertMany(decisions.Select(d => d.Audit()).ToList(), _options.NodeName));
            write.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
            await write.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        foreach (var decision in decisions)
        {
            decision.Stamp(now);
        }
        return decisions;
    }

    private static Decision Judge(PendingRequest pending, Dictionary<Address, SigningKey> keys, Dictionary<string, EmergencyStop> stops, Dictionary<(Address, ulong, Duty), SignedDutyRecord> stored)
    {
        var request = pending.Request;
        if (pending.Problem is { } problem)
        {
            return Decision.Malformed(pending, problem);
        }
        if (!keys.TryGetValue(request.Sequencer, out var key))
        {
            return Decision.Refused(pending, SigningRefusal.UnknownKey, $"no key is registered for {request.Sequencer}");
        }
        if (!string.Equals(key.Tenant, request.Tenant, StringComparison.Ordinal))
        {
            return Decision.Refused(pending, SigningRefusal.TenantMismatch, $"the key belongs to another tenant than {request.Tenant}");
        }
        switch (key.Status)
        {
            case KeyStatus.Stopped:
                return Decision.Refused(pending, SigningRefusal.KeyStopped, "the key is stopped by an operator");
            case KeyStatus.Deleted:
                return Decision.Refused(pending, SigningRefusal.KeyDeleted, "the key is deleted; its history is kept");
        }
        if (stops.TryGetValue(SafetyLocks.AllTenants, out var all) || stops.TryGetValue(request.Tenant, out all))
        {
            return Decision.Refused(pending, SigningRefusal.EmergencyStop, $"emergency stop in force: {all}");
        }
        if (stored.TryGetValue((request.Sequencer, request.Slot, request.Duty), out var record))
        {
            if (record.PayloadHash != pending.Digest)
            {
                var by = record.SignerNode.Length == 0 ? "earlier in this transaction" : $"by {record.SignerNode} at {record.SignedAt:O}";
                return Decision.Refused(pending, SigningRefusal.ConflictingPayload,
                    $"payload {record.PayloadHash} is already signed for this duty ({by}); refusing to sign payload {pending.Digest}", record.PayloadHash);
            }
            return record.SignerNode.Length == 0 ? Decision.RepeatOfBatch(pending, key, record) : Decision.Repeated(pending, key, record);
        }
        if (key.LowWatermark is { } watermark && request.Slot <= watermark)
        {
            return Decision.Refused(pending, SigningRefusal.AtOrBelowWatermark, $"slot {request.Slot} is at or below the key's low watermark {watermark}");
        }
        // Reserve the duty now so a second request for it in this batch is judged against this one.
        var reserved = new SignedDutyRecord(request.Sequencer, request.Slot, request.Duty, pending.Digest, default, request.Payload, string.Empty, default);
        stored[(request.Sequencer, request.Slot, request.Duty)] = reserved;
        return Decision.ToSign(pending, key, reserved);
    }

    /// <summary>Signs every decision that may be signed: one key's requests in order, different keys in parallel.</summary>
    private async Task SignAsync(List<Decision> decisions, Dictionary<Address, SigningKey> keys)
    {
        var byKey = decisions.Where(d => d.Kind == DecisionKind.ToSign).GroupBy(d => d.Pending.Request.Sequencer);
        await Task.WhenAll(byKey.Select(async group =>
        {
            var key = keys[group.Key];
            foreach (var decision in group)
            {
                await SignOneAsync(decision, key).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);

        // A repeat of a request decided earlier in this same batch shares that request's signature or failure.
        foreach (var repeat in decisions.Where(d => d.Kind == DecisionKind.RepeatOfBatch))
        {
            repeat.AdoptFrom(decisions.First(d => d.Kind is DecisionKind.Signed or DecisionKind.Failed && ReferenceEquals(d.Reserved, repeat.Reserved)));
        }
    }

    private async Task SignOneAsync(Decision decision, SigningKey key)
    {
        if (!_backends.TryGetValue(key.Backend, out var backend))
        {
            decision.Fail(new KeyBackendFailedException(key.Backend, $"No {KeyNames.Of(key.Backend)} backend is configured in this signer for {key.Address}; nothing was signed."));
            return;
        }
        try
        {
            var digest = decision.Pending.Digest;
            var signature = await backend.SignDigestAsync(key, digest).ConfigureAwait(false);
            // Backends guarantee the signer (keystores sign with the key found by its address; HSM and vault
            // signatures are matched to it by recovery), so the gate checks only the shape Ethereum accepts.
            if (Secp256k1.FindProblem(signature) is { } problem)
            {
                decision.Fail(new KeyBackendFailedException(key.Backend,
                    $"The {KeyNames.Of(key.Backend)} key '{key.KeyReference}' produced a signature that breaks Ethereum's rules: {problem}; nothing was signed."));
                return;
            }
            decision.Sign(signature, _options.NodeName);
        }
        catch (KeyBackendException failure)
        {
            decision.Fail(failure);
        }
        catch (SignatureException failure)
        {
            decision.Fail(new KeyBackendFailedException(key.Backend, $"The {KeyNames.Of(key.Backend)} key '{key.KeyReference}' returned an unusable signature: {failure.Message}; nothing was signed.", failure));
        }
    }

    private sealed class PendingRequest(SigningRequest request, string? problem)
    {
        public SigningRequest Request { get; } = request;
        public string? Problem { get; } = problem;
        public Hash32 Digest { get; } = problem is null ? SigningPayload.Digest(request.Payload.Span) : default;
        public long StartedAt { get; } = Stopwatch.GetTimestamp();
        public TaskCompletionSource<SignedDuty> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SigningRefusedException Refuse(SigningRefusal refusal, string detail, Exception? inner = null) =>
            new(refusal, Request.Sequencer, Request.Slot, Request.Duty, detail, inner);
    }

    private enum DecisionKind { Malformed, Refused, Repeated, RepeatOfBatch, ToSign, Signed, Failed }

    /// <summary>What the gate decided for one request; mutable only while its batch is being decided.</summary>
    private sealed class Decision(PendingRequest pending, DecisionKind kind)
    {
        public PendingRequest Pending { get; } = pending;
        public DecisionKind Kind { get; private set; } = kind;
        public SigningKey? Key { get; private init; }

        /// <summary>The duty as this batch reserved it (no signature yet); shared by a request and its in-batch repeats.</summary>
        public SignedDutyRecord? Reserved { get; private init; }

        /// <summary>The record released to the caller: stored, or newly signed.</summary>
        public SignedDutyRecord? Record { get; private set; }
        public SigningRefusal? Refusal { get; private init; }
        public Hash32? SignedHash { get; private init; }
        public string Detail { get; private set; } = string.Empty;
        public Exception? Failure { get; private set; }

        public static Decision Malformed(PendingRequest pending, string problem) => new(pending, DecisionKind.Malformed) { Detail = problem };

        public static Decision Refused(PendingRequest pending, SigningRefusal refusal, string detail, Hash32? signedHash = null) =>
            new(pending, DecisionKind.Refused) { Refusal = refusal, Detail = detail, SignedHash = signedHash };

        public static Decision Repeated(PendingRequest pending, SigningKey key, SignedDutyRecord record) =>
            new(pending, DecisionKind.Repeated)
            {
                Key = key,
                Record = record,
                Detail = $"identical payload already signed by {record.SignerNode} at {record.SignedAt:O}; the stored signature is returned",
            };

        public static Decision RepeatOfBatch(PendingRequest pending, SigningKey key, SignedDutyRecord reserved) =>
            new(pending, DecisionKind.RepeatOfBatch) { Key = key, Reserved = reserved, Detail = "identical to a request decided in the same transaction" };

        public static Decision ToSign(PendingRequest pending, SigningKey key, SignedDutyRecord reserved) =>
            new(pending, DecisionKind.ToSign) { Key = key, Reserved = reserved };

        public void Sign(Signature signature, string node)
        {
            Record = Reserved! with { Signature = signature, SignerNode = node };
            Kind = DecisionKind.Signed;
            Detail = $"signed with the {KeyNames.Of(Key!.Backend)} key '{Key.KeyReference}'";
        }

        public void Fail(Exception failure)
        {
            Kind = DecisionKind.Failed;
            Failure = failure;
            Detail = failure.Message;
        }

        public void AdoptFrom(Decision first)
        {
            if (first.Kind == DecisionKind.Failed)
            {
                Fail(first.Failure!);
                return;
            }
            Record = first.Record;
            Kind = DecisionKind.Repeated;
        }

        /// <summary>Gives newly signed records the transaction's time, which is what signed_at holds after commit.</summary>
        public void Stamp(DateTimeOffset committedAt)
        {
            if (Record is { SignedAt.Ticks: 0 } record)
            {
                Record = record with { SignedAt = committedAt };
            }
        }

        public AuditEntry Audit()
        {
            var request = Pending.Request;
            var (outcome, reason) = Kind switch
            {
                DecisionKind.Signed => ("granted", (string?)null),
                DecisionKind.Repeated => ("repeated", null),
                DecisionKind.Malformed => ("refused", "malformed_request"),
                DecisionKind.Refused => ("refused", Refusal!.Value.Code()),
                DecisionKind.Failed => ("failed", "backend_failed"),
                _ => throw new InvalidOperationException($"decision {Kind} is not final"),
            };
            return new AuditEntry("sign", outcome, reason, request.Tenant, request.RequestedBy, request.Sequencer, request.Slot,
                DutyNames.IsDefined(request.Duty) ? request.Duty : null, Pending.Problem is null ? Pending.Digest : null, Detail);
        }

        public void Release()
        {
            var request = Pending.Request;
            switch (Kind)
            {
                case DecisionKind.Signed or DecisionKind.Repeated:
                    PlatformMetrics.SigningRequested(request.Tenant, request.Duty, Key!.Backend);
                    PlatformMetrics.SigningGranted(request.Tenant, request.Duty, Key.Backend, Stopwatch.GetElapsedTime(Pending.StartedAt));
                    Pending.Outcome.TrySetResult(new SignedDuty(request.Sequencer, request.Slot, request.Duty, Record!.PayloadHash, Record.Signature,
                        Kind == DecisionKind.Repeated, Record.SignerNode, Record.SignedAt));
                    break;
                case DecisionKind.Refused:
                    PlatformMetrics.SigningRefused(request.Tenant, request.Duty, Refusal!.Value.MetricReason());
                    Pending.Outcome.TrySetException(new SigningRefusedException(Refusal.Value, request.Sequencer, request.Slot, request.Duty, Detail)
                    {
                        SignedPayloadHash = SignedHash,
                        RequestedPayloadHash = SignedHash is null ? null : Pending.Digest,
                    });
                    break;
                case DecisionKind.Malformed:
                    Pending.Outcome.TrySetException(new SigningRequestException(
                        $"Signing request from '{request.RequestedBy}' for {request.Sequencer} at slot {request.Slot} is malformed: {Detail}; nothing was signed."));
                    break;
                default:
                    Pending.Outcome.TrySetException(Failure ?? new InvalidOperationException($"decision {Kind} is not final"));
                    break;
            }
        }
    }
}
