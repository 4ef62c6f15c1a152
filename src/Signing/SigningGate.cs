using System.Collections.Concurrent;
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
/// commit) by one call of the database function signing_gate_decide (infra/postgres/030_signing_gate_per_prover.sql),
/// which holds the rule: it takes the tenants' stop locks shared and every key's advisory lock exclusively,
/// judges each request against the keys, stops and stored duties, inserts the granted records and one audit
/// line per request. Keystore keys are signed ahead, so begin, decision and commit go in one round trip; keys
/// in an HSM or a vault sign between two calls of the function, under the locks. Only after the commit returns
/// does any caller see a signature. Two gates (other silos, other processes) serialise on the same per-key
/// locks, and the primary key of signed_duties (sequencer, slot, duty, prover) backs the rule up.
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

    // Which backend holds each key, learned from the database's answers: decides which requests can be signed ahead.
    private readonly ConcurrentDictionary<Address, SigningKey> _knownKeys = new();

    private const string Granted = "granted";
    private const string Repeated = "repeated";
    private const string Failed = "failed";
    private const string Malformed = "malformed_request";
    private const string ToSign = "to_sign";

    /// <param name="dataSource">The safety database (schema infra/postgres/010_signing_gate.sql).</param>
    /// <param name="backends">One backend per <see cref="SigningBackend"/> the keys use.</param>
    public SigningGate(NpgsqlDataSource dataSource, IEnumerable<IKeyBackend> backends, SigningGateOptions? options = null, ILogger<SigningGate>? logger = null)
    {
        _dataSource = dataSource;
        _backends = backends.ToDictionary(b => b.Backend);
        _options = options ?? new SigningGateOptions();
        if (_options.MaxCommitmentAuthorisationsPerSlot < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxCommitmentAuthorisationsPerSlot,
                "MaxCommitmentAuthorisationsPerSlot must be at least 1 (the chosen prover); it bounds the fallback provers one sequencer authorises per slot.");
        }
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Test seam: runs after a batch committed and before any caller sees its signatures.</summary>
    internal Func<Task>? AfterCommit { get; set; }

    /// <inheritdoc />
    public async Task<SignedDuty> SignAsync(SigningRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pending = new PendingRequest(request, FindProblem(request));
        await SignAheadAsync(pending).ConfigureAwait(false);
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
        if (request.Duty == Duty.CommitmentAuthorisation && request.Prover is null)
        {
            return $"a {DutyNames.CommitmentAuthorisation} names the prover it authorises (one is kept per sequencer, slot and prover); none was given";
        }
        if (request.Duty == Duty.Proposal && request.Prover is { } prover)
        {
            return $"a {DutyNames.Proposal} names no prover, but prover {prover} was given";
        }
        return SigningPayload.FindProblem(request.Payload.Span);
    }

    /// <summary>
    /// Starts batches while fewer than <see cref="SigningGateOptions.MaxConcurrentBatches"/> run. A batch takes every
    /// waiting request whose key is in no running batch, so one key's requests never wait on each other's locks
    /// inside this gate and a busy key's requests gather into its next batch (group commit per key). A second
    /// request for a (sequencer, slot, duty) already in the batch waits for the next one, where the first's record
    /// is committed history: the database judges a batch set-wise, never one request against another. That holds
    /// for commitment authorisations of different provers too, so the per-slot bound counts committed rows only.
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
                var duties = new HashSet<(Address, ulong, Duty)>();
                for (var node = _waiting.First; node is not null && batch.Count < _options.MaxBatchSize;)
                {
                    var next = node.Next;
                    var request = node.Value.Request;
                    if (!_busyKeys.Contains(request.Sequencer) && duties.Add((request.Sequencer, request.Slot, request.Duty)))
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

    /// <summary>
    /// Signs a request in advance, as it arrives, when its key is known to sign in this process (keystores), so its
    /// batch can be checked, recorded and committed in one round trip and the signing overlaps the batch in flight.
    /// The signature is only a candidate: it leaves the gate only if the database function grants it and the
    /// commit returns; otherwise it is dropped.
    /// </summary>
    private async ValueTask SignAheadAsync(PendingRequest pending)
    {
        if (pending.Problem is null && _knownKeys.TryGetValue(pending.Request.Sequencer, out var key)
            && _backends.TryGetValue(key.Backend, out var backend) && backend.SignsInProcess)
        {
            try
            {
                var signature = await backend.SignDigestAsync(key, pending.Digest).ConfigureAwait(false);
                pending.SignedAhead = Secp256k1.FindProblem(signature) is null ? (signature, key.Backend) : null;
            }
            catch (Exception e) when (e is KeyBackendException or SignatureException)
            {
                // Signed again under the lock after the check, where the failure is reported and audited.
                pending.SignedAhead = null;
            }
        }
    }

    /// <summary>
    /// One transaction. When every request was signed ahead (or is malformed), begin, the decision and commit go
    /// in one network write: one round trip, one durable commit. Otherwise the decision runs first, the keys that
    /// sign outside this process sign while the transaction holds their locks, and a second call records them
    /// and commits. Returns the decisions to release once the commit has returned.
    /// </summary>
    private async Task<List<Decision>> DecideOnceAsync(List<PendingRequest> batch)
    {
        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        try
        {
            var oneTrip = batch.TrueForAll(p => p.Problem is not null || p.SignedAhead is not null);
            var rows = await CallAsync(connection, batch, begin: true, commit: oneTrip).ConfigureAwait(false);
            var decisions = batch.Select((p, i) => new Decision(p, rows[i])).ToList();
            var toSign = decisions.Where(d => d.Row.Verdict == ToSign).ToList();
            if (oneTrip)
            {
                if (toSign.Count > 0)
                {
                    // Signed ahead with a key that has since moved to another backend: decide those again, checking first.
                    foreach (var decision in toSign)
                    {
                        decision.Pending.SignedAhead = null;
                    }
                    var again = await DecideOnceAsync([.. toSign.Select(d => d.Pending)]).ConfigureAwait(false);
                    return [.. decisions.Where(d => d.Row.Verdict != ToSign), .. again];
                }
                return decisions;
            }

            foreach (var decision in toSign)
            {
                decision.Pending.SignedAhead = null;
                await SignUnderLockAsync(decision).ConfigureAwait(false);
            }
            var recorded = await CallAsync(connection, [.. toSign.Select(d => d.Pending)], begin: false, commit: true).ConfigureAwait(false);
            for (var i = 0; i < toSign.Count; i++)
            {
                toSign[i].Row = recorded[i];
            }
            return decisions;
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

    /// <summary>Calls signing_gate_decide for <paramref name="requests"/>, beginning and committing the transaction around it if asked.</summary>
    private async Task<List<DecisionRow>> CallAsync(NpgsqlConnection connection, List<PendingRequest> requests, bool begin, bool commit)
    {
        await using var batch = new NpgsqlBatch(connection);
        if (begin)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("begin transaction isolation level read committed"));
        }
        batch.BatchCommands.Add(SigningDecisions.Decide(requests.Select(p => p.Input()).ToList(), _options.NodeName, _options.MaxCommitmentAuthorisationsPerSlot));
        if (commit)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
        }
        List<DecisionRow> rows;
        await using (var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false))
        {
            // "begin" returns no result set: the reader starts at the decisions.
            rows = await SigningDecisions.ReadAsync(reader).ConfigureAwait(false);
            // Read to the end: a failed commit throws here, before any caller can see a signature.
            while (await reader.NextResultAsync().ConfigureAwait(false))
            {
            }
        }
        if (rows.Count != requests.Count)
        {
            throw new InvalidOperationException($"signing_gate_decide answered {rows.Count} rows for {requests.Count} requests");
        }
        foreach (var (pending, row) in requests.Zip(rows))
        {
            if (row is { KeyBackend: { } backend, KeyReference: { } reference })
            {
                _knownKeys[pending.Request.Sequencer] = new SigningKey(pending.Request.Sequencer, pending.Request.Tenant, backend, reference, KeyStatus.Active, null);
            }
        }
        return rows;
    }

    /// <summary>Signs a request the database has just judged signable, while its transaction holds the key's lock.</summary>
    private async Task SignUnderLockAsync(Decision decision)
    {
        var pending = decision.Pending;
        var row = decision.Row;
        var key = new SigningKey(pending.Request.Sequencer, pending.Request.Tenant, row.KeyBackend!.Value, row.KeyReference!, KeyStatus.Active, null);
        if (!_backends.TryGetValue(key.Backend, out var backend))
        {
            pending.Fail(new KeyBackendFailedException(key.Backend, $"No {KeyNames.Of(key.Backend)} backend is configured in this signer for {key.Address}; nothing was signed."));
            return;
        }
        try
        {
            var signature = await backend.SignDigestAsync(key, pending.Digest).ConfigureAwait(false);
            // Backends guarantee the signer (keystores sign with the key found by its address; HSM and vault
            // signatures are matched to it by recovery), so the gate checks only the shape Ethereum accepts.
            if (Secp256k1.FindProblem(signature) is { } problem)
            {
                pending.Fail(new KeyBackendFailedException(key.Backend,
                    $"The {KeyNames.Of(key.Backend)} key '{key.KeyReference}' produced a signature that breaks Ethereum's rules: {problem}; nothing was signed."));
                return;
            }
            pending.SignedAhead = (signature, key.Backend);
        }
        catch (KeyBackendException failure)
        {
            pending.Fail(failure);
        }
        catch (SignatureException failure)
        {
            pending.Fail(new KeyBackendFailedException(key.Backend, $"The {KeyNames.Of(key.Backend)} key '{key.KeyReference}' returned an unusable signature: {failure.Message}; nothing was signed.", failure));
        }
    }

    private sealed class PendingRequest(SigningRequest request, string? problem)
    {
        public SigningRequest Request { get; } = request;
        public string? Problem { get; } = problem;
        public Hash32 Digest { get; } = problem is null ? SigningPayload.Digest(request.Payload.Span) : default;
        public long StartedAt { get; } = Stopwatch.GetTimestamp();
        public TaskCompletionSource<SignedDuty> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>A candidate signature and the backend that made it; it leaves the gate only if the database grants it.</summary>
        public (Signature Signature, SigningBackend Backend)? SignedAhead { get; set; }

        /// <summary>How the backend failed to sign under the lock, reported to the caller and audited.</summary>
        public Exception? Failure { get; private set; }

        public void Fail(Exception failure)
        {
            Failure = failure;
            SignedAhead = null;
        }

        public DecisionInput Input() => new(Request.Tenant, Request.RequestedBy, Request.Sequencer, Request.Slot, Request.Duty, Request.Prover, Digest,
            Request.Payload, Problem, SignedAhead?.Signature, SignedAhead?.Backend, Failure?.Message);

        public SigningRefusedException Refuse(SigningRefusal refusal, string detail, Exception? inner = null) =>
            new(refusal, Request.Sequencer, Request.Slot, Request.Duty, detail, inner);
    }

    /// <summary>What the database decided for one request, released to its caller once the transaction committed.</summary>
    private sealed class Decision(PendingRequest pending, DecisionRow row)
    {
        public PendingRequest Pending { get; } = pending;
        public DecisionRow Row { get; set; } = row;

        public void Release()
        {
            var request = Pending.Request;
            switch (Row.Verdict)
            {
                case Granted or Repeated:
                    var backend = Row.KeyBackend ?? SigningBackend.Keystore;
                    PlatformMetrics.SigningRequested(request.Tenant, request.Duty, backend);
                    PlatformMetrics.SigningGranted(request.Tenant, request.Duty, backend, Stopwatch.GetElapsedTime(Pending.StartedAt));
                    Pending.Outcome.TrySetResult(new SignedDuty(request.Sequencer, request.Slot, request.Duty, Row.StoredHash ?? Pending.Digest,
                        Row.Signature!.Value, Row.Verdict == Repeated, Row.SignerNode!, Row.SignedAt!.Value, request.Prover));
                    break;
                case Malformed:
                    Pending.Outcome.TrySetException(new SigningRequestException(
                        $"Signing request from '{request.RequestedBy}' for {request.Sequencer} at slot {request.Slot} is malformed: {Row.Detail}; nothing was signed."));
                    break;
                case Failed:
                    Pending.Outcome.TrySetException(Pending.Failure ?? new InvalidOperationException($"the backend failed: {Row.Detail}"));
                    break;
                default:
                    if (SigningRefusals.ParseCode(Row.Verdict) is not { } refusal)
                    {
                        Pending.Outcome.TrySetException(Pending.Refuse(SigningRefusal.SafetyRecordUnavailable,
                            $"the safety database answered verdict '{Row.Verdict}', which this gate does not know; nothing was signed"));
                        break;
                    }
                    PlatformMetrics.SigningRefused(request.Tenant, request.Duty, refusal.MetricReason());
                    var conflict = refusal == SigningRefusal.ConflictingPayload;
                    Pending.Outcome.TrySetException(new SigningRefusedException(refusal, request.Sequencer, request.Slot, request.Duty, Row.Detail ?? refusal.Code())
                    {
                        SignedPayloadHash = conflict ? Row.StoredHash : null,
                        RequestedPayloadHash = conflict ? Pending.Digest : null,
                    });
                    break;
            }
        }
    }
}
