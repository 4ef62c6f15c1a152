using Hosting.Contracts.L1;

namespace Hosting.Contracts.Slots;

/// <summary>
/// One slot of the rollup, driven end to end for every tenant (DESIGN.md, "The way one slot flows"); keyed by
/// the slot number in decimal. The slot clock forecasts it when its seed is fixed; only a slot where a hosted
/// sequencer ranks first keeps itself awake (through the follower's wake blocks), so idle slots stay asleep.
/// The follower delivers the rollup's events of the slot to it (BlockProposed, ProverCommitted, ...).
/// </summary>
[Alias("hosting.slot")]
public interface ISlotGrain : IL1EventConsumer
{
    /// <summary>Reads the slot's seed and ranks the hosted sequencers; idempotent. Returns when to wake the slot next.</summary>
    [Alias("forecast")]
    Task<L1Reaction> ForecastAsync();

    /// <summary>A prover's quote for this slot (proof-boost); kept when the slot is ours and the quote is in time.</summary>
    [Alias("quote")]
    Task<QuoteAnswer> QuoteAsync(ProverQuote quote);

    /// <summary>The commitment authorisation signed for <paramref name="prover"/>, once it was chosen; null otherwise.</summary>
    [Alias("authorisation")]
    Task<CommitmentAuthorisation?> AuthorisationForAsync(Hosting.Contracts.Domain.Address prover);

    /// <summary>
    /// Whether the platform's own agents may submit a backup block for this slot: the winning tenant's
    /// <see cref="BackupPolicy"/>, read now; counted once per slot and answer.
    /// </summary>
    [Alias("backup")]
    Task<BackupAnswer> BackupAnswerAsync();

    [Alias("get")]
    Task<SlotView> GetAsync();
}
