using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.L1.Transactions;

/// <summary>A transaction with its signature: the raw bytes to broadcast, its hash, and its sender.</summary>
public sealed record SignedTransaction(Transaction Transaction, Signature Signature)
{
    /// <summary>The raw transaction (eth_sendRawTransaction's parameter).</summary>
    public byte[] Encode() => Transaction.EncodeSigned(Signature);

    /// <summary>The transaction hash: keccak of the raw bytes, type byte included.</summary>
    public Hash32 Hash => Keccak256.Hash(Encode());

    /// <summary>The address that signed, recovered from the signature; rejects high-s signatures (EIP-2).</summary>
    public Address RecoverSender(ISecp256k1? curve = null) =>
        (curve ?? Secp256k1.Default).RecoverAddress(Transaction.SigningHash, Signature);

    /// <summary>Reads a raw legacy or EIP-1559 transaction; other types and any non-canonical encoding are refused.</summary>
    public static SignedTransaction Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.Length == 0)
        {
            throw new TransactionFormatException("no bytes; expected a raw transaction", "0x");
        }
        if (raw[0] >= 0xC0)
        {
            return DecodeLegacy(raw);
        }
        if (raw[0] == Eip1559Transaction.Type)
        {
            return Decode1559(raw);
        }
        throw new TransactionFormatException(
            $"transaction type 0x{raw[0]:x2} is not supported; expected 0x02 (EIP-1559) or a legacy transaction (first byte ≥ 0xc0)",
            Hex.Encode(raw));
    }

    private static SignedTransaction DecodeLegacy(ReadOnlySpan<byte> raw)
    {
        var fields = Fields(Rlp.Decode(raw), 9, "a legacy transaction", raw);
        var v = fields[6].ToBigInteger("v");
        ulong? chainId;
        byte parity;
        if (v == 27 || v == 28)
        {
            chainId = null;
            parity = (byte)(v - 27);
        }
        else if (v >= 35 && (v - 35) / 2 <= ulong.MaxValue)
        {
            chainId = (ulong)((v - 35) / 2);
            parity = (byte)((v - 35) % 2);
        }
        else
        {
            throw new TransactionFormatException($"v is {v}; expected 27, 28 or chainId·2 + 35 or 36 (EIP-155)", Hex.Encode(raw));
        }
        var transaction = new LegacyTransaction
        {
            Nonce = fields[0].ToUInt64("nonce"),
            GasPrice = fields[1].ToBigInteger("gasPrice"),
            GasLimit = fields[2].ToUInt64("gasLimit"),
            To = fields[3].ToOptionalAddress("to"),
            Value = fields[4].ToBigInteger("value"),
            Data = fields[5].Bytes,
            ChainId = chainId,
        };
        return new SignedTransaction(transaction, new Signature(Word(fields[7], "r"), Word(fields[8], "s"), parity));
    }

    private static SignedTransaction Decode1559(ReadOnlySpan<byte> raw)
    {
        var fields = Fields(Rlp.Decode(raw[1..]), 12, "an EIP-1559 transaction", raw);
        var parity = fields[9].ToBigInteger("yParity");
        if (parity > 1)
        {
            throw new TransactionFormatException($"yParity is {parity}; expected 0 or 1", Hex.Encode(raw));
        }
        var transaction = new Eip1559Transaction
        {
            ChainId = fields[0].ToUInt64("chainId"),
            Nonce = fields[1].ToUInt64("nonce"),
            MaxPriorityFeePerGas = fields[2].ToBigInteger("maxPriorityFeePerGas"),
            MaxFeePerGas = fields[3].ToBigInteger("maxFeePerGas"),
            GasLimit = fields[4].ToUInt64("gasLimit"),
            To = fields[5].ToOptionalAddress("to"),
            Value = fields[6].ToBigInteger("value"),
            Data = fields[7].Bytes,
            AccessList = [.. fields[8].Items.Select(AccessListEntryFrom)],
        };
        return new SignedTransaction(transaction, new Signature(Word(fields[10], "r"), Word(fields[11], "s"), (byte)parity));
    }

    private static IReadOnlyList<RlpItem> Fields(RlpItem item, int count, string what, ReadOnlySpan<byte> raw)
    {
        var fields = item.Items;
        return fields.Count == count
            ? fields
            : throw new TransactionFormatException($"{fields.Count} fields; {what} has {count}", Hex.Encode(raw));
    }

    private static AccessListEntry AccessListEntryFrom(RlpItem item)
    {
        if (item.Items.Count != 2)
        {
            throw new RlpException($"an access-list entry has 2 items (address, storage keys), this one {item.Items.Count}", item.Offset, item.ToString());
        }
        return new AccessListEntry(
            item.Items[0].ToOptionalAddress("accessList.address") ?? throw new RlpException("an access-list address is empty", item.Offset, item.ToString()),
            [.. item.Items[1].Items.Select(key => key.ToHash32("accessList.storageKey"))]);
    }

    private static Hash32 Word(RlpItem item, string field)
    {
        var value = item.ToBigInteger(field);
        Span<byte> bytes = stackalloc byte[32];
        value.TryWriteBytes(bytes[(32 - value.GetByteCount(isUnsigned: true))..], out _, isUnsigned: true, isBigEndian: true);
        return new Hash32(bytes);
    }
}
