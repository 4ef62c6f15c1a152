namespace Hosting.L1.Eip712;

/// <summary>Names the EIP-712 struct type a C# class or record stands for (default: the C# type name).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class Eip712StructAttribute(string name) : Attribute
{
    /// <summary>The struct type's name as it appears in encodeType.</summary>
    public string Name { get; } = name;
}

/// <summary>
/// Overrides how a property appears in the EIP-712 struct: its member name (default: the property name
/// in camelCase) and its Solidity type (default: inferred, e.g. ulong → uint64, BigInteger → uint256).
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class Eip712FieldAttribute : Attribute
{
    /// <summary>The member name, when it differs from the camelCase property name.</summary>
    public string? Name { get; init; }

    /// <summary>The Solidity type, e.g. "uint8" or "bytes4", when inference would pick another.</summary>
    public string? Type { get; init; }
}

/// <summary>Leaves a property out of the EIP-712 struct.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class Eip712IgnoreAttribute : Attribute;
