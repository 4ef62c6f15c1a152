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

    public int Bits { get; }
    public bool Signed { get; }
    public BigInteger Minimum { get; }
    public BigInteger Maximum { get; }

    public override string CanonicalName { get; }
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
