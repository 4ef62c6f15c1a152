using Orleans.Placement;

namespace Hosting.Grains.Slots;

/// <summary>
/// Places a <see cref="KeySignerGrain"/> on a live silo that holds its key unlocked (the silo host's placement
/// director reads which ones do); on the caller's silo when none does, where the duty then fails with the key's
/// "locked" error rather than anywhere at random.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("hosting.key-holder-placement")]
public sealed class KeyHolderPlacement : PlacementStrategy
{
    public static readonly KeyHolderPlacement Instance = new();
}

/// <summary>Marks a grain keyed by a key's address for <see cref="KeyHolderPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class KeyHolderPlacementAttribute() : PlacementAttribute(KeyHolderPlacement.Instance);
