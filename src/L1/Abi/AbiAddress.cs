using Hosting.Contracts.Domain;

namespace Hosting.L1.Abi;

/// <summary>address: 20 bytes right-aligned in a word whose first 12 bytes must be zero.</summary>
public sealed class AbiAddress : AbiType
{
    internal AbiAddress()
    {
    }

    /// <inheritdoc />
    public override string CanonicalName => "address";
    /// <inheritdoc />
    public override bool IsDynamic => false;

    internal override int EncodedLength(object? value) => Word;

    internal override void Encode(object? value, Span<byte> destination)
    {
        if (value is not Hosting.Contracts.Domain.Address address)
        {
            throw Invalid(value, "an Address");
        }
        destination[..12].Clear();
        address.CopyTo(destination[12..Word]);
    }

    internal override object? Decode(ReadOnlySpan<byte> data, int depth)
    {
        if (data.Length < Word)
        {
            throw Truncated(data, Word);
        }
        return data[..12].IndexOfAnyExcept((byte)0) < 0
            ? new Address(data[12..Word])
            : throw new AbiException(CanonicalName, Hex.Encode(data[..Word]), "an address: the first 12 bytes of the word must be zero");
    }
}
