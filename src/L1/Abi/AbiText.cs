using System.Collections;
using System.Globalization;
using System.Numerics;

namespace Hosting.L1.Abi;

/// <summary>How decoded values read in messages: decimal integers, hex bytes, quoted strings, [lists] and (tuples).</summary>
internal static class AbiText
{
    public static string Format(object? value) => value switch
    {
        null => "null",
        BigInteger number => number.ToString(CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        string text => $"\"{text}\"",
        byte[] bytes => Hex.Encode(bytes),
        IList list => $"[{string.Join(", ", list.Cast<object?>().Select(Format))}]",
        _ => value.ToString() ?? "",
    };

    public static string Format(IReadOnlyList<AbiParameter> parameters, IReadOnlyList<object?> values) =>
        string.Join(", ", parameters.Select((parameter, index) =>
            parameter.Name.Length > 0 ? $"{parameter.Name}={Format(values[index])}" : Format(values[index])));
}
