using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Transactions;

/// <summary>
/// An EIP-1559 (type 2) transaction: the sender pays at most <see cref="MaxFeePerGas"/> per gas, of which
/// the base fee is burnt and up to <see cref="MaxPriorityFeePerGas"/> goes to the block builder.
/// Serialised as 0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value,
/// data, accessList, yParity, r, s]).
/// </summary>
public sealed record Eip1559Transaction : Transaction
{
    /// <summary>The EIP-2718 type byte.</summary>
    public const byte Type = 0x02;

    /// <summary>The EIP-155 chain id the signature binds the transaction to.</summary>
    public required ulong ChainId { get; init; }
    /// <summary>The most per gas that goes to the block builder.</summary>
    public required BigInteger MaxPriorityFeePerGas { get; init; }
    /// <summary>The most per gas the sender pays in total (base fee plus tip).</summary>
    public required BigInteger MaxFeePerGas { get; init; }
    /// <summary>Accounts and slots the transaction declares up front (EIP-2930).</summary>
    public IReadOnlyList<AccessListEntry> AccessList { get; init; } = [];

    /// <inheritdoc />
    public override byte[] EncodeForSigning() => Typed(Fields());

    /// <inheritdoc />
    public override byte[] EncodeSigned(Signature signature)
    {
        var fields = Fields();
        fields.AddRange([RlpItem.Of((ulong)signature.YParity), Integer(signature.R), Integer(signature.S)]);
        return Typed(fields);
    }

    private List<RlpItem> Fields() =>
    [
        RlpItem.Of(ChainId),
        RlpItem.Of(Nonce),
        Quantity(MaxPriorityFeePerGas, "maxPriorityFeePerGas"),
        Quantity(MaxFeePerGas, "maxFeePerGas"),
        RlpItem.Of(GasLimit),
        Recipient(To),
        Quantity(Value, "value"),
        RlpItem.Of(Data),
        RlpItem.List(AccessList.Select(entry => RlpItem.List(RlpItem.Of(entry.Address), RlpItem.List(entry.StorageKeys.Select(RlpItem.Of))))),
    ];

    private static byte[] Typed(List<RlpItem> fields)
    {
        var list = RlpItem.List(fields);
        var output = new byte[1 + Rlp.EncodedLength(list)];
        output[0] = Type;
        Rlp.Encode(list).CopyTo(output, 1);
        return output;
    }
}
