namespace Hosting.L1.Abi;

/// <summary>bytes: a length word, then the bytes padded with zeros to a whole number of words.</summary>
public sealed class AbiBytes : AbiType
{
    internal AbiBytes()
    {
    }

    /// <inheritdoc />
    public override string CanonicalName => "bytes";
    /// <inheritdoc />
    public override bool IsDynamic => true;

    internal override int EncodedLength(object? value) => Word + Padded(Content(value).Length);

    internal override void Encode(object? value, Span<byte> destination) => Write(Content(value), destination);

    internal override object? Decode(ReadOnlySpan<byte> data, int depth) => Read(this, data).ToArray();

    internal static int Padded(int length) => (length + Word - 1) / Word * Word;

    internal static void Write(ReadOnlySpan<byte> content, Span<byte> destination)
    {
        WriteSize(destination, content.Length);
        content.CopyTo(destination[Word..]);
        destination[(Word + content.Length)..(Word + Padded(content.Length))].Clear();
    }

    internal static ReadOnlySpan<byte> Read(AbiType type, ReadOnlySpan<byte> data)
    {
        if (data.Length < Word)
        {
            throw type.Truncated(data, Word);
        }
        var length = ReadSize(data[..Word], data.Length - Word, $"{type.CanonicalName} length");
        return data.Slice(Word, length);
    }

    private ReadOnlySpan<byte> Content(object? value) => value switch
    {
        byte[] bytes => bytes,
        ReadOnlyMemory<byte> memory => memory.Span,
        _ => throw Invalid(value, "byte[] or ReadOnlyMemory<byte>"),
    };
}
