using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Telemetry;

// What a registered gauge source reports at each scrape (PlatformMetrics.Observe*).

/// <summary>How many of a tenant's hosted sequencers are in one status.</summary>
public readonly record struct SequencerCount(string Tenant, SequencerStatus Status, long Count);

/// <summary>A count that belongs to one tenant (bonds at risk on its slots).</summary>
public readonly record struct TenantCount(string Tenant, long Count);

/// <summary>
/// A tenant's publishers taken together: their summed balance in wei, how many are below the minimum
/// balance the platform needs to send their duties, and how many transactions they have pending.
/// </summary>
public readonly record struct PublisherReading(string Tenant, BigInteger BalanceWei, long Underfunded, long Pending);

/// <summary>
/// How far this silo's L1 follower is behind the best head any endpoint reports, and how long ago it last
/// saw a new head (a stalled node shows no lag, only age).
/// </summary>
public readonly record struct L1HeadReading(long LagBlocks, TimeSpan SinceNewHead);

/// <summary>One readiness check's result on this silo.</summary>
public readonly record struct ReadinessReading(ReadinessCheck Check, bool Ready);
