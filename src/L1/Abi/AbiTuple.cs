using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Hosting.L1.Abi;

/// <summary>(T1,…,Tn): heads in order, then the tails of the dynamic members; also the shape of every argument list.</summary>
public sealed class AbiTuple : AbiType
{
    internal AbiTuple(IReadOnlyList<AbiParameter> components)
    {
        Components = components;
        CanonicalName = $"({string.Join(',', components.Select(component => component.Type.CanonicalName))})";
        IsDynamic = components.Any(component => component.Type.IsDynamic);
        HeadLength = IsDynamic ? Word : components.Sum(component => component.Type.HeadLength);
    }

    /// <summary>The members in order.</summary>
    public IReadOnlyList<AbiParameter> Components { get; }
    /// <inheritdoc />
    public override string CanonicalName { get; }
    /// <inheritdoc />
    public override bool IsDynamic { get; }
    /// <inheritdoc />
    public override int HeadLength { get; }

    /// <summary>abi.encode(values…) of the components.</summary>
    public byte[] Encode(object? value)
    {
        var output = new byte[EncodedLength(value)];
        Encode(value, output);
        return output;
    }

    /// <summary>abi.decode of the whole of <paramref name="data"/> as the components.</summary>
    public object?[] Decode(ReadOnlySpan<byte> data) => (object?[])Decode(data, 0)!;

    internal override int EncodedLength(object? value)
    {
        var items = Items(value);
        return AbiSequence.EncodedLength(TypeAt, items, items.Count, Segment);
    }

    internal override void Encode(object? value, Span<byte> destination)
    {
        var items = Items(value);
        AbiSequence.Encode(TypeAt, items, items.Count, destination, Segment);
    }

    internal override object? Decode(ReadOnlySpan<byte> data, int depth)
    {
        CheckDepth(depth);
        return AbiSequence.Decode(TypeAt, Components.Count, data, depth, Segment);
    }

    private AbiType TypeAt(int index) => Components[index].Type;

    private string Segment(int index) =>
        Components[index].Name is { Length: > 0 } name ? name : index.ToString(CultureInfo.InvariantCulture);

    private IList Items(object? value)
    {
        IList items = value switch
        {
            IReadOnlyDictionary<string, object?> named => Components.Select(component => named.TryGetValue(component.Name, out var item)
                ? item
                : throw Invalid(value, $"a value named '{component.Name}'")).ToArray(),
            ITuple tuple and not IList => Enumerable.Range(0, tuple.Length).Select(index => tuple[index]).ToArray(),
            _ => AsList(this, value),
        };
        return items.Count == Components.Count
            ? items
            : throw Invalid(value, $"{Components.Count} values for {CanonicalName}, got {items.Count}");
    }
}
