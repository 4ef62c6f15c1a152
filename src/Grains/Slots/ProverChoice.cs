using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Slots;

namespace Hosting.Grains.Slots;

/// <summary>
/// The proof-boost choice (PROTOCOL.md, "proof-boost") under a tenant's <see cref="ProverPolicy"/>: among quotes
/// whose bond reaches both the rollup's minimum and the policy's, that are still valid, not over the policy's
/// maximum fee, from provers the policy allows (allow list, block list, clean record unless the tenant waives it)
/// and not authorised yet for this slot. A prover that let an earlier authorisation lapse comes after every prover
/// that never did; then the policy's preference (lowest fee, or highest bond then lowest fee). Ties go to the
/// lower address, so every silo picks the same quote. The default policy is the protocol's.
/// </summary>
public static class ProverChoice
{
    public static StoredQuote? Next(IEnumerable<StoredQuote> quotes, BigInteger minimumBond, ulong validAtBlock,
        IReadOnlyCollection<string> alreadyAuthorised, IReadOnlyDictionary<string, ProverRecord> records, ProverPolicy? policy = null)
    {
        policy ??= ProverPolicy.Default;
        var bondFloor = BigInteger.Max(minimumBond, Amount(policy.MinimumBond));
        BigInteger? feeCeiling = policy.MaximumFee is { } fee ? Amount(fee) : null;
        var allowed = policy.AllowedProvers.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal);
        var blocked = policy.BlockedProvers.Select(a => a.ToString()).ToHashSet(StringComparer.Ordinal);
        var acceptable = quotes
            .Where(q => Amount(q.Bond) >= bondFloor && q.ExpiryBlock >= validAtBlock && !alreadyAuthorised.Contains(q.Prover))
            .Where(q => feeCeiling is not { } ceiling || Amount(q.Fee) <= ceiling)
            .Where(q => (allowed.Count == 0 || allowed.Contains(q.Prover)) && !blocked.Contains(q.Prover))
            .Where(q => !policy.RequireCleanRecord || !records.TryGetValue(q.Prover, out var record) || record.Clean)
            .OrderBy(q => records.TryGetValue(q.Prover, out var record) && record.Lapsed > 0 ? 1 : 0);
        var ordered = policy.Preference == ProverPreference.HighestBond
            ? acceptable.ThenByDescending(q => Amount(q.Bond)).ThenBy(q => Amount(q.Fee))
            : acceptable.ThenBy(q => Amount(q.Fee));
        return ordered.ThenBy(q => q.Prover, StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>Why no quote qualifies, for the slot's view.</summary>
    public static string NoneQualifies(ulong slot, int received, BigInteger minimumBond, ulong validAtBlock, int authorised, IReadOnlyDictionary<string, ProverRecord> records, ProverPolicy? policy = null)
    {
        policy ??= ProverPolicy.Default;
        var bondFloor = BigInteger.Max(minimumBond, Amount(policy.MinimumBond));
        var limits = string.Create(CultureInfo.InvariantCulture,
            $"a bond of at least {bondFloor}{(policy.MaximumFee is { } fee ? $", a fee of at most {fee}" : "")}{(policy.AllowedProvers.Count > 0 ? $", a prover among the {policy.AllowedProvers.Count} the tenant allows" : "")}{(policy.BlockedProvers.Count > 0 ? $", a prover not among the {policy.BlockedProvers.Count} it blocks" : "")}");
        return string.Create(CultureInfo.InvariantCulture,
            $"No quote for slot {slot} qualifies: {received} received, {authorised} already authorised, {records.Values.Count(r => !r.Clean)} from provers with a slash on record{(policy.RequireCleanRecord ? "" : " (allowed by the tenant)")}; a quote needs {limits} and to be valid at block {validAtBlock}.");
    }

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
