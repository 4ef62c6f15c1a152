namespace Hosting.L1.Eip712;

/// <summary>One member of an EIP-712 struct type: its name and its type ("address", "uint256", "Person", "Person[]").</summary>
public sealed record TypedDataField(string Name, string Type);
