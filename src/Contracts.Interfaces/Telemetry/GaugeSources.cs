using System.Collections.Immutable;
using System.Diagnostics.Metrics;

namespace Hosting.Contracts.Telemetry;

/// <summary>
/// The callbacks that report one observable gauge. A silo service adds its source when it starts and
/// disposes the registration when it stops; every scrape asks each registered source for its readings.
/// </summary>
internal sealed class GaugeSources<TReading>
{
    private ImmutableArray<Func<IEnumerable<TReading>>> _sources = [];

    public IDisposable Add(Func<IEnumerable<TReading>> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        ImmutableInterlocked.Update(ref _sources, s => s.Add(source));
        return new Registration(() => ImmutableInterlocked.Update(ref _sources, s => s.Remove(source)));
    }

    public IEnumerable<Measurement<TValue>> Measure<TValue>(Func<TReading, Measurement<TValue>> measurement)
        where TValue : struct
    {
        var measurements = new List<Measurement<TValue>>();
        foreach (var source in _sources)
        {
            try
            {
                measurements.AddRange(source().Select(measurement));
            }
#pragma warning disable CA1031 // One broken source must not blank every other reading of the scrape.
            catch (Exception)
#pragma warning restore CA1031
            {
                // The gauge simply lacks this source's series until it reports again; absent series are
                // what Prometheus alerts on (absent(), up), a made-up value would hide the fault.
            }
        }
        return measurements;
    }

    private sealed class Registration(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
    }
}
