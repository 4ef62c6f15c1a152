using Hosting.Contracts.Delegators;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Sequencers;
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

    public Task PokeAsync() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task<L1FollowerView> GetAsync()
    {
        var s = state.State;
        var last = s.Recent.Count > 0 ? s.Recent[^1] : null;
        return Task.FromResult(new L1FollowerView(chain.IsConfigured, last?.Number, last is null ? null : Hash32.Parse(last.Hash),
            s.Delivered, s.Removed, s.Reorgs, _lastError, RuntimeIdentity));
    }

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
            [deployment.Registry, deployment.Rollup], chain.Options.ReorgDepth);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var (next, changes) = await follower.StepAsync(state.State, deployment.DeployBlock, chain.Options.MaxBlocksPerStep, cancellationToken);
                if (changes.Count == 0 && next.NextBlock == state.State.NextBlock)
                {
                    break;
                }
                var wakes = new Dictionary<string, ulong>(state.State.Wakes);
                await DeliverAsync(changes, wakes);
                state.State = next with { Wakes = wakes };
                await state.WriteStateAsync(cancellationToken);
                _lastError = null;
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _lastError = exception.Message;
            logger.LogWarning(exception, "The L1 follower stopped at block {Block}; it retries on the next tick.", state.State.NextBlock);
        }
    }

    private async Task DeliverAsync(IReadOnlyList<ChainChange> changes, Dictionary<string, ulong> wakes)
    {
        foreach (var change in changes)
        {
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
                    break;
            }
        }
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
        (e.Kind is L1EventKind.Delegated or L1EventKind.Undelegated ? "d:" : "s:") + e.Subject;

    private IL1EventConsumer Consumer(L1Event e) => Consumer(ConsumerKey(e));

    private IL1EventConsumer Consumer(string key) => key[0] == 'd'
        ? GrainFactory.GetGrain<IDelegatorGrain>(key[2..])
        : GrainFactory.GetGrain<ISequencerGrain>(key[2..]);
}
