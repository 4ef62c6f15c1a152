namespace Hosting.L1.Abi;

/// <summary>
/// A value that cannot be ABI-encoded as its type, bytes that do not decode as the expected types, or a
/// type or ABI description that cannot be read. <see cref="Path"/> says where in the arguments it happened.
/// </summary>
public sealed class AbiException : L1Exception
{
    /// <summary>Creates the error for a value of <paramref name="type"/> that is not <paramref name="expected"/>.</summary>
    public AbiException(string type, string value, string expected, string path = "", Exception? innerException = null)
        : base(Compose(type, value, expected, path), innerException)
    {
        Type = type;
        Value = value;
        Expected = expected;
        Path = path;
    }

    /// <summary>The ABI type being encoded or decoded ("uint8", "(bytes32,address)").</summary>
    public string Type { get; }

    /// <summary>The offending value or bytes, as text.</summary>
    public string Value { get; }

    /// <summary>What would have been accepted.</summary>
    public string Expected { get; }

    /// <summary>Where the value sits: an argument name or index, then .field and [index] steps; empty at the top.</summary>
    public string Path { get; }

    /// <summary>The same error one level further out, so the path reads from the outermost argument down.</summary>
    internal AbiException Within(string segment) =>
        new(Type, Value, Expected, Path.Length == 0 ? segment : Path.StartsWith('[') ? segment + Path : $"{segment}.{Path}", InnerException);

    private static string Compose(string type, string value, string expected, string path) =>
        $"ABI {type}{(path.Length > 0 ? $" at {path}" : "")}: got {HexFormatException.Shorten(value)}; expected {expected}.";
}
