namespace Hosting.L1.Transactions;

/// <summary>A transaction that cannot be encoded (a field out of range) or bytes that are not a transaction we read.</summary>
public sealed class TransactionFormatException(string reason, string value)
    : L1Exception($"Invalid transaction: {reason} (value {HexFormatException.Shorten(value)}).")
{
    /// <summary>What was wrong.</summary>
    public string Reason { get; } = reason;

    /// <summary>The offending field value, or the raw transaction as hex.</summary>
    public string Value { get; } = value;
}
