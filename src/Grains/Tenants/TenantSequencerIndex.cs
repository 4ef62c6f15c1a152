using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Orleans.Storage;

namespace Hosting.Grains.Tenants;

/// <summary>
/// The tenant's sequencers in import order with their statuses: held whole in memory for paging, stored in
/// pages of at most <see cref="TenantIndexOptions.PageSize"/> rows (one storage record each, <c>tenant-index-page-N</c>),
/// so a change rewrites the one page that holds the row instead of the tenant's whole state.
/// </summary>
internal sealed class TenantSequencerIndex(IGrainStorage storage, GrainId tenant, int pageSize)
{
    private readonly List<GrainState<TenantIndexPage>> _pages = [];
    private readonly SortedSet<int> _dirty = [];

    public List<Row> Rows { get; } = [];
    public Dictionary<string, Row> ByAddress { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether some change is only in memory.</summary>
    public bool IsDirty => _dirty.Count > 0;

    public int DirtyPages => _dirty.Count;

    /// <summary>Reads the stored pages in order, up to the first that was never written.</summary>
    public static async Task<TenantSequencerIndex> LoadAsync(IGrainStorage storage, GrainId tenant, int pageSize)
    {
        var index = new TenantSequencerIndex(storage, tenant, pageSize);
        for (var number = 0; ; number++)
        {
            var page = new GrainState<TenantIndexPage>(new TenantIndexPage());
            await storage.ReadStateAsync(TenantIndexPage.StateName(number), tenant, page);
            if (!page.RecordExists)
            {
                return index;
            }
            page.State ??= new TenantIndexPage();
            index._pages.Add(page);
            for (var slot = 0; slot < page.State.Sequencers.Count; slot++)
            {
                var text = page.State.Sequencers[slot];
                var status = slot < page.State.Statuses.Count ? (SequencerStatus)page.State.Statuses[slot] : SequencerStatus.None;
                if (!index.ByAddress.ContainsKey(text))
                {
                    index.Track(new Row(text, number, slot) { Status = status });
                }
            }
        }
    }

    /// <summary>
    /// Takes over the rows of a tenant stored before the index had pages (its whole list in the tenant's state);
    /// pages a half-done earlier move left keep their etags and are overwritten.
    /// </summary>
    public void ReplaceWithLegacy(IEnumerable<string> sequencers, IReadOnlyDictionary<string, int> statuses)
    {
        Rows.Clear();
        ByAddress.Clear();
        foreach (var page in _pages)
        {
            page.State = new TenantIndexPage();
        }
        var existing = _pages.Count;
        foreach (var text in sequencers)
        {
            if (!ByAddress.ContainsKey(text))
            {
                Add(text, statuses.TryGetValue(text, out var stored) ? (SequencerStatus)stored : SequencerStatus.None);
            }
        }
        for (var number = 0; number < existing; number++)
        {
            _dirty.Add(number);
        }
    }

    /// <summary>Appends a row to the last page (a new page when it is full); the page is now dirty.</summary>
    public Row Add(string text, SequencerStatus status)
    {
        if (_pages.Count == 0 || _pages[^1].State!.Sequencers.Count >= pageSize)
        {
            _pages.Add(new GrainState<TenantIndexPage>(new TenantIndexPage()));
        }
        var number = _pages.Count - 1;
        var page = _pages[number].State!;
        page.Sequencers.Add(text);
        page.Statuses.Add((int)status);
        var row = new Row(text, number, page.Sequencers.Count - 1) { Status = status };
        Track(row);
        _dirty.Add(number);
        return row;
    }

    /// <summary>Moves a row's status; returns false when it already had it (nothing to write).</summary>
    public bool SetStatus(Row row, SequencerStatus status)
    {
        if (row.Status == status)
        {
            return false;
        }
        row.Status = status;
        _pages[row.Page].State!.Statuses[row.Slot] = (int)status;
        _dirty.Add(row.Page);
        return true;
    }

    /// <summary>Writes every dirty page, lowest first (so the stored pages never have a gap).</summary>
    public async Task FlushAsync()
    {
        while (_dirty.Count > 0)
        {
            var number = _dirty.Min;
            await storage.WriteStateAsync(TenantIndexPage.StateName(number), tenant, _pages[number]);
            _dirty.Remove(number);
        }
    }

    private void Track(Row row)
    {
        Rows.Add(row);
        ByAddress[row.Text] = row;
    }

    internal sealed class Row(string text, int page, int slot)
    {
        public string Text { get; } = text;
        public int Page { get; } = page;
        public int Slot { get; } = slot;
        public SequencerStatus Status { get; set; }
        public SequencerSummary ToSummary() => new(Address.Parse(Text), Status);
    }
}

/// <summary>One stored page of a tenant's sequencer index: addresses as text and their statuses, slot for slot.</summary>
[GenerateSerializer, Alias("hosting.tenant-index-page.v1")]
public sealed record TenantIndexPage
{
    /// <summary>The storage record of page <paramref name="number"/> (the tenant grain's id, this state name).</summary>
    public static string StateName(int number) => $"tenant-index-page-{number}";

    [Id(0)] public List<string> Sequencers { get; init; } = [];

    /// <summary>The <see cref="SequencerStatus"/> number of the sequencer in the same slot of <see cref="Sequencers"/>.</summary>
    [Id(1)] public List<int> Statuses { get; init; } = [];
}

/// <summary>
/// The index's write-ahead mark: set (and written) before the first status change that is acknowledged from
/// memory only, cleared once every page is written. A tenant that wakes with it set lost changes in a crash and
/// asks each of its sequencers for its status.
/// </summary>
[GenerateSerializer, Alias("hosting.tenant-index-head.v1")]
public sealed record TenantIndexHead
{
    public const string StateName = "tenant-index";

    [Id(0)] public DateTimeOffset? UnflushedSince { get; init; }
}

/// <summary>How the tenant grain stores its sequencer index (a silo may register its own instance).</summary>
public sealed class TenantIndexOptions
{
    /// <summary>How long a status change may stay in memory only before its page is written.</summary>
    public TimeSpan FlushDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Rows per stored page: what one change costs to write.</summary>
    public int PageSize { get; init; } = 1000;

    /// <summary>Sequencers asked for their status per turn while the index rebuilds after a crash.</summary>
    public int ReconcileBatch { get; init; } = 256;
}
