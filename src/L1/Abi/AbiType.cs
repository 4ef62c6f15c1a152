using System.Collections;
using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Abi;

/// <summary>
/// A Solidity ABI type. Values are plain .NET values: integers as <see cref="BigInteger"/> (any integer
/// type is accepted when encoding), <see cref="Hosting.Contracts.Domain.Address"/>, bool, bytes32 as
/// <see cref="Hash32"/> (or 32 bytes), other bytesN and bytes as byte[], string, arrays and tuples as
/// object?[] (tuples also take value tuples or a name → value dictionary when encoding).
/// </summary>
public abstract class AbiType : IEquatable<AbiType>
{
    internal const int Word = 32;
    private const int MaxDepth = 32;

    /// <summary>address.</summary>
    public static AbiType Address { get; } = new AbiAddress();
    /// <summary>bool.</summary>
    public static AbiType Bool { get; } = new AbiBool();
    /// <summary>bytes (dynamic).</summary>
    public static AbiType Bytes { get; } = new AbiBytes();
    /// <summary>string (dynamic, UTF-8).</summary>
    public static AbiType String { get; } = new AbiString();
    /// <summary>uint256.</summary>
    public static AbiType UInt256 { get; } = new AbiInteger(256, signed: false);
    /// <summary>bytes32, which decodes to <see cref="Hash32"/>.</summary>
    public static AbiType Bytes32 { get; } = new AbiFixedBytes(32);

    /// <summary>uintN for N a multiple of 8 from 8 to 256.</summary>
    public static AbiType UInt(int bits) => bits == 256 ? UInt256 : new AbiInteger(bits, signed: false);
    /// <summary>intN for N a multiple of 8 from 8 to 256.</summary>
    public static AbiType Int(int bits) => new AbiInteger(bits, signed: true);
    /// <summary>bytesN for N from 1 to 32.</summary>
    public static AbiType FixedBytes(int size) => size == 32 ? Bytes32 : new AbiFixedBytes(size);
    /// <summary>T[] when <paramref name="length"/> is null, otherwise T[length].</summary>
    public static AbiType ArrayOf(AbiType element, int? length = null) => new AbiArray(element, length);
    /// <summary>A tuple of named members.</summary>
    public static AbiType Tuple(params AbiParameter[] components) => new AbiTuple(components);
    /// <summary>A tuple of unnamed members.</summary>
    public static AbiType Tuple(params AbiType[] components) => new AbiTuple([.. components.Select(type => new AbiParameter("", type))]);

    /// <summary>The name used in signatures: uint256 not uint, tuples as (t1,t2).</summary>
    public abstract string CanonicalName { get; }

    /// <summary>True when the encoding has a length that depends on the value (bytes, string, T[], and anything holding one).</summary>
    public abstract bool IsDynamic { get; }

    /// <summary>Bytes this type takes in the head of an enclosing tuple: 32 for dynamic types (an offset).</summary>
    public virtual int HeadLength => Word;

    /// <inheritdoc />
    public override string ToString() => CanonicalName;

    /// <summary>Types are equal when their canonical names are.</summary>
    public bool Equals(AbiType? other) => other is not null && other.CanonicalName == CanonicalName;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is AbiType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => CanonicalName.GetHashCode(StringComparison.Ordinal);

    /// <summary>Reads a type from its Solidity spelling: "uint8", "bytes32[]", "(uint256,address)[2]".</summary>
    public static AbiType Parse(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var position = 0;
        var result = ParseAt(type, ref position);
        return position == type.Length
            ? result
            : throw new AbiException("type", type, $"a Solidity type; unexpected '{type[position..]}' at {position}");
    }

    /// <summary>Reads a JSON ABI type, where tuples say "tuple" (or "tuple[]"…) and list their components separately.</summary>
    public static AbiType Parse(string type, IReadOnlyList<AbiParameter>? components)
    {
        if (!type.StartsWith("tuple", StringComparison.Ordinal))
        {
            return Parse(type);
        }
        if (components is null)
        {
            throw new AbiException("type", type, "the components of the tuple");
        }
        AbiType result = new AbiTuple(components);
        var position = "tuple".Length;
        return ParseArraySuffixes(type, ref position, result) is var withSuffixes && position == type.Length
            ? withSuffixes
            : throw new AbiException("type", type, $"tuple followed only by [] or [k] suffixes");
    }

    internal abstract int EncodedLength(object? value);

    /// <summary>Writes the value's encoding into exactly <see cref="EncodedLength"/> bytes.</summary>
    internal abstract void Encode(object? value, Span<byte> destination);

    /// <summary>Reads a value whose encoding starts at <paramref name="data"/>[0] (the tail, for dynamic types).</summary>
    internal abstract object? Decode(ReadOnlySpan<byte> data, int depth);

    internal AbiException Invalid(object? value, string expected) => new(CanonicalName, Describe(value), expected);

