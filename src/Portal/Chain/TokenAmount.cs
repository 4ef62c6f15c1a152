using System.Globalization;
using System.Numerics;

namespace Hosting.Portal.Chain;

/// <summary>Token amounts in whole tokens with up to 18 decimals, as people type and read them.</summary>
public static class TokenAmount
{
    private static readonly BigInteger Unit = BigInteger.Pow(10, 18);

    public static string Format(BigInteger wei)
    {
        var whole = BigInteger.DivRem(BigInteger.Abs(wei), Unit, out var fraction);
        var text = whole.ToString(CultureInfo.InvariantCulture);
        if (!fraction.IsZero)
        {
            text += "." + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(18, '0').TrimEnd('0');
        }
        return wei.Sign < 0 ? "-" + text : text;
    }

    /// <summary>Reads "100" or "0.25" (a dot, at most 18 decimals) into wei; false for anything else or zero.</summary>
    public static bool TryParse(string? text, out BigInteger wei)
    {
        wei = BigInteger.Zero;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 60)
        {
            return false;
        }
        var parts = text.Split('.');
        if (parts.Length > 2 || parts[0].Length == 0 || !parts[0].All(char.IsAsciiDigit)
            || (parts.Length == 2 && (parts[1].Length is 0 or > 18 || !parts[1].All(char.IsAsciiDigit))))
        {
            return false;
        }
        wei = BigInteger.Parse(parts[0], CultureInfo.InvariantCulture) * Unit
            + (parts.Length == 2 ? BigInteger.Parse(parts[1].PadRight(18, '0'), CultureInfo.InvariantCulture) : BigInteger.Zero);
        return wei > 0;
    }
}
