namespace Hosting.L1.Eip712;

/// <summary>Typed data that cannot be hashed: an unknown type, a missing field, a value that does not fit its type.</summary>
public sealed class TypedDataException(string path, string value, string expected, Exception? innerException = null)
    : L1Exception($"EIP-712 typed data at {path}: got {HexFormatException.Shorten(value)}; expected {expected}.", innerException)
{
    /// <summary>Where the problem is: "types.Mail", "message.from.wallet", "domain.chainId".</summary>
    public string Path { get; } = path;

    /// <summary>The offending value as text.</summary>
    public string Value { get; } = value;

    /// <summary>What would have been accepted.</summary>
    public string Expected { get; } = expected;
}
