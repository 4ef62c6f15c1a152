using System.Diagnostics;
using Hosting.Contracts.Telemetry;

namespace Hosting.Grains.Slots;

/// <summary>The trace span around one duty signature: which duty, slot and signer path, never the key.</summary>
internal static class DutySpans
{
    public static Activity? Start(DutyRequest request, string signer)
    {
        var activity = HostingTelemetry.ActivitySource.StartActivity($"sign {request.Duty}");
        activity?.SetTag("hosting.tenant", request.Tenant);
        activity?.SetTag("hosting.slot", request.Slot);
        activity?.SetTag("hosting.duty", request.Duty.ToString());
        activity?.SetTag("hosting.signer", signer);
        return activity;
    }

    /// <summary>A step of a slot duty ("propose", "rank", "build", "send"), tagged with its slot.</summary>
    public static Activity? Step(string name, ulong slot)
    {
        var activity = HostingTelemetry.ActivitySource.StartActivity($"slot {name}");
        activity?.SetTag("hosting.slot", slot);
        return activity;
    }
}
