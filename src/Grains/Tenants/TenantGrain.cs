using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Hosting.Grains.Tenants;

public sealed class TenantGrain(
    [PersistentState("tenant", GrainStorage.Name)] IPersistentState<TenantState> state,
    TimeProvider clock,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private TenantSequencerIndex _index = null!;
    private readonly GrainState<TenantIndexHead> _head = new(new TenantIndexHead());
    private IGrainTimer? _flushTimer;
    private IGrainTimer? _reconcileTimer;
    private int _reconcileNext = -1;

    private TenantIndexOptions Options => ServiceProvider.GetService<TenantIndexOptions>() ?? new TenantIndexOptions();
    private IGrainStorage Storage => ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _index = new TenantSequencerIndex(Storage, this.GetGrainId(), Options.PageSize);
        if (!state.RecordExists)
        {
            return;
        }
        await LoadIndexAsync();
        // Tenants created before the directory existed join it when they next wake.
        await Directory.AddTenantAsync(this.GetPrimaryKeyString());
    }

    // A graceful deactivation (idle collection, silo shutdown) writes what is only in memory; a crash does not,
    // which the head's mark tells the next activation.
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_index.IsDirty)
        {
            try
            {
                await FlushIndexAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Tenant {Tenant}: {Pages} index pages not written at deactivation; the next activation asks the sequencers again",
                    this.GetPrimaryKeyString(), _index.DirtyPages);
            }
        }
    }

    private async Task LoadIndexAsync()
    {
        _index = await TenantSequencerIndex.LoadAsync(Storage, this.GetGrainId(), Options.PageSize);
        await Storage.ReadStateAsync(TenantIndexHead.StateName, this.GetGrainId(), _head);
        _head.State ??= new TenantIndexHead();
        if (state.State.Sequencers.Count > 0)
        {
            // Stored before the index had pages: move the list into pages, then drop it from the tenant's state.
            _index.ReplaceWithLegacy(state.State.Sequencers, state.State.SequencerStatuses);
            await _index.FlushAsync();
            state.State = state.State with { Sequencers = [], SequencerStatuses = [] };
            await state.WriteStateAsync();
            // Sequencers imported before statuses were indexed show None until asked once.
            await MarkUnflushedAsync();
        }
        if (_head.State!.UnflushedSince is { } since)
        {
            logger.LogWarning("Tenant {Tenant}: index changes since {Since} may not have been written (the silo stopped without flushing); asking its {Count} sequencers for their status",
                this.GetPrimaryKeyString(), since, _index.Rows.Count);
            StartReconcile();
        }
    }

    private IFleetDirectoryGrain Directory => GrainFactory.GetGrain<IFleetDirectoryGrain>(IFleetDirectoryGrain.Key);

    public async Task<TenantProfile> SaveAsync(string displayName)
    {
        if (string.IsNullOrWhiteSpace(displayName))
        {
            throw new ArgumentException("A tenant needs a display name.", nameof(displayName));
        }
        var created = state.State.CreatedAt ?? clock.GetUtcNow();
        state.State = state.State with { DisplayName = displayName.Trim(), CreatedAt = created };
        await state.WriteStateAsync();
        await Directory.AddTenantAsync(this.GetPrimaryKeyString());
        return ToProfile(state.State);
    }

    public Task<TenantProfile?> GetAsync() =>
        Task.FromResult(state.RecordExists ? ToProfile(state.State) : null);

    // An import is acknowledged once its page is written: the index is the only list of a tenant's sequencers,
    // so a lost row could not be found again from the sequencers.
    public async Task AddSequencerAsync(Address sequencer)
    {
        RequireExists();
        var text = sequencer.ToString();
        if (!_index.ByAddress.ContainsKey(text))
        {
            _index.Add(text, SequencerStatus.None);
        }
        // Also when the row is known: a retry after a failed write must not be answered before the row is stored.
        if (_index.IsDirty)
        {
            await FlushIndexAsync();
        }
    }

    public async Task AddPublisherAsync(Address publisher)
    {
        RequireExists();
        var text = publisher.ToString();
        if (!state.State.Publishers.Contains(text))
        {
            state.State = state.State with { Publishers = [.. state.State.Publishers, text] };
            await state.WriteStateAsync();
        }
    }

    public async Task RemovePublisherAsync(Address publisher)
    {
        RequireExists();
        var text = publisher.ToString();
        if (state.State.Publishers.Contains(text))
        {
            state.State = state.State with { Publishers = [.. state.State.Publishers.Where(p => p != text)] };
            await state.WriteStateAsync();
        }
    }

    // A status change is acknowledged from memory and written within FlushDelay: the sequencer holds the truth,
    // and the head's mark (written before the first such change) makes a tenant that lost changes in a crash ask
    // its sequencers again. A sequencer the index does not know yet is a new row, written before the answer.
    public async Task RecordSequencerStatusAsync(Address sequencer, SequencerStatus status)
    {
        RequireExists();
        var text = sequencer.ToString();
        if (!_index.ByAddress.TryGetValue(text, out var row))
        {
            _index.Add(text, status);
            await FlushIndexAsync();
            return;
        }
        if (!_index.SetStatus(row, status))
        {
            return;
        }
        await MarkUnflushedAsync();
        ScheduleFlush();
    }

    public async Task FlushSequencerIndexAsync()
    {
        RequireExists();
        await FlushIndexAsync();
    }

    private async Task MarkUnflushedAsync()
    {
        if (_head.State!.UnflushedSince is null)
        {
            _head.State = new TenantIndexHead { UnflushedSince = clock.GetUtcNow() };
            await Storage.WriteStateAsync(TenantIndexHead.StateName, this.GetGrainId(), _head);
        }
    }

    private void ScheduleFlush() => _flushTimer ??= this.RegisterGrainTimer(FlushTickAsync, new GrainTimerCreationOptions
    {
        DueTime = Options.FlushDelay,
        Period = Timeout.InfiniteTimeSpan,
        Interleave = false,
        KeepAlive = true,
    });

    private async Task FlushTickAsync(CancellationToken cancellationToken)
    {
        _flushTimer?.Dispose();
        _flushTimer = null;
        using var flush = Hosting.Contracts.Telemetry.HostingTelemetry.ActivitySource.StartActivity("tenant flush");
        try
        {
            await FlushIndexAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Tenant {Tenant}: writing {Pages} index pages failed; trying again in {Delay}",
                this.GetPrimaryKeyString(), _index.DirtyPages, Options.FlushDelay);
            ScheduleFlush();
        }
    }

    // Pages first, then the head's mark cleared: a crash in between leaves the mark, never a cleared mark over
    // unwritten pages. The mark stays while a rebuild is under way, so a crash during it starts it again.
    private async Task FlushIndexAsync()
    {
        await _index.FlushAsync();
        if (_head.State!.UnflushedSince is not null && _reconcileNext < 0)
        {
            _head.State = new TenantIndexHead();
            await Storage.WriteStateAsync(TenantIndexHead.StateName, this.GetGrainId(), _head);
        }
    }

    private void StartReconcile()
    {
        _reconcileNext = 0;
        _reconcileTimer ??= this.RegisterGrainTimer(ReconcileTickAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = TimeSpan.FromMilliseconds(10),
            Interleave = false,
            KeepAlive = true,
        });
    }

    // One batch a turn, so status reports and pages keep being served between batches. The sequencers answer
    // from memory and interleave (a sequencer waiting on this tenant for its own report still answers), so
    // asking them cannot deadlock with their reports; a report arriving later is newer and simply applies.
    private async Task ReconcileTickAsync(CancellationToken cancellationToken)
    {
        var tenant = this.GetPrimaryKeyString();
        var batch = _index.Rows.Skip(_reconcileNext).Take(Options.ReconcileBatch).ToList();
        var statuses = await Task.WhenAll(batch.Select(row =>
            GrainFactory.GetGrain<ISequencerGrain>(row.Text).GetIndexedStatusAsync(tenant)));
        for (var i = 0; i < batch.Count; i++)
        {
            if (statuses[i] is { } status)
            {
                _index.SetStatus(batch[i], status);
            }
        }
        _reconcileNext += batch.Count;
        if (_reconcileNext < _index.Rows.Count)
        {
            return;
        }
        _reconcileTimer?.Dispose();
        _reconcileTimer = null;
        _reconcileNext = -1;
        logger.LogInformation("Tenant {Tenant}: index rebuilt from its {Count} sequencers", tenant, _index.Rows.Count);
        await FlushIndexAsync();
    }

    public async Task RecordSequencerRewardsAsync(Address sequencer, System.Numerics.BigInteger total)
    {
        RequireExists();
        var text = sequencer.ToString();
        var value = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (state.State.SequencerRewards.GetValueOrDefault(text) == value)
        {
            return;
        }
        var before = state.State.SequencerRewards.TryGetValue(text, out var stored)
            ? System.Numerics.BigInteger.Parse(stored, System.Globalization.CultureInfo.InvariantCulture) : 0;
        state.State.SequencerRewards[text] = value;
        await state.WriteStateAsync();
        // hosting_rewards_tokens_total counts what was booked; a reorg that takes a credit back lowers the book,
        // not the counter (counters only grow), so the counter may run ahead of the book by what reorgs removed.
        if (total > before)
        {
            Hosting.Contracts.Telemetry.PlatformMetrics.RewardsBooked(this.GetPrimaryKeyString(), total - before);
        }
    }

    public Task<RewardBook> GetRewardBookAsync()
    {
        var bySequencer = state.State.SequencerRewards.ToDictionary(
            r => Address.Parse(r.Key), r => System.Numerics.BigInteger.Parse(r.Value, System.Globalization.CultureInfo.InvariantCulture));
        var total = bySequencer.Values.Aggregate(System.Numerics.BigInteger.Zero, (sum, v) => sum + v);
        return Task.FromResult(new RewardBook(total, bySequencer));
    }

    // One pass over the in-memory index, allocating only the page; without a filter it is a slice.
    public Task<SequencerPage> ListSequencersAsync(SequencerQuery query)
    {
        var rows = _index.Rows;
        var skip = (query.Page - 1) * query.PageSize;
        if (query.Status is null && query.AddressPrefix.Length == 0)
        {
            var page = rows.Skip(skip).Take(query.PageSize).Select(r => r.ToSummary()).ToList();
            return Task.FromResult(new SequencerPage(page, rows.Count, query.Page, query.PageSize));
        }
        var items = new List<SequencerSummary>(query.PageSize);
        var total = 0;
        foreach (var row in rows)
        {
            if ((query.Status is { } wanted && row.Status != wanted)
                || (query.AddressPrefix.Length > 0 && !row.Text.StartsWith(query.AddressPrefix, StringComparison.Ordinal)))
            {
                continue;
            }
            if (total >= skip && items.Count < query.PageSize)
            {
                items.Add(row.ToSummary());
            }
            total++;
        }
        return Task.FromResult(new SequencerPage(items, total, query.Page, query.PageSize));
    }

    public Task<TenantFleet> GetFleetAsync()
    {
        var counts = new Dictionary<SequencerStatus, int>();
        foreach (var row in _index.Rows)
        {
            counts[row.Status] = counts.GetValueOrDefault(row.Status) + 1;
        }
        return Task.FromResult(new TenantFleet(counts, [.. state.State.Publishers.Select(Address.Parse)]));
    }

    public Task<TenantHoldings> GetHoldingsAsync() => Task.FromResult(new TenantHoldings(
        [.. _index.Rows.Select(r => Address.Parse(r.Text))],
        [.. state.State.Publishers.Select(Address.Parse)]));

    private void RequireExists()
    {
        if (!state.RecordExists)
        {
            var id = this.GetPrimaryKeyString();
            throw new RequestRefusedException(RefusalReason.UnknownTenant, id, $"No tenant has the id '{id}'; create it first.");
        }
    }

    private TenantProfile ToProfile(TenantState s) =>
        new(this.GetPrimaryKeyString(), s.DisplayName, s.CreatedAt ?? default);
}

[GenerateSerializer, Alias("hosting.tenant-state.v1")]
public sealed record TenantState
{
    [Id(0)] public string DisplayName { get; init; } = "";
    [Id(1)] public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>
    /// Only in tenants stored before the index had pages (<see cref="TenantSequencerIndex"/>): moved into pages
    /// and emptied when such a tenant wakes.
    /// </summary>
    [Id(2)] public List<string> Sequencers { get; init; } = [];
    [Id(3)] public List<string> Publishers { get; init; } = [];

    /// <summary>Only in tenants stored before the index had pages, as <see cref="Sequencers"/>.</summary>
    [Id(4)] public Dictionary<string, int> SequencerStatuses { get; init; } = [];

    /// <summary>Each sequencer's total of RewardCredited amounts (wei, decimal text), as the sequencer last reported it.</summary>
    [Id(5)] public Dictionary<string, string> SequencerRewards { get; init; } = [];
}
