namespace Hosting.Signing;

/// <summary>How a <see cref="SigningGate"/> batches its work. The defaults suit one silo.</summary>
public sealed class SigningGateOptions
{
    /// <summary>Recorded as the signer node of every signature and audit line; the silo's name by default.</summary>
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>
    /// The most requests one PostgreSQL transaction decides and commits together (group commit). Larger
    /// batches mean fewer fsyncs per signature; a batch waits for its slowest backend call.
    /// </summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// How many batches may be in flight at once (each holds one pooled connection); a key is in at most one of them.
    /// 2: with many keys each batch then gathers more requests (fewer transactions for PostgreSQL's backends to run on
    /// the same cores): at 2,000 signatures/s with 16 and 256 keys, p99 4.7–10.2 ms against 6.8–15.9 ms with 4
    /// (bench/results/signing.md, 2026-11-26 09:14–09:27).
    /// </summary>
    public int MaxConcurrentBatches { get; set; } = 2;

    /// <summary>
    /// How many batches one key may be in at once (1 or 2). With 2 the gate sends a key's next batch while the current
    /// one is still committing: the next one waits in PostgreSQL for the key's lock and runs the moment the current
    /// one commits, instead of after its answer has come back to this process. The lock, not this setting, keeps
    /// the rule: the waiting batch takes a new snapshot once it holds the lock and sees what the first committed.
    /// </summary>
    public int MaxBatchesPerKey { get; set; } = 1;

    /// <summary>
    /// Bench seam (A/B in one run): keep the gate's connections open between batches (no pool round trip and no
    /// session reset, so PostgreSQL keeps the function's cached plans) and prepare its statements. On by default.
    /// </summary>
    internal bool HoldConnections { get; set; } = true;

    /// <summary>
    /// Bench and test seam (A/B in one run): a batch whose every request was signed ahead goes to the fast path
    /// signing_gate_decide_fast (infra/postgres/080), which grants it in one statement when it would grant it whole
    /// and otherwise runs the full rule in the same call. Off: every batch goes to signing_gate_decide. On by default.
    /// </summary>
    internal bool FastPath { get; set; } = true;

    /// <summary>Bench seam: start a batch on the thread that made it possible instead of queueing it to the thread pool. On by default.</summary>
    internal bool StartInline { get; set; } = true;

    /// <summary>How often a batch is retried after a deadlock or a unique violation before its requests are refused.</summary>
    public int MaxBatchAttempts { get; set; } = 3;

    /// <summary>
    /// The most commitment authorisations (each for another prover) one sequencer key signs for one slot: the
    /// chosen prover plus the proof-boost fallbacks. L1 takes one commitment per slot, so more are safe; the bound
    /// only keeps a misbehaving pipeline from authorising every quote. Further provers are refused
    /// (<see cref="SigningRefusal.ProverLimitReached"/>).
    /// </summary>
    public int MaxCommitmentAuthorisationsPerSlot { get; set; } = 4;
}
