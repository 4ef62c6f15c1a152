using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Hosting.Contracts.Telemetry;

/// <summary>The platform's one meter and one activity source; every project records through these names.</summary>
public static class HostingTelemetry
{
    public const string MeterName = "Hosting.Platform";
    public const string ActivitySourceName = "Hosting.Platform";

    public static readonly Meter Meter = new(MeterName, "1.0");
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName, "1.0");
}
