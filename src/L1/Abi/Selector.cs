using System.Buffers.Binary;
using System.Globalization;

namespace Hosting.L1.Abi;

/// <summary>The first four bytes of keccak(signature): how calldata names a function and revert data an error.</summary>
public readonly record struct Selector(uint Value)
{
    /// <summary>The selector of a canonical signature such as "transfer(address,uint256)".</summary>
    public static Selector Of(string signature)
    {
        Span<byte> hash = stackalloc byte[32];
        Crypto.Keccak256.Hash(System.Text.Encoding.UTF8.GetBytes(signature), hash);
        return new Selector(BinaryPrimitives.ReadUInt32BigEndian(hash));
    }

    /// <summary>The selector at the start of calldata or revert data.</summary>
    public static Selector Read(ReadOnlySpan<byte> data) => data.Length >= 4
        ? new Selector(BinaryPrimitives.ReadUInt32BigEndian(data))
        : throw new AbiException("selector", Hex.Encode(data), "at least 4 bytes");

    /// <summary>Writes the four bytes big-endian.</summary>
    public void CopyTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    /// <inheritdoc />
    public override string ToString() => "0x" + Value.ToString("x8", CultureInfo.InvariantCulture);
}
