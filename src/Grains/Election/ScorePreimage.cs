using System.Buffers.Binary;
using Hosting.Contracts.Domain;

namespace Hosting.Grains.Election;

/// <summary>
/// The slot's part of the score preimage <c>abi.encode(seed, slot, sequencer)</c> as Keccak lanes (little-endian
/// 64-bit words of the 136-byte block): the seed fills lanes 0-3 and the slot's low 8 bytes lane 7.
/// </summary>
internal readonly record struct SlotLanes(ulong Seed0, ulong Seed1, ulong Seed2, ulong Seed3, ulong Number)
{
    public static SlotLanes For(Hash32 seed, ulong slot)
    {
        Span<byte> bytes = stackalloc byte[Hash32.Length];
        seed.CopyTo(bytes);
        return new(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]),
            BinaryPrimitives.ReverseEndianness(slot));
    }
}

/// <summary>
/// A sequencer's part of the preimage: the address is left-padded to 32 bytes at offset 64, so its 20 bytes
/// land in the top half of lane 9 and all of lanes 10 and 11. These three words are all the index keeps of it.
/// </summary>
internal readonly record struct AddressLanes(ulong Lane9, ulong Lane10, ulong Lane11)
{
    public static AddressLanes For(Address sequencer)
    {
        Span<byte> bytes = stackalloc byte[Address.Length];
        sequencer.CopyTo(bytes);
        return new(
            (ulong)BinaryPrimitives.ReadUInt32LittleEndian(bytes) << 32,
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[12..]));
    }

    public Address ToAddress()
    {
        Span<byte> bytes = stackalloc byte[Address.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)(Lane9 >> 32));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[4..], Lane10);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[12..], Lane11);
        return new Address(bytes);
    }
}
