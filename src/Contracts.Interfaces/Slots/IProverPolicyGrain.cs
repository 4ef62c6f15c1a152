using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Slots;

/// <summary>
/// A tenant's proof-boost policy (PROTOCOL.md, "proof-boost": "picks one by the tenant's policy"), keyed by the
/// tenant id. The slot grain reads it when it chooses a quote for a slot one of the tenant's sequencers leads.
/// Without one, <see cref="ProverPolicy.Default"/>: the protocol's default policy.
/// </summary>
[Alias("hosting.prover-policy")]
public interface IProverPolicyGrain : IGrainWithStringKey
{
    [Alias("set")]
    Task<ProverPolicy> SetAsync(ProverPolicy policy);

    [Alias("get")]
    Task<ProverPolicy> GetAsync();
}

/// <summary>How quotes are ranked once they pass the policy's filters.</summary>
public enum ProverPreference
{
    /// <summary>The cheapest fee first (the protocol's default).</summary>
    LowestFee,
    /// <summary>The largest bond first (more at stake for the prover), then the cheapest fee.</summary>
    HighestBond,
}

/// <summary>
/// Whether the platform's own prover agents may submit a backup block (PROTOCOL.md, Block production step 7) for a
/// slot one of the tenant's sequencers won or was due to produce, once backup opens on it.
/// </summary>
public enum BackupPolicy
{
    /// <summary>They may (the default): the backup block carries the slot, whoever submits it takes the sequencer's share.</summary>
    Submit = 0,

    /// <summary>They never do; anyone else still may.</summary>
    Never = 1,
}

/// <summary>
/// Which quotes a tenant accepts and in what order, and whether the platform's agents submit backup blocks for its
/// failed slots. Amounts are in wei, as decimal text.
/// </summary>
/// <param name="MinimumBond">At least this bond; the rollup's own minimum applies whatever this says.</param>
/// <param name="MaximumFee">Quotes asking more are refused; null for no limit.</param>
/// <param name="RequireCleanRecord">Skip provers with a slash on record (the default).</param>
/// <param name="AllowedProvers">Only these provers, when not empty.</param>
/// <param name="BlockedProvers">Never these provers.</param>
/// <param name="Preference">The order among acceptable quotes.</param>
/// <param name="Backup">Whether the platform's agents submit a backup block when backup opens on the tenant's slot.</param>
/// <param name="MaxAuthorisationsPerSlot">
/// The most provers one of the tenant's sequencers authorises per slot (the chosen one and its fallbacks), enforced by
/// the signing-safety gate; null for the platform's <c>Hosting:Keys:MaxCommitmentAuthorisationsPerSlot</c>, which
/// stays the ceiling whatever this says.
/// </param>
[GenerateSerializer, Immutable, Alias("hosting.prover-policy-view")]
public sealed record ProverPolicy(
    [property: Id(0)] string MinimumBond,
    [property: Id(1)] string? MaximumFee,
    [property: Id(2)] bool RequireCleanRecord,
    [property: Id(3)] IReadOnlyList<Address> AllowedProvers,
    [property: Id(4)] IReadOnlyList<Address> BlockedProvers,
    [property: Id(5)] ProverPreference Preference,
    [property: Id(6)] BackupPolicy Backup = BackupPolicy.Submit,
    [property: Id(7)] int? MaxAuthorisationsPerSlot = null)
{
    /// <summary>
    /// The protocol's default: any prover with a clean record and the rollup's minimum bond, lowest fee; backup blocks
    /// submitted by the platform's agents (docs/slot-pipeline.md, "Backup blocks", says why).
    /// </summary>
    public static readonly ProverPolicy Default = new("0", null, true, [], [], ProverPreference.LowestFee);
}
