using System.Globalization;
using System.Numerics;

namespace Hosting.L1.Abi;

/// <summary>uintN and intN: one word, big-endian two's complement, range-checked both ways.</summary>
public sealed class AbiInteger : AbiType
{
    internal AbiInteger(int bits, bool signed)
    {
        Bits = bits;
        Signed = signed;
        Minimum = signed ? -(BigInteger.One << (bits - 1)) : BigInteger.Zero;
        Maximum = signed ? (BigInteger.One << (bits - 1)) - 1 : (BigInteger.One << bits) - 1;
        CanonicalName = (signed ? "int" : "uint") + bits.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The width in bits, a multiple of 8 from 8 to 256.</summary>
    public int Bits { get; }
    /// <summary>True for intN, false for uintN.</summary>
    public bool Signed { get; }
    /// <summary>The smallest value the type holds.</summary>
    public BigInteger Minimum { get; }
    /// <summary>The largest value the type holds.</summary>
    public BigInteger Maximum { get; }

    /// <inheritdoc />
    public override string CanonicalName { get; }
    /// <inheritdoc />
    public override bool IsDynamic => false;

    internal override int EncodedLength(object? value) => Word;

    internal override void Encode(object? value, Span<byte> destination)
    {
        var number = ToBigInteger(value) ?? throw Invalid(value, "an integer (BigInteger, long, ulong, int…)");
        if (number < Minimum || number > Maximum)
        {
            throw Invalid(value, $"an integer from {Minimum} to {Maximum}");
        }
        WriteWord(number, destination);
    }

    internal override object? Decode(ReadOnlySpan<byte> data, int depth)
    {
        if (data.Length < Word)
        {
            throw Truncated(data, Word);
        }
        var word = data[..Word];
        var number = new BigInteger(word, isUnsigned: !Signed, isBigEndian: true);
        return number >= Minimum && number <= Maximum
            ? number
            : throw new AbiException(CanonicalName, Hex.Encode(word), $"a {CanonicalName}: the unused high bytes {(Signed ? "must repeat the sign" : "must be zero")}");
    }

    internal static void WriteWord(BigInteger number, Span<byte> destination)
    {
        destination[..Word].Fill(number.Sign < 0 ? (byte)0xFF : (byte)0);
        var length = number.GetByteCount(isUnsigned: number.Sign >= 0);
        number.TryWriteBytes(destination[(Word - length)..Word], out _, isUnsigned: number.Sign >= 0, isBigEndian: true);
    }

    internal static BigInteger? ToBigInteger(object? value) => value switch
    {
        BigInteger big => big,
        int small => small,
        long large => large,
        uint small => small,
        ulong large => large,
        short small => small,
        ushort small => small,
        byte small => small,
        sbyte small => small,
        Int128 wide => wide,
        UInt128 wide => wide,
        _ => null,
    };
}
