using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;

namespace Hosting.Grains.Tenants;

public sealed class TenantGrain(
    [PersistentState("tenant", GrainStorage.Name)] IPersistentState<TenantState> state,
    TimeProvider clock) : Grain, ITenantGrain
{
    // Tenants created before the directory existed join it when they next wake.
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        state.RecordExists ? Directory.AddTenantAsync(this.GetPrimaryKeyString()) : Task.CompletedTask;

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

    public async Task AddSequencerAsync(Address sequencer)
    {
        RequireExists();
        var text = sequencer.ToString();
        if (!Index.ByAddress.ContainsKey(text))
        {
            state.State.Sequencers.Add(text);
            Index.Add(text, SequencerStatus.None);
            await state.WriteStateAsync();
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

    public async Task RecordSequencerStatusAsync(Address sequencer, SequencerStatus status)
    {
        RequireExists();
        var text = sequencer.ToString();
        if (!Index.ByAddress.TryGetValue(text, out var row))
        {
            state.State.Sequencers.Add(text);
            Index.Add(text, status);
        }
        else if (row.Status == status)
        {
            return;
        }
        else
        {
            row.Status = status;
        }
        state.State.SequencerStatuses[text] = (int)status;
        await state.WriteStateAsync();
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
        var rows = Index.Rows;
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

    private SequencerIndex? _index;

    // Built from the stored list and statuses on first use, then kept in step with every change.
    private SequencerIndex Index => _index ??= SequencerIndex.From(state.State);

    public Task<TenantFleet> GetFleetAsync()
    {
        var counts = new Dictionary<SequencerStatus, int>();
        foreach (var row in Index.Rows)
        {
            counts[row.Status] = counts.GetValueOrDefault(row.Status) + 1;
        }
        return Task.FromResult(new TenantFleet(counts, [.. state.State.Publishers.Select(Address.Parse)]));
    }

    public Task<TenantHoldings> GetHoldingsAsync() => Task.FromResult(new TenantHoldings(
        [.. state.State.Sequencers.Select(Address.Parse)],
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

/// <summary>The tenant's sequencers in import order with their statuses, held in memory for paging.</summary>
internal sealed class SequencerIndex
{
    public List<Row> Rows { get; } = [];
    public Dictionary<string, Row> ByAddress { get; } = new(StringComparer.Ordinal);

    public static SequencerIndex From(TenantState state)
    {
        var index = new SequencerIndex();
        foreach (var text in state.Sequencers)
        {
            if (!index.ByAddress.ContainsKey(text))
            {
                index.Add(text, state.SequencerStatuses.TryGetValue(text, out var stored) ? (SequencerStatus)stored : SequencerStatus.None);
            }
        }
        return index;
    }

    public void Add(string text, SequencerStatus status)
    {
        var row = new Row(text) { Status = status };
        Rows.Add(row);
        ByAddress[text] = row;
    }

    internal sealed class Row(string text)
    {
        public string Text { get; } = text;
        public SequencerStatus Status { get; set; }
        public SequencerSummary ToSummary() => new(Address.Parse(Text), Status);
    }
}

[GenerateSerializer, Alias("hosting.tenant-state.v1")]
public sealed record TenantState
{
    [Id(0)] public string DisplayName { get; init; } = "";
    [Id(1)] public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Addresses as text: stored state is JSON, and text survives any serializer.</summary>
    [Id(2)] public List<string> Sequencers { get; init; } = [];
    [Id(3)] public List<string> Publishers { get; init; } = [];

    /// <summary>Each sequencer's last reported status (a <see cref="SequencerStatus"/> number), for paging without grain calls.</summary>
    [Id(4)] public Dictionary<string, int> SequencerStatuses { get; init; } = [];

    /// <summary>Each sequencer's total of RewardCredited amounts (wei, decimal text), as the sequencer last reported it.</summary>
    [Id(5)] public Dictionary<string, string> SequencerRewards { get; init; } = [];
}
