namespace Hosting.L1.Abi;

/// <summary>A named, typed slot: a function input or output, an event field, a tuple component.</summary>
public sealed record AbiParameter(string Name, AbiType Type, bool Indexed = false)
{
    /// <inheritdoc />
    public override string ToString() => Name.Length == 0 ? Type.CanonicalName : $"{Type.CanonicalName} {Name}";
}
