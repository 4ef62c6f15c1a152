using Hosting.Contracts.Delegators;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Telemetry;
using Hosting.Grains.Election;
using Microsoft.Extensions.Logging;

namespace Hosting.Grains.L1;

/// <summary>
/// The cluster's one L1 follower. Orleans keeps one activation of the key "l1"; a grain timer drives it while
/// it lives and a reminder (durable, in PostgreSQL) re-activates it on a surviving silo after a silo is lost,
/// and every silo pokes it on start. The checkpoint (next block, the last blocks with their events) is written
/// after each step's deliveries, so a restarted follower continues where the last one stopped; were a
/// partition ever to run two activations, the stale one's write fails on its ETag and consumers ignore
/// repeated deliveries anyway.
/// </summary>
public sealed class L1FollowerGrain(
    [PersistentState("follower", GrainStorage.Name)] IPersistentState<FollowerCheckpoint> state,
    L1Chain chain,
    ILogger<L1FollowerGrain> logger) : Grain, IL1FollowerGrain, IRemindable
{
    private const string Backstop = "follow";
    private readonly ActiveSetJournal _activeSet = new();
    private IGrainTimer? _timer;
    private string? _lastError;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (chain.IsConfigured)
        {
            Arm();
            await this.RegisterOrUpdateReminder(Backstop, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        else
        {
            logger.LogWarning("The L1 follower is idle: no L1 RPC URL or deployment is configured.");
        }
    }

    // A silo saw a new head: read it now. Waiting for the next tick cost up to a whole poll interval (1 s by
    // default) between a block and the slot duties it opens (bench/results/slot-latency.md); the tick stays as
    // the fallback when no silo pokes.
    public Task PokeAsync() => chain.IsConfigured ? FollowAsync(CancellationToken.None) : Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task<L1FollowerView> GetAsync()
    {
        var s = state.State;
        var last = s.Recent.Count > 0 ? s.Recent[^1] : null;
        return Task.FromResult(new L1FollowerView(chain.IsConfigured, last?.Number, last is null ? null : Hash32.Parse(last.Hash),
            s.Delivered, s.Removed, s.Reorgs, _lastError, RuntimeIdentity));
    }

    public Task<ActiveSetChanges> GetActiveSetChangesAsync(Guid epoch, long after) => Task.FromResult(_activeSet.Since(epoch, after));

    private void Arm() => _timer ??= this.RegisterGrainTimer(FollowAsync, new GrainTimerCreationOptions
    {
        DueTime = TimeSpan.Zero,
        Period = chain.Options.PollInterval,
        Interleave = false,
        KeepAlive = true,
    });

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        var deployment = chain.RequireDeployment();
        var follower = new ChainFollower(new RpcChainSource(chain.RequireClient(), deployment.Registry), deployment.Registry,
            [deployment.Registry, deployment.Rollup], chain.Options.ReorgDepth, deployment.Rollup);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // One span per step that reads blocks: how soon a new head is noticed and its duties delivered.
                using var step = HostingTelemetry.ActivitySource.StartActivity("l1 step");
                step?.SetTag("hosting.l1.from", state.State.NextBlock);
                // At most the reorg depth per step, so every block a step delivers is still kept should it stop part way.
                var (next, changes) = await follower.StepAsync(state.State, deployment.DeployBlock,
                    Math.Min(chain.Options.MaxBlocksPerStep, chain.Options.ReorgDepth), cancellationToken);
                if (changes.Count == 0 && next.NextBlock == state.State.NextBlock)
                {
                    step?.SetTag("hosting.l1.to", "none");
                    break;
                }
                step?.SetTag("hosting.l1.to", next.NextBlock - 1);
                for (var r = state.State.Reorgs; r < next.Reorgs; r++)
                {
                    PlatformMetrics.L1Reorg();
                }
                if (changes.Any(c => c is not ChainChange.BlockReached))
                {
                    // Stored before any event leaves (with the wakes and forecast as they were): should delivery stop part
                    // way, the next step delivers these blocks again, or removes their events if a reorg took them away
                    // meanwhile (ChainFollower.Unfinished).
                    state.State = ChainFollower.Unfinished(next, changes);
                    await state.WriteStateAsync(cancellationToken);
                }
                var wakes = new Dictionary<string, ulong>(state.State.Wakes);
                var forecastThrough = await DeliverAsync(changes, wakes, state.State.ForecastThrough);
                state.State = next with { Wakes = wakes, ForecastThrough = forecastThrough };
                await state.WriteStateAsync(cancellationToken);
                _lastError = null;
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A step that carried events was stored with its blocks unfinished before delivery: the next tick delivers
            // them again, or removes their events if a reorg took the blocks away meanwhile.
            _activeSet.Restart();
            _lastError = exception.Message;
            logger.LogWarning(exception, "The L1 follower stopped at block {Block}; it retries on the next tick.", state.State.NextBlock);
        }
    }

    private async Task<ulong?> DeliverAsync(IReadOnlyList<ChainChange> changes, Dictionary<string, ulong> wakes, ulong? forecastThrough)
    {
        foreach (var change in changes)
        {
            // Recorded before delivery, so a slot forecast at this block already ranks against its activations.
            _activeSet.Record(change);
            switch (change)
            {
                case ChainChange.Applied(var e):
                    Remember(wakes, ConsumerKey(e), await Consumer(e).ApplyAsync(e));
                    break;
                case ChainChange.Removed(var e):
                    Remember(wakes, ConsumerKey(e), await Consumer(e).RemoveAsync(e));
                    break;
                case ChainChange.BlockReached(var number, var hash):
                    foreach (var (key, block) in wakes.Where(w => w.Value <= number).ToList())
                    {
                        wakes.Remove(key);
                        Remember(wakes, key, await Consumer(key).OnBlockAsync(number, hash));
                    }
                    forecastThrough = await ForecastAsync(number, hash, wakes, forecastThrough);
                    break;
            }
        }
        return forecastThrough;
    }

    /// <summary>
    /// The slot clock: at each block, every slot whose seed is now fixed (up to LAG - 1 slots ahead of the
    /// running one) and was not forecast yet is asked once; the slot grains that have a duty answer with
    /// the block to wake them at, and the others go back to sleep.
    /// </summary>
    private async Task<ulong?> ForecastAsync(ulong number, Hash32 hash, Dictionary<string, ulong> wakes, ulong? forecastThrough)
    {
        if (chain.RequireDeployment().Schedule is not { } schedule || schedule.SlotAt(number) is not { } running)
        {
            return forecastThrough;
        }
        var last = running + Math.Max(schedule.Lag, 1) - 1;
        for (var slot = forecastThrough is { } done ? Math.Max(done + 1, running) : running; slot <= last; slot++)
        {
            var key = SlotKey(slot);
            var reaction = await Slot(key).ForecastAsync();
            if (reaction.WakeAtBlock <= number)
            {
                // Forecast late (a follower catching up): the duty is due now.
                reaction = await Slot(key).OnBlockAsync(number, hash);
            }
            Remember(wakes, key, reaction);
            forecastThrough = slot;
        }
        return forecastThrough;
    }

    private static void Remember(Dictionary<string, ulong> wakes, string key, L1Reaction reaction)
    {
        if (reaction.WakeAtBlock is { } block)
        {
            wakes[key] = block;
        }
        else
        {
            wakes.Remove(key);
        }
    }

    private static string ConsumerKey(L1Event e) =>
        e.IsRollup ? SlotKey(e.Block)
        : (e.Kind is L1EventKind.Delegated or L1EventKind.Undelegated or L1EventKind.UndelegatedWithdrawn ? "d:" : "s:") + e.Subject;

    private static string SlotKey(ulong slot) => "r:" + SlotKeys.Slot(slot);

    private IL1EventConsumer Consumer(L1Event e) => Consumer(ConsumerKey(e));

    private ISlotGrain Slot(string key) => GrainFactory.GetGrain<ISlotGrain>(key[2..]);

    private IL1EventConsumer Consumer(string key) => key[0] switch
    {
        'd' => GrainFactory.GetGrain<IDelegatorGrain>(key[2..]),
        'r' => Slot(key),
        _ => GrainFactory.GetGrain<ISequencerGrain>(key[2..]),
    };
}
