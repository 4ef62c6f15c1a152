using Orleans.Placement;

namespace Hosting.Grains.Keys;

/// <summary>
/// Places a <see cref="KeyBackendGrain"/> (keyed by a backend's name) on a live silo configured for that backend (the
/// silo host's placement director reads which ones are); on the caller's silo when none is, where the grain answers
/// that no silo has it.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("hosting.key-backend-placement")]
public sealed class KeyBackendPlacement : PlacementStrategy
{
    public static readonly KeyBackendPlacement Instance = new();
}

/// <summary>Marks a grain keyed by a backend's name for <see cref="KeyBackendPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class KeyBackendPlacementAttribute() : PlacementAttribute(KeyBackendPlacement.Instance);
