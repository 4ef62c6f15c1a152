using System.Buffers.Binary;
using Hosting.Contracts.Domain;

namespace Hosting.Grains.Election;

/// <summary>
/// A sequencer's score for a slot, <c>uint256(keccak256(abi.encode(seed, slot, sequencer)))</c>; higher is better.
/// Held as four big-endian 64-bit words, most significant first, so comparing is comparing words in order.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.election.score")]
public readonly record struct Score(
    [property: Id(0)] ulong Word0,
    [property: Id(1)] ulong Word1,
    [property: Id(2)] ulong Word2,
    [property: Id(3)] ulong Word3) : IComparable<Score>
{
    /// <summary>A score is a uint256: 32 bytes.</summary>
    public const int Length = 32;

    /// <summary>Reads a score from the 32 bytes of a Keccak-256 output (big-endian, as Solidity casts to uint256).</summary>
    public static Score FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length == Length
        ? new(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]))
        : throw new ArgumentException($"A score is {Length} bytes, got {bytes.Length}.", nameof(bytes));

    /// <summary>The score as the hash it was read from.</summary>
    public Hash32 ToHash32()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, Word0);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Word1);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], Word2);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], Word3);
        return new Hash32(bytes);
    }

    /// <summary>Orders as uint256: the most significant word that differs decides.</summary>
    public int CompareTo(Score other)
    {
        if (Word0 != other.Word0)
        {
            return Word0 < other.Word0 ? -1 : 1;
        }
        if (Word1 != other.Word1)
        {
            return Word1 < other.Word1 ? -1 : 1;
        }
        if (Word2 != other.Word2)
        {
            return Word2 < other.Word2 ? -1 : 1;
        }
        return Word3.CompareTo(other.Word3);
    }

    public static bool operator >(Score left, Score right) => left.CompareTo(right) > 0;
    public static bool operator <(Score left, Score right) => left.CompareTo(right) < 0;
    public static bool operator >=(Score left, Score right) => left.CompareTo(right) >= 0;
    public static bool operator <=(Score left, Score right) => left.CompareTo(right) <= 0;

    /// <summary>0x followed by 64 lower-case hex digits, as cast prints a keccak.</summary>
    public override string ToString() => ToHash32().ToString();

    /// <summary>Keccak squeezes little-endian lanes; the score reads the same bytes big-endian.</summary>
    internal static Score FromKeccakLanes(ulong lane0, ulong lane1, ulong lane2, ulong lane3) => new(
        BinaryPrimitives.ReverseEndianness(lane0),
        BinaryPrimitives.ReverseEndianness(lane1),
        BinaryPrimitives.ReverseEndianness(lane2),
        BinaryPrimitives.ReverseEndianness(lane3));
}
