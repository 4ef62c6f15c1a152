using System.Collections.Concurrent;

namespace Hosting.Cluster.Tests.Postgres;

public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task StartAsync(TimeSpan period);
}

/// <summary>Counts the ticks of one reminder in this test process, across cluster restarts.</summary>
public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public static ConcurrentDictionary<string, int> Ticks { get; } = new();

    public Task StartAsync(TimeSpan period) =>
        this.RegisterOrUpdateReminder("probe", TimeSpan.FromSeconds(1), period);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.AddOrUpdate(this.GetPrimaryKeyString(), 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}
