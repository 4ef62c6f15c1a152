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
    public const byte Type = 0x02;

    public required ulong ChainId { get; init; }
    public required BigInteger MaxPriorityFeePerGas { get; init; }
    public required BigInteger MaxFeePerGas { get; init; }
    public IReadOnlyList<AccessListEntry> AccessList { get; init; } = [];

    public override byte[] EncodeForSigning() => Typed(Fields());

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
