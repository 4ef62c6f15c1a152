using System.Collections;
using System.Globalization;

namespace Hosting.L1.Abi;

/// <summary>T[] (a length word, then the elements as a tuple) and T[k] (the elements as a tuple).</summary>
public sealed class AbiArray : AbiType
{
    internal AbiArray(AbiType element, int? length)
    {
        if (length is { } fixedLength && !element.IsDynamic && (long)fixedLength * element.HeadLength > 1 << 24)
        {
            throw new AbiException("type", $"{element.CanonicalName}[{fixedLength}]", "a fixed-size array of at most 16 MiB");
        }
        Element = element;
        Length = length;
        CanonicalName = $"{element.CanonicalName}[{length?.ToString(CultureInfo.InvariantCulture)}]";
    }

    /// <summary>The element type.</summary>
    public AbiType Element { get; }

    /// <summary>The fixed length of T[k]; null for T[].</summary>
    public int? Length { get; }

    /// <inheritdoc />
    public override string CanonicalName { get; }
    /// <inheritdoc />
    public override bool IsDynamic => Length is null || Element.IsDynamic;
    /// <inheritdoc />
    public override int HeadLength => IsDynamic ? Word : Length!.Value * Element.HeadLength;

    internal override int EncodedLength(object? value)
    {
        var items = Items(value);
        return (Length is null ? Word : 0) + AbiSequence.EncodedLength(_ => Element, items, items.Count, Index);
    }

    internal override void Encode(object? value, Span<byte> destination)
    {
        var items = Items(value);
        if (Length is null)
        {
            WriteSize(destination, items.Count);
            destination = destination[Word..];
        }
        AbiSequence.Encode(_ => Element, items, items.Count, destination, Index);
    }

    internal override object? Decode(ReadOnlySpan<byte> data, int depth)
    {
        CheckDepth(depth);
        var count = Length ?? 0;
        if (Length is null)
        {
            if (data.Length < Word)
            {
                throw Truncated(data, Word);
            }
            count = ReadSize(data[..Word], (data.Length - Word) / Element.HeadLength, $"{CanonicalName} length");
            data = data[Word..];
        }
        return AbiSequence.Decode(_ => Element, count, data, depth, Index);
    }

    private static string Index(int index) => $"[{index}]";

    private IList Items(object? value)
    {
        var items = AsList(this, value);
        return Length is null || items.Count == Length
            ? items
            : throw Invalid(value, $"exactly {Length} elements, got {items.Count}");
    }
}
