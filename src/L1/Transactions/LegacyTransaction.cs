using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Transactions;

/// <summary>
/// A pre-EIP-2718 transaction with a single gas price. With a chain id it is signed under EIP-155
/// (v = chainId·2 + 35 + parity) and cannot be replayed on another chain; without one, v is 27 or 28.
/// </summary>
public sealed record LegacyTransaction : Transaction
{
    /// <summary>Wei per gas.</summary>
    public required BigInteger GasPrice { get; init; }

    /// <summary>The EIP-155 chain id; null only to read or make pre-EIP-155 transactions.</summary>
    public ulong? ChainId { get; init; }

    /// <inheritdoc />
    public override byte[] EncodeForSigning()
    {
        var fields = Fields();
        if (ChainId is { } chainId)
        {
            fields.AddRange([RlpItem.Of(chainId), RlpItem.Empty, RlpItem.Empty]);
        }
        return Rlp.Encode(RlpItem.List(fields));
    }

    /// <inheritdoc />
    public override byte[] EncodeSigned(Signature signature)
    {
        var fields = Fields();
        fields.AddRange([RlpItem.Of(V(signature)), Integer(signature.R), Integer(signature.S)]);
        return Rlp.Encode(RlpItem.List(fields));
    }

    /// <summary>The v this transaction carries for a signature of the given parity.</summary>
    public BigInteger V(Signature signature) =>
        ChainId is { } chainId ? new BigInteger(chainId) * 2 + 35 + signature.YParity : 27 + signature.YParity;

    private List<RlpItem> Fields() =>
    [
        RlpItem.Of(Nonce),
        Quantity(GasPrice, "gasPrice"),
        RlpItem.Of(GasLimit),
        Recipient(To),
        Quantity(Value, "value"),
        RlpItem.Of(Data),
    ];
}
