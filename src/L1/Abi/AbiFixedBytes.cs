using System.Globalization;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Abi;

/// <summary>bytesN: N bytes left-aligned in a word, the rest zero. bytes32 decodes to <see cref="Hash32"/>.</summary>
public sealed class AbiFixedBytes : AbiType
{
    internal AbiFixedBytes(int size)
    {
        Size = size;
        CanonicalName = "bytes" + size.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>N, from 1 to 32.</summary>
    public int Size { get; }
    /// <inheritdoc />
    public override string CanonicalName { get; }
    /// <inheritdoc />
    public override bool IsDynamic => false;

    internal override int EncodedLength(object? value) => Word;

    internal override void Encode(object? value, Span<byte> destination)
    {
        destination[..Word].Clear();
        switch (value)
        {
            case Hash32 hash when Size == 32:
                hash.CopyTo(destination);
                return;
            case byte[] bytes when bytes.Length == Size:
                bytes.CopyTo(destination);
                return;
            case ReadOnlyMemory<byte> memory when memory.Length == Size:
                memory.Span.CopyTo(destination);
                return;
            default:
                throw Invalid(value, $"exactly {Size} bytes (byte[]{(Size == 32 ? " or Hash32" : "")})");
        }
    }

    internal override object? Decode(ReadOnlySpan<byte> data, int depth)
    {
        if (data.Length < Word)
        {
            throw Truncated(data, Word);
        }
        if (data[Size..Word].IndexOfAnyExcept((byte)0) >= 0)
        {
            throw new AbiException(CanonicalName, Hex.Encode(data[..Word]), $"a {CanonicalName}: the {Word - Size} bytes after the value must be zero");
        }
        return Size == 32 ? new Hash32(data[..Word]) : data[..Size].ToArray();
    }
}
