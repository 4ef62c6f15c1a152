using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Slots;

namespace Hosting.Grains.Slots;

/// <summary>
/// The proof-boost policy (PROTOCOL.md, "proof-boost"): among quotes whose bond reaches the minimum and that are
/// still valid, from provers with no slash on record and not authorised yet for this slot, the lowest fee wins;
/// a prover that let an earlier authorisation lapse comes after every prover that never did. Ties go to the
/// lower address, so every silo picks the same quote.
/// </summary>
public static class ProverChoice
{
    public static StoredQuote? Next(IEnumerable<StoredQuote> quotes, BigInteger minimumBond, ulong validAtBlock,
        IReadOnlyCollection<string> alreadyAuthorised, IReadOnlyDictionary<string, ProverRecord> records) =>
        quotes
            .Where(q => Amount(q.Bond) >= minimumBond && q.ExpiryBlock >= validAtBlock && !alreadyAuthorised.Contains(q.Prover))
            .Where(q => !records.TryGetValue(q.Prover, out var record) || record.Clean)
            .OrderBy(q => records.TryGetValue(q.Prover, out var record) && record.Lapsed > 0 ? 1 : 0)
            .ThenBy(q => Amount(q.Fee))
            .ThenBy(q => q.Prover, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>Why no quote qualifies, for the slot's view.</summary>
    public static string NoneQualifies(ulong slot, int received, BigInteger minimumBond, ulong validAtBlock, int authorised, IReadOnlyDictionary<string, ProverRecord> records) =>
        string.Create(CultureInfo.InvariantCulture,
            $"No quote for slot {slot} qualifies: {received} received, {authorised} already authorised, {records.Values.Count(r => !r.Clean)} from provers with a slash on record; a quote needs a bond of at least {minimumBond} and to be valid at block {validAtBlock}.");

    private static BigInteger Amount(string text) => BigInteger.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>How long a chosen prover has to commit before the slot authorises the next quote (while Commitment lasts).</summary>
public sealed record ProofBoostOptions
{
    /// <summary>
    /// Counted from the authorisation. Shorter than one L1 block, so a fallback prover can still land its
    /// commitment in the next block of a two-block Commitment phase.
    /// </summary>
    public TimeSpan CommitmentGrace { get; init; } = TimeSpan.FromSeconds(4);
}
