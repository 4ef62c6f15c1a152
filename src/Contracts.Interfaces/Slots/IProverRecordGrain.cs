using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Slots;

/// <summary>
/// What the platform has seen one prover do on L1, across every tenant (keyed by the prover's address):
/// authorisations it let lapse, commitments, proofs and slashed bonds. The proof-boost choice reads it and
/// skips provers with a slash on record (PROTOCOL.md, "proof-boost": "whose record is clean").
/// </summary>
[Alias("hosting.prover-record")]
public interface IProverRecordGrain : IGrainWithStringKey
{
    /// <summary>The prover was authorised for <paramref name="slot"/> and did not commit in time.</summary>
    [Alias("lapsed")]
    Task LapsedAsync(ulong slot);

    [Alias("committed")]
    Task CommittedAsync(ulong slot);

    [Alias("proved")]
    Task ProvedAsync(ulong slot);

    [Alias("slashed")]
    Task SlashedAsync(ulong slot);

    /// <summary>
    /// A reorg took away the commitment (<paramref name="fact"/> "committed") or the proof ("proved") counted for
    /// <paramref name="slot"/>: the count goes back down, so the record follows the surviving branch and a commitment
    /// or proof sent again on it is counted once. A fact not counted (or too old to be remembered) changes nothing.
    /// </summary>
    [Alias("withdrawn")]
    Task WithdrawnAsync(string fact, ulong slot);

    [Alias("get")]
    Task<ProverRecord> GetAsync();
}

/// <summary>Counts of what one prover did, and the last slot of each.</summary>
[GenerateSerializer, Immutable, Alias("hosting.prover-record-view")]
public sealed record ProverRecord(
    [property: Id(0)] Address Prover,
    [property: Id(1)] int Lapsed,
    [property: Id(2)] int Committed,
    [property: Id(3)] int Proved,
    [property: Id(4)] int Slashed,
    [property: Id(5)] ulong? LastSlashedSlot)
{
    /// <summary>Never slashed: the default policy's "clean record".</summary>
    public bool Clean => Slashed == 0;
}
