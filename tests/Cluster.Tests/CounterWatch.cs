using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Hosting.Contracts.Telemetry;

namespace Hosting.Cluster.Tests;

/// <summary>Listens to one counter of the platform's meter and sums what was recorded with given label values.</summary>
public sealed class CounterWatch : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(long Value, KeyValuePair<string, object?>[] Tags)> _recorded = new();

    public CounterWatch(string instrument)
    {
        _listener.InstrumentPublished = (i, listener) =>
        {
            if (i.Meter.Name == HostingTelemetry.MeterName && i.Name == instrument)
            {
                listener.EnableMeasurementEvents(i);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => _recorded.Enqueue((value, tags.ToArray())));
        _listener.Start();
    }

    public long Total(params (string Key, string Value)[] labels) =>
        _recorded.Where(r => labels.All(l => r.Tags.Any(t => t.Key == l.Key && Equals(t.Value?.ToString(), l.Value)))).Sum(r => r.Value);

    public void Dispose() => _listener.Dispose();
}
