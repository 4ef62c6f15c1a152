using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.L1.Transactions;

/// <summary>
/// The content of a transaction before it is signed: what it signs (<see cref="SigningHash"/>) and how
/// it is serialised once a signature is attached. Byte-array fields compare by reference; compare
/// encodings when you need value equality.
/// </summary>
public abstract record Transaction
{
    private protected Transaction()
    {
    }

    /// <summary>The sender's transaction count when this one is mined.</summary>
    public required ulong Nonce { get; init; }
    /// <summary>The most gas the transaction may use.</summary>
    public required ulong GasLimit { get; init; }

    /// <summary>The recipient, or null to create a contract from <see cref="Data"/>.</summary>
    public Address? To { get; init; }

    /// <summary>Wei sent to <see cref="To"/>.</summary>
    public BigInteger Value { get; init; }
    /// <summary>Calldata, or creation code when <see cref="To"/> is null.</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>The bytes whose Keccak-256 the sender signs.</summary>
    public abstract byte[] EncodeForSigning();

    /// <summary>keccak256 of <see cref="EncodeForSigning"/>: the digest the sender signs.</summary>
    public Hash32 SigningHash => Keccak256.Hash(EncodeForSigning());

    /// <summary>The raw transaction as eth_sendRawTransaction takes it.</summary>
    public abstract byte[] EncodeSigned(Signature signature);

    /// <summary>This transaction with a signature attached.</summary>
    public SignedTransaction WithSignature(Signature signature) => new(this, signature);

    private protected static RlpItem Quantity(BigInteger value, string field) =>
        value.Sign >= 0 && value.GetByteCount(isUnsigned: true) <= 32
            ? RlpItem.Of(value)
            : throw new TransactionFormatException($"field '{field}' must be between 0 and 2^256-1", value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private protected static RlpItem Recipient(Address? to) => to is { } address ? RlpItem.Of(address) : RlpItem.Empty;

    private protected static RlpItem Integer(Hash32 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        value.CopyTo(bytes);
        return RlpItem.Of(new BigInteger(bytes, isUnsigned: true, isBigEndian: true));
    }
}
