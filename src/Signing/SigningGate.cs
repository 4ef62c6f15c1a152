using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
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
/// commit) by one call of the database function signing_gate_decide
/// (infra/postgres/070_signing_gate_tenant_bound_and_repeats.sql), which holds the rule, or of its fast path
/// signing_gate_decide_fast (080_signing_gate_fast_grants.sql) when every request was signed ahead. It takes the
/// tenants' stop locks shared and every key's advisory lock exclusively, judges each request against the keys,
/// stops and stored duties, inserts the granted records and one audit line per request. Keystore keys are signed
/// ahead, so begin, decision and commit go in one round trip; keys in an HSM or a vault sign between two calls of
/// the function, under the locks. Only after the commit returns does any caller see a signature. Two gates (other
/// silos, other processes) serialise on the same per-key locks, and the primary key of signed_duties (sequencer,
/// slot, duty, prover) backs the rule up.
/// </summary>
public sealed class SigningGate : ISigningGate, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Dictionary<SigningBackend, IKeyBackend> _backends;
    private readonly SigningGateOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _dispatch = new();
    private readonly LinkedList<PendingRequest> _waiting = new();
    // How many batches each key is in (at most MaxBatchesPerKey).
    private readonly Dictionary<Address, int> _busyKeys = [];
    // Connections kept open between batches (HoldConnections): newest last; each with when it went idle.
    private readonly List<(NpgsqlConnection Connection, long IdleSince)> _idle = [];
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Batches holding a connection (bounded by MaxConcurrentBatches), and batches not yet answered (for DisposeAsync).
    private int _running;
    private int _unanswered;
    private bool _closed;

    /// <summary>A held connection idle longer than this goes back to the pool instead of being used again.</summary>
    private static readonly TimeSpan HeldIdleLimit = TimeSpan.FromSeconds(10);

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
        if (_options.MaxBatchesPerKey is < 1 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.MaxBatchesPerKey,
                "MaxBatchesPerKey must be 1 (a key's batches one at a time) or 2 (its next batch waits in PostgreSQL for the key's lock while the current one commits).");
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
            if (_unanswered == 0 && _waiting.Count == 0)
            {
                _drained.TrySetResult();
            }
        }
        await _drained.Task.ConfigureAwait(false);
        List<(NpgsqlConnection Connection, long IdleSince)> idle;
        lock (_dispatch)
        {
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var (connection, _) in idle)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
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
        if (request.MaxProvers is < 1 and var bound)
        {
            return $"the tenant's bound on commitment authorisations per slot is {bound}; expected at least 1 (the chosen prover), or none for the platform's";
        }
        return SigningPayload.FindProblem(request.Payload.Span);
    }

    /// <summary>
    /// Starts batches while fewer than <see cref="SigningGateOptions.MaxConcurrentBatches"/> run. A batch takes every
    /// waiting request whose key is in fewer than <see cref="SigningGateOptions.MaxBatchesPerKey"/> running batches, so
    /// a busy key's requests gather into its next batch (group commit per key). A second request for a (sequencer,
    /// slot, duty) already in the batch waits for the next one, where the first's record is committed history: the
    /// database judges a batch set-wise, never one request against another. That holds for commitment
    /// authorisations of different provers too, so the per-slot bound counts committed rows only. Two batches of
    /// one key (MaxBatchesPerKey 2) serialise on the key's lock in PostgreSQL, the later one seeing what the
    /// earlier committed, exactly as batches of two gates do.
    /// </summary>
    private void Dispatch()
    {
        List<List<PendingRequest>>? start = null;
        lock (_dispatch)
        {
            var perKey = _options.MaxBatchesPerKey;
            while (_running < Math.Max(1, _options.MaxConcurrentBatches) && _waiting.Count > 0)
            {
                List<PendingRequest>? batch = null;
                HashSet<(Address, ulong, Duty)>? duties = null;
                for (var node = _waiting.First; node is not null && (batch?.Count ?? 0) < _options.MaxBatchSize;)
                {
                    var next = node.Next;
                    var request = node.Value.Request;
                    if ((!_busyKeys.TryGetValue(request.Sequencer, out var batches) || batches < perKey)
                        && (duties ??= []).Add((request.Sequencer, request.Slot, request.Duty)))
                    {
                        (batch ??= []).Add(node.Value);
                        _waiting.Remove(node);
                    }
                    node = next;
                }
                if (batch is null)
                {
                    break;
                }
                var keys = new HashSet<Address>();
                foreach (var pending in batch)
                {
                    if (keys.Add(pending.Request.Sequencer))
                    {
                        ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_busyKeys, pending.Request.Sequencer, out _);
                        count++;
                    }
                }
                _running++;
                _unanswered++;
                (start ??= []).Add(batch);
            }
        }
        foreach (var batch in start ?? [])
        {
            if (_options.StartInline)
            {
                // Runs here up to its first wait for PostgreSQL (the batch is written by then); no thread-pool hop.
                _ = RunBatchAsync(batch);
            }
            else
            {
                _ = Task.Run(() => RunBatchAsync(batch));
            }
        }
    }

    private async Task RunBatchAsync(List<PendingRequest> batch)
    {
        List<Decision> decided = [];
        try
        {
            decided = await DecideAsync(batch).ConfigureAwait(false);
        }
        catch (Exception unexpected)
        {
            // DecideAsync settles failed requests itself; this only guards the gate against a bug.
            _logger.LogError(unexpected, "The signing gate failed a batch of {Count} requests unexpectedly; none was answered with a signature.", batch.Count);
            decided = [];
            foreach (var pending in batch)
            {
                pending.Outcome.TrySetException(pending.Refuse(SigningRefusal.SafetyRecordUnavailable, $"the gate failed unexpectedly ({unexpected.GetType().Name})", unexpected));
            }
        }
        lock (_dispatch)
        {
            foreach (var key in batch.Select(p => p.Request.Sequencer).Distinct())
            {
                if (--CollectionsMarshal.GetValueRefOrNullRef(_busyKeys, key) == 0)
                {
                    _busyKeys.Remove(key);
                }
            }
            _running--;
        }
        // The batch has committed (or failed) and its connection is free: the keys' next batch goes out before
        // this one's callers are answered, so PostgreSQL works on it while they are.
        Dispatch();
        foreach (var decision in decided)
        {
            try
            {
                decision.Release();
            }
            catch (Exception unexpected)
            {
                _logger.LogError(unexpected, "The signing gate could not answer a decided request unexpectedly.");
                decision.Pending.Outcome.TrySetException(decision.Pending.Refuse(SigningRefusal.SafetyRecordUnavailable, $"the gate failed unexpectedly ({unexpected.GetType().Name})", unexpected));
            }
        }
        lock (_dispatch)
        {
            if (--_unanswered == 0 && _closed && _waiting.Count == 0)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>Decides a batch, retrying after a deadlock or a unique violation; returns the decisions to release (none when it refused the batch).</summary>
    private async Task<List<Decision>> DecideAsync(List<PendingRequest> batch)
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
                return decisions;
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
                return [];
            }
        }
    }

    /// <summary>
    /// A connection for one batch: the most recently used held one (HoldConnections), else one from the pool. Held
    /// connections skip the pool's session reset, so PostgreSQL keeps the function's cached plans and this gate's
    /// prepared statements between batches.
    /// </summary>
    private async ValueTask<(NpgsqlConnection Connection, bool Held)> TakeConnectionAsync(bool fresh)
    {
        if (_options.HoldConnections && !fresh)
        {
            List<NpgsqlConnection>? stale = null;
            NpgsqlConnection? held = null;
            lock (_dispatch)
            {
                while (held is null && _idle.Count > 0)
                {
                    var (connection, idleSince) = _idle[^1];
                    _idle.RemoveAt(_idle.Count - 1);
                    if (Stopwatch.GetElapsedTime(idleSince) < HeldIdleLimit && connection.State == System.Data.ConnectionState.Open)
                    {
                        held = connection;
                    }
                    else
                    {
                        (stale ??= []).Add(connection);
                    }
                }
            }
            foreach (var connection in stale ?? [])
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            if (held is not null)
            {
                return (held, true);
            }
        }
        return (await _dataSource.OpenConnectionAsync().ConfigureAwait(false), false);
    }

    /// <summary>Keeps a connection whose transaction ended (committed) for the next batch, or gives it back to the pool.</summary>
    private async ValueTask ReturnConnectionAsync(NpgsqlConnection connection)
    {
        if (_options.HoldConnections && connection.State == System.Data.ConnectionState.Open)
        {
            lock (_dispatch)
            {
                // DisposeAsync waits for this batch to be answered, then disposes every idle connection.
                _idle.Add((connection, Stopwatch.GetTimestamp()));
                return;
            }
        }
        await connection.DisposeAsync().ConfigureAwait(false);
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
        for (var fresh = false; ; fresh = true)
        {
            var (connection, held) = await TakeConnectionAsync(fresh).ConfigureAwait(false);
            List<Decision> decisions;
            List<PendingRequest>? again;
            try
            {
                (decisions, again) = await DecideOnAsync(connection, batch).ConfigureAwait(false);
            }
            catch (Exception failure)
            {
                var broken = connection.State != System.Data.ConnectionState.Open;
                if (!broken)
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
                }
                await connection.DisposeAsync().ConfigureAwait(false);
                if (held && broken && failure is NpgsqlException)
                {
                    // A held connection that broke while idle (server restart, idle timeout, network): decide the batch
                    // again on a fresh one. Safe whatever the first attempt did: had it committed, the same requests now
                    // find their records and return the stored signatures.
                    _logger.LogWarning("A held connection to the safety database broke ({Message}); deciding the batch of {Count} again on a new connection.", failure.Message, batch.Count);
                    continue;
                }
                throw;
            }
            await ReturnConnectionAsync(connection).ConfigureAwait(false);
            if (again is null)
            {
                return decisions;
            }
            // Signed ahead with a key that has since moved to another backend: decide those again, checking first.
            return [.. decisions.Where(d => d.Row.Verdict != ToSign), .. await DecideOnceAsync(again).ConfigureAwait(false)];
        }
    }

    /// <summary>The transaction of <see cref="DecideOnceAsync"/>; also returns the requests to decide again in a new one.</summary>
    private async Task<(List<Decision> Decisions, List<PendingRequest>? Again)> DecideOnAsync(NpgsqlConnection connection, List<PendingRequest> batch)
    {
        var oneTrip = batch.TrueForAll(p => p.Problem is not null || p.SignedAhead is not null);
        var rows = await CallAsync(connection, batch, begin: true, commit: oneTrip).ConfigureAwait(false);
        var decisions = new List<Decision>(batch.Count);
        List<Decision>? toSign = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var decision = new Decision(batch[i], rows[i]);
            decisions.Add(decision);
            if (decision.Row.Verdict == ToSign)
            {
                (toSign ??= []).Add(decision);
            }
        }
        if (oneTrip)
        {
            if (toSign is null)
            {
                return (decisions, null);
            }
            // Committed without them: nothing was written for a to_sign request.
            foreach (var decision in toSign)
            {
                decision.Pending.SignedAhead = null;
            }
            return (decisions, [.. toSign.Select(d => d.Pending)]);
        }

        // Not committed yet: the keys that sign outside this process sign now, under the locks, and the second call
        // records them and commits (with an empty list it only commits the first call's records and audit lines).
        toSign ??= [];
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
        return (decisions, null);
    }

    /// <summary>
    /// Calls signing_gate_decide, or its fast path when every request was signed ahead, for <paramref name="requests"/>,
    /// beginning and committing the transaction around it if asked.
    /// </summary>
    private async Task<List<DecisionRow>> CallAsync(NpgsqlConnection connection, List<PendingRequest> requests, bool begin, bool commit)
    {
        await using var batch = new NpgsqlBatch(connection);
        if (begin)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("begin transaction isolation level read committed"));
        }
        // Only a batch signed ahead throughout can be granted whole; any other would pay the fast statement for nothing.
        var fastPath = _options.FastPath && requests.Count > 0 && requests.TrueForAll(p => p.Problem is null && p.Failure is null && p.SignedAhead is not null);
        batch.BatchCommands.Add(SigningDecisions.Decide(requests.Select(p => p.Input()).ToList(), _options.NodeName, _options.MaxCommitmentAuthorisationsPerSlot, fastPath));
        if (commit)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
        }
        if (_options.HoldConnections)
        {
            // Prepared once per held connection (a round trip the first time, nothing after): no parse per batch.
            await batch.PrepareAsync().ConfigureAwait(false);
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
            throw new InvalidOperationException($"{(fastPath ? SigningDecisions.FastPath : SigningDecisions.FullRule)} answered {rows.Count} rows for {requests.Count} requests");
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
            Request.Payload, Problem, SignedAhead?.Signature, SignedAhead?.Backend, Failure?.Message, Request.MaxProvers);

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