    internal AbiException Truncated(ReadOnlySpan<byte> data, int needed) =>
        new(CanonicalName, $"{data.Length} bytes left ({Hex.Encode(data[..Math.Min(data.Length, 64)])}{(data.Length > 64 ? "…" : "")})", $"at least {needed} bytes");

    internal static void CheckDepth(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new AbiException("nesting", depth.ToString(CultureInfo.InvariantCulture), $"types nested at most {MaxDepth} deep");
        }
    }

    /// <summary>Reads a 32-byte word that must hold an offset or length fitting in the remaining data.</summary>
    internal static int ReadSize(ReadOnlySpan<byte> word, int limit, string what)
    {
        if (word[..24].IndexOfAnyExcept((byte)0) >= 0 || System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(word[24..]) > (ulong)limit)
        {
            throw new AbiException(what, Hex.Encode(word), $"a {what} of at most {limit} (the bytes that remain)");
        }
        return (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(word[24..]);
    }

    internal static void WriteSize(Span<byte> word, int value)
    {
        word[..24].Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(word[24..], (ulong)value);
    }

    internal static IList AsList(AbiType type, object? value) => value switch
    {
        IList list and not byte[] => list,
        IEnumerable sequence and not string and not byte[] => sequence.Cast<object?>().ToArray(),
        _ => throw type.Invalid(value, "a list of values"),
    };

    internal static string Describe(object? value) => value switch
    {
        null => "null",
        byte[] bytes => $"byte[{bytes.Length}] {Hex.Encode(bytes)}",
        string text => $"\"{text}\"",
        IFormattable formattable => $"{formattable.ToString(null, CultureInfo.InvariantCulture)} ({value.GetType().Name})",
        _ => $"{value} ({value.GetType().Name})",
    };

    private static AbiType ParseAt(string text, ref int position)
    {
        AbiType element;
        if ((position < text.Length && text[position] == '(') || text.AsSpan(position).StartsWith("tuple("))
        {
            position += text[position] == '(' ? 1 : "tuple(".Length;
            var components = new List<AbiParameter>();
            if (position < text.Length && text[position] == ')')
            {
                position++;
            }
            else
            {
                while (true)
                {
                    components.Add(new AbiParameter("", ParseAt(text, ref position)));
                    if (position >= text.Length)
                    {
                        throw new AbiException("type", text, "a closing ')'");
                    }
                    var separator = text[position++];
                    if (separator == ')')
                    {
                        break;
                    }
                    if (separator != ',')
                    {
                        throw new AbiException("type", text, $"',' or ')' at {position - 1}");
                    }
                }
            }
            element = new AbiTuple(components);
        }
        else
        {
            var start = position;
            while (position < text.Length && char.IsAsciiLetterOrDigit(text[position]))
            {
                position++;
            }
            element = Elementary(text, text[start..position]);
        }
        return ParseArraySuffixes(text, ref position, element);
    }

    private static AbiType ParseArraySuffixes(string text, ref int position, AbiType element)
    {
        while (position < text.Length && text[position] == '[')
        {
            var close = text.IndexOf(']', position);
            if (close < 0)
            {
                throw new AbiException("type", text, $"a closing ']' after {position}");
            }
            var inside = text[(position + 1)..close];
            int? length = null;
            if (inside.Length > 0)
            {
                if (!int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out var fixedLength) || fixedLength <= 0 || fixedLength > 1 << 20)
                {
                    throw new AbiException("type", text, $"an array length between 1 and 2^20 inside [], got '{inside}'");
                }
                length = fixedLength;
            }
            element = new AbiArray(element, length);
            position = close + 1;
        }
        return element;
    }

    private static AbiType Elementary(string text, string name)
    {
        switch (name)
        {
            case "address": return Address;
            case "bool": return Bool;
            case "bytes": return Bytes;
            case "string": return String;
            case "uint": return UInt256;
            case "int": return Int(256);
        }
        if (name.StartsWith("uint", StringComparison.Ordinal) && TrySize(name[4..], out var unsignedBits) && unsignedBits % 8 == 0 && unsignedBits is >= 8 and <= 256)
        {
            return UInt(unsignedBits);
        }
        if (name.StartsWith("int", StringComparison.Ordinal) && TrySize(name[3..], out var signedBits) && signedBits % 8 == 0 && signedBits is >= 8 and <= 256)
        {
            return Int(signedBits);
        }
        if (name.StartsWith("bytes", StringComparison.Ordinal) && TrySize(name[5..], out var size) && size is >= 1 and <= 32)
        {
            return FixedBytes(size);
        }
        throw new AbiException("type", text, $"a supported Solidity type (uintN, intN, address, bool, bytesN, bytes, string, T[], T[k], tuples), got '{name}'");
    }

    private static bool TrySize(string digits, out int value) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value) && digits.Length > 0 && digits[0] != '0';
}
