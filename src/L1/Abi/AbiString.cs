using System.Text;

namespace Hosting.L1.Abi;

/// <summary>string: encoded as the bytes of its UTF-8 form; decoding rejects bytes that are not UTF-8.</summary>
public sealed class AbiString : AbiType
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    internal AbiString()
    {
    }

    /// <inheritdoc />
    public override string CanonicalName => "string";
    /// <inheritdoc />
    public override bool IsDynamic => true;

    internal override int EncodedLength(object? value) => Word + AbiBytes.Padded(StrictUtf8.GetByteCount(Text(value)));

    internal override void Encode(object? value, Span<byte> destination) => AbiBytes.Write(StrictUtf8.GetBytes(Text(value)), destination);

    internal override object? Decode(ReadOnlySpan<byte> data, int depth)
    {
        var content = AbiBytes.Read(this, data);
        try
        {
            return StrictUtf8.GetString(content);
        }
        catch (DecoderFallbackException exception)
        {
            throw new AbiException(CanonicalName, Hex.Encode(content), "UTF-8 text", innerException: exception);
        }
    }

    private string Text(object? value)
    {
        var text = value as string ?? throw Invalid(value, "a string");
        try
        {
            StrictUtf8.GetByteCount(text);
            return text;
        }
        catch (EncoderFallbackException exception)
        {
            // A lone UTF-16 surrogate has no UTF-8 form; say so here rather than deep inside the encoder.
            throw new AbiException(CanonicalName, Describe(value), "a string of valid Unicode (no lone surrogates)", innerException: exception);
        }
    }
}
