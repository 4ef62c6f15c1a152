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

    /// <summary>How many batches may be in flight at once (each holds one pooled connection); a key is in at most one of them.</summary>
    public int MaxConcurrentBatches { get; set; } = 4;

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
