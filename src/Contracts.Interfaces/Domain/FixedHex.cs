using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hosting.Contracts.Domain;

/// <summary>
/// The text form the fixed-size domain values share (<see cref="Address"/>, <see cref="Hash32"/>,
/// <see cref="Signature"/>): 0x (or 0X on input) and two hex digits a byte, lower-case on output.
/// </summary>
internal static class FixedHex
{
    public static string Format(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>Fills <paramref name="destination"/> from text holding exactly its length in bytes; false on any other shape.</summary>
    public static bool TryDecode(ReadOnlySpan<char> s, Span<byte> destination) =>
        s.Length == 2 + 2 * destination.Length && s[0] == '0' && (s[1] is 'x' or 'X')
        && Convert.FromHexString(s[2..], destination, out _, out var written) == OperationStatus.Done
        && written == destination.Length;
}

/// <summary>A fixed-size value written as 0x-hex, which names itself in error messages.</summary>
internal interface IFixedHexValue<TSelf> : ISpanParsable<TSelf>
    where TSelf : IFixedHexValue<TSelf>
{
    /// <summary>What the value is and how it is written, e.g. "an address: expected 0x followed by 40 hex digits".</summary>
    static abstract string Expected { get; }
}

/// <summary>Reads and writes a <see cref="IFixedHexValue{TSelf}"/> as its JSON string form; anything else is a <see cref="JsonException"/> naming the text.</summary>
internal sealed class FixedHexJsonConverter<T> : JsonConverter<T>
    where T : IFixedHexValue<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return T.TryParse(text, null, out var value)
            ? value
            : throw new JsonException($"'{text}' is not {T.Expected}.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
