using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Hosting.Silo.Database;

/// <summary>
/// When a silo starts, declares dead the membership rows still marked Active whose silo has not written its heartbeat
/// for Orleans' own staleness bound (<see cref="ClusterMembershipOptions.IAmAliveTablePublishTimeout"/> x
/// <see cref="ClusterMembershipOptions.NumMissedTableIAmAliveLimit"/>) and does not accept a TCP connection on its
/// silo port, waiting at most one such bound for rows that are not stale yet. After every silo died at once,
/// Orleans' join check waits for such rows to be probed three times and voted out; this does the same write (<c>DeclareDead</c>: the row Dead, this silo added as suspecter, the table
/// version bumped under its etag) without the probes, so the first new silo joins at once. A row that is fresh or
/// whose port answers is left to Orleans.
/// </summary>
public sealed class StaleSiloEviction(
    IMembershipTable table,
    ILocalSiloDetails self,
    IClusterMembershipService membership,
    IOptions<ClusterMembershipOptions> options,
    ILogger<StaleSiloEviction> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    private TimeSpan StaleAfter => options.Value.IAmAliveTablePublishTimeout * options.Value.NumMissedTableIAmAliveLimit;

    // After this silo wrote its Joining row (AfterRuntimeGrainServices) and before Orleans validates connectivity.
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StaleSiloEviction), ServiceLifecycleStage.ValidateInitialConnectivity - 1, EvictAsync);

    private async Task EvictAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EvictStaleAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Only a shortcut: Orleans' own join check still evicts these rows after its probes.
            logger.LogWarning(e, "Membership: could not check the table for silos that died without leaving; Orleans' join check will probe them");
        }
    }

    /// <summary>
    /// Rows of silos that refuse connections are declared dead as soon as they are stale; the wait ends when none is
    /// left, or after one staleness bound plus a probe timeout (a silo that keeps writing heartbeats is not dead).
    /// </summary>
    private async Task EvictStaleAsync(CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + StaleAfter + options.Value.ProbeTimeout;
        var warned = new HashSet<SiloAddress>();
        while (true)
        {
            var others = Others(await table.ReadAllAsync(cancellationToken)).ToList();
            var answers = await Task.WhenAll(others.Select(e => AcceptsConnectionAsync(e.SiloAddress, cancellationToken)));
            var rows = others.Zip(answers, (entry, answered) => (Entry: entry, Answered: answered)).ToList();
            foreach (var (entry, _) in rows.Where(r => r.Answered && IsStale(r.Entry, DateTime.UtcNow) && warned.Add(r.Entry.SiloAddress)))
            {
                logger.LogWarning("Membership: silo {Silo} has not written its heartbeat for over {StaleAfter} s but accepts connections; Orleans' probes decide", entry.SiloAddress, StaleAfter.TotalSeconds);
            }
            var silent = rows.Where(r => !r.Answered).Select(r => r.Entry).ToList();
            foreach (var entry in silent.Where(e => IsStale(e, DateTime.UtcNow)))
            {
                await DeclareDeadAsync(entry.SiloAddress, cancellationToken);
            }
            var waiting = silent.Where(e => !IsStale(e, DateTime.UtcNow)).ToList();
            if (waiting.Count == 0)
            {
                break;
            }
            var next = waiting.Min(e => LastSign(e) + StaleAfter) + TimeSpan.FromMilliseconds(100);
            if (next > until)
            {
                break;
            }
            // Look again within a second: the running silos' probes may evict the row first (one silo restarted).
            var wait = next - DateTime.UtcNow;
            await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait < Recheck ? wait : Recheck, cancellationToken);
        }
        await membership.Refresh(cancellationToken: cancellationToken);
    }

    /// <summary>Active rows of other silos (a row on this silo's own endpoint is an older clone Orleans itself retires).</summary>
    private IEnumerable<MembershipEntry> Others(MembershipTableData data) =>
        data.Members.Select(m => m.Item1).Where(e => e.Status == SiloStatus.Active && !e.SiloAddress.Endpoint.Equals(self.SiloAddress.Endpoint));

    private bool IsStale(MembershipEntry entry, DateTime now) => now - LastSign(entry) > StaleAfter;

    private static DateTime LastSign(MembershipEntry entry)
    {
        var alive = DateTime.SpecifyKind(entry.IAmAliveTime, DateTimeKind.Utc);
        var started = DateTime.SpecifyKind(entry.StartTime, DateTimeKind.Utc);
        return alive > started ? alive : started;
    }

    /// <summary>Whether anything accepts a TCP connection on the silo's port within Orleans' probe timeout.</summary>
    private async Task<bool> AcceptsConnectionAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ProbeTimeout);
        using var client = new TcpClient(silo.Endpoint.AddressFamily);
        try
        {
            await client.ConnectAsync(silo.Endpoint, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Marks <paramref name="silo"/> Dead if its row is still Active and stale, as Orleans' DeclareDead writes it; retries a lost race twice.</summary>
    private async Task DeclareDeadAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var data = await table.ReadAllAsync(cancellationToken);
            var row = data.Members.FirstOrDefault(m => m.Item1.SiloAddress.Equals(silo));
            if (row is null || row.Item1.Status != SiloStatus.Active || !IsStale(row.Item1, DateTime.UtcNow))
            {
                return;
            }
            var entry = row.Item1;
            var heartbeat = LastSign(entry);
            entry.AddSuspector(self.SiloAddress, DateTime.UtcNow);
            entry.Status = SiloStatus.Dead;
            if (await table.UpdateRowAsync(entry, row.Item2, data.Version.Next(), cancellationToken))
            {
                logger.LogWarning(
                    "Membership: declared silo {Silo} ({Name}) dead at start: no heartbeat since {Heartbeat:O} (over {StaleAfter} s) and nothing accepts connections on its silo port",
                    silo, entry.SiloName, heartbeat, StaleAfter.TotalSeconds);
                return;
            }
        }
    }
}
