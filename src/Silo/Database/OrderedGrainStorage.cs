using Hosting.Grains;
using Orleans.Storage;

namespace Hosting.Silo.Database;

/// <summary>
/// The silo's grain storage on PostgreSQL: every read, clear and write goes through the durable ADO.NET storage,
/// except a write a grain declared <see cref="GrainStorage.OrderedBeforeDurableCommit"/>, which goes through a second
/// ADO.NET storage on the same database whose connections commit with <c>synchronous_commit = off</c> — and only once
/// <see cref="CommitOrderCheck"/> has shown at start that the signing gate and this storage share one PostgreSQL
/// primary. Until then, and when the check fails, every write is durable.
/// </summary>
public sealed class OrderedGrainStorage(IGrainStorage durable, IGrainStorage? asynchronous) : IGrainStorage
{
    private volatile bool _asynchronousAllowed;

    /// <summary>Whether ordered writes currently skip the WAL flush (set once by the start-up check).</summary>
    public bool AsynchronousCommits => _asynchronousAllowed;

    internal void Allow() => _asynchronousAllowed = asynchronous is not null;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        durable.ReadStateAsync(stateName, grainId, grainState);

    // Both storages use the same table and the same version column, so a write through either one continues the
    // other's ETag; and an asynchronous commit is visible to the next read at once (only its flush is deferred).
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        _asynchronousAllowed && GrainStorage.IsOrderedBeforeDurableCommit
            ? asynchronous!.WriteStateAsync(stateName, grainId, grainState)
            : durable.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        durable.ClearStateAsync(stateName, grainId, grainState);
}
