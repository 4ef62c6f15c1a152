namespace Hosting.L1.Transactions;

/// <summary>Bytes that are not canonical RLP, or an RLP item of the wrong shape for what was being read.</summary>
public sealed class RlpException(string reason, int offset, string input)
    : L1Exception($"Invalid RLP at byte {offset}: {reason} (input {HexFormatException.Shorten(input)}).")
{
    /// <summary>What was wrong.</summary>
    public string Reason { get; } = reason;

    /// <summary>Where in the input the problem starts.</summary>
    public int Offset { get; } = offset;

    /// <summary>The whole input, as hex.</summary>
    public string Input { get; } = input;
}
