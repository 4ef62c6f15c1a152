namespace Hosting.L1.Abi;

/// <summary>bool: a word holding exactly 0 or 1.</summary>
public sealed class AbiBool : AbiType
{
    internal AbiBool()
    {
    }

    /// <inheritdoc />
    public override string CanonicalName => "bool";
    /// <inheritdoc />
    public override bool IsDynamic => false;

    internal override int EncodedLength(object? value) => Word;

    internal override void Encode(object? value, Span<byte> destination)
    {
        if (value is not bool flag)
        {
            throw Invalid(value, "a bool");
        }
        destination[..Word].Clear();
        destination[Word - 1] = flag ? (byte)1 : (byte)0;
    }

    internal override object? Decode(ReadOnlySpan<byte> data, int depth)
    {
        if (data.Length < Word)
        {
            throw Truncated(data, Word);
        }
        return data[..(Word - 1)].IndexOfAnyExcept((byte)0) < 0 && data[Word - 1] <= 1
            ? data[Word - 1] == 1
            : throw new AbiException(CanonicalName, Hex.Encode(data[..Word]), "a bool: the word 0 or 1");
    }
}
