namespace Hosting.L1;

/// <summary>Text that should have been hex (data, a quantity, a fixed-length value) was not.</summary>
public sealed class HexFormatException(string value, string expected)
    : L1Exception($"'{Shorten(value)}' is not valid hex: expected {expected}.")
{
    /// <summary>The text that was rejected, in full.</summary>
    public string Value { get; } = value;

    /// <summary>What the text should have looked like.</summary>
    public string Expected { get; } = expected;

    internal static string Shorten(string value) => value.Length <= 140 ? value : $"{value[..132]}…({value.Length} chars)";
}
