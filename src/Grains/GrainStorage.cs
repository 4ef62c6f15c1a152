namespace Hosting.Grains;

/// <summary>The one grain storage every grain writes to: memory on an ephemeral devnet, PostgreSQL in production.</summary>
public static class GrainStorage
{
    public const string Name = "hosting";

    private static readonly AsyncLocal<bool> Ordered = new();

    /// <summary>
    /// Whether the grain write now under way was declared <see cref="OrderedBeforeDurableCommit"/>: the PostgreSQL
    /// storage then commits it without waiting for the WAL flush (when the silo's start-up check allowed it).
    /// </summary>
    public static bool IsOrderedBeforeDurableCommit => Ordered.Value;

    /// <summary>
    /// Opens a scope around one <c>WriteStateAsync</c> whose effect can leave the process only through a later durable
    /// commit on the same PostgreSQL server (the signing gate's record, the publisher's record before a send). Such a
    /// durable commit flushes the WAL up to its own commit record, so it makes this write durable too; until then a
    /// PostgreSQL crash may lose it, which is harmless because nothing that depends on it has left. Keep the scope to
    /// the write alone: no grain call inside it.
    /// </summary>
    public static IDisposable OrderedBeforeDurableCommit()
    {
        var before = Ordered.Value;
        Ordered.Value = true;
        return new Scope(before);
    }

    private sealed class Scope(bool before) : IDisposable
    {
        public void Dispose() => Ordered.Value = before;
    }
}
