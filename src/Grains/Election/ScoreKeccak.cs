using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Hosting.Grains.Election;

/// <summary>
/// Keccak-f[1600] specialised for the one message a score hashes: <c>abi.encode(bytes32 seed, uint256 slot,
/// address sequencer)</c>, 96 bytes, so one absorbed block with the padding at fixed lanes and only the first
/// four output lanes squeezed. Lanes 0-3 hold the seed, lane 7 the slot (slots stay below 2^64), lanes 9-11
/// the address; the rest of the block is zero but for the pad bits. The rounds are unrolled from the reference
/// (two states that swap roles each round, as in the Keccak team's "inplace" code) because the general
/// BouncyCastle digest spends most of its time buffering and padding, not permuting. The vector form runs
/// four sequencers per call in 256-bit lanes.
/// </summary>
internal static class ScoreKeccak
{
    /// <summary>Byte 96 of the block carries Keccak's first pad bit (0x01).</summary>
    private const ulong FirstPad = 0x01UL;

    /// <summary>Byte 135, the last of the 136-byte rate, carries the final pad bit (0x80).</summary>
    private const ulong LastPad = 0x8000000000000000UL;

    private static ReadOnlySpan<ulong> RoundConstants =>
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808aUL, 0x8000000080008000UL,
        0x000000000000808bUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008aUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000aUL,
        0x000000008000808bUL, 0x800000000000008bUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800aUL, 0x800000008000000aUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
    ];

    /// <summary>The score of one sequencer: its three address lanes against the slot's seed and number.</summary>
    public static Score Score(in SlotLanes slot, ulong lane9, ulong lane10, ulong lane11)
    {
        ulong a0 = slot.Seed0, a1 = slot.Seed1, a2 = slot.Seed2, a3 = slot.Seed3, a4 = 0;
        ulong a5 = 0, a6 = 0, a7 = slot.Number, a8 = 0, a9 = lane9;
        ulong a10 = lane10, a11 = lane11, a12 = FirstPad, a13 = 0, a14 = 0;
        ulong a15 = 0, a16 = LastPad, a17 = 0, a18 = 0, a19 = 0;
        ulong a20 = 0, a21 = 0, a22 = 0, a23 = 0, a24 = 0;
        ulong e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24;
        ulong c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
        for (var round = 0; round < 22; round += 2)
        {
            c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
            c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
            c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
            c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
            c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
            d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
            b0 = a0 ^ d0;
            b1 = BitOperations.RotateLeft(a6 ^ d1, 44);
            b2 = BitOperations.RotateLeft(a12 ^ d2, 43);
            b3 = BitOperations.RotateLeft(a18 ^ d3, 21);
            b4 = BitOperations.RotateLeft(a24 ^ d4, 14);
            e0 = b0 ^ (~b1 & b2) ^ RoundConstants[round];
            e1 = b1 ^ (~b2 & b3);
            e2 = b2 ^ (~b3 & b4);
            e3 = b3 ^ (~b4 & b0);
            e4 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(a3 ^ d3, 28);
            b1 = BitOperations.RotateLeft(a9 ^ d4, 20);
            b2 = BitOperations.RotateLeft(a10 ^ d0, 3);
            b3 = BitOperations.RotateLeft(a16 ^ d1, 45);
            b4 = BitOperations.RotateLeft(a22 ^ d2, 61);
            e5 = b0 ^ (~b1 & b2);
            e6 = b1 ^ (~b2 & b3);
            e7 = b2 ^ (~b3 & b4);
            e8 = b3 ^ (~b4 & b0);
            e9 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(a1 ^ d1, 1);
            b1 = BitOperations.RotateLeft(a7 ^ d2, 6);
            b2 = BitOperations.RotateLeft(a13 ^ d3, 25);
            b3 = BitOperations.RotateLeft(a19 ^ d4, 8);
            b4 = BitOperations.RotateLeft(a20 ^ d0, 18);
            e10 = b0 ^ (~b1 & b2);
            e11 = b1 ^ (~b2 & b3);
            e12 = b2 ^ (~b3 & b4);
            e13 = b3 ^ (~b4 & b0);
            e14 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(a4 ^ d4, 27);
            b1 = BitOperations.RotateLeft(a5 ^ d0, 36);
            b2 = BitOperations.RotateLeft(a11 ^ d1, 10);
            b3 = BitOperations.RotateLeft(a17 ^ d2, 15);
            b4 = BitOperations.RotateLeft(a23 ^ d3, 56);
            e15 = b0 ^ (~b1 & b2);
            e16 = b1 ^ (~b2 & b3);
            e17 = b2 ^ (~b3 & b4);
            e18 = b3 ^ (~b4 & b0);
            e19 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(a2 ^ d2, 62);
            b1 = BitOperations.RotateLeft(a8 ^ d3, 55);
            b2 = BitOperations.RotateLeft(a14 ^ d4, 39);
            b3 = BitOperations.RotateLeft(a15 ^ d0, 41);
            b4 = BitOperations.RotateLeft(a21 ^ d1, 2);
            e20 = b0 ^ (~b1 & b2);
            e21 = b1 ^ (~b2 & b3);
            e22 = b2 ^ (~b3 & b4);
            e23 = b3 ^ (~b4 & b0);
            e24 = b4 ^ (~b0 & b1);
            c0 = e0 ^ e5 ^ e10 ^ e15 ^ e20;
            c1 = e1 ^ e6 ^ e11 ^ e16 ^ e21;
            c2 = e2 ^ e7 ^ e12 ^ e17 ^ e22;
            c3 = e3 ^ e8 ^ e13 ^ e18 ^ e23;
            c4 = e4 ^ e9 ^ e14 ^ e19 ^ e24;
            d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
            d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
            d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
            d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
            d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
            b0 = e0 ^ d0;
            b1 = BitOperations.RotateLeft(e6 ^ d1, 44);
            b2 = BitOperations.RotateLeft(e12 ^ d2, 43);
            b3 = BitOperations.RotateLeft(e18 ^ d3, 21);
            b4 = BitOperations.RotateLeft(e24 ^ d4, 14);
            a0 = b0 ^ (~b1 & b2) ^ RoundConstants[round + 1];
            a1 = b1 ^ (~b2 & b3);
            a2 = b2 ^ (~b3 & b4);
            a3 = b3 ^ (~b4 & b0);
            a4 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(e3 ^ d3, 28);
            b1 = BitOperations.RotateLeft(e9 ^ d4, 20);
            b2 = BitOperations.RotateLeft(e10 ^ d0, 3);
            b3 = BitOperations.RotateLeft(e16 ^ d1, 45);
            b4 = BitOperations.RotateLeft(e22 ^ d2, 61);
            a5 = b0 ^ (~b1 & b2);
            a6 = b1 ^ (~b2 & b3);
            a7 = b2 ^ (~b3 & b4);
            a8 = b3 ^ (~b4 & b0);
            a9 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(e1 ^ d1, 1);
            b1 = BitOperations.RotateLeft(e7 ^ d2, 6);
            b2 = BitOperations.RotateLeft(e13 ^ d3, 25);
            b3 = BitOperations.RotateLeft(e19 ^ d4, 8);
            b4 = BitOperations.RotateLeft(e20 ^ d0, 18);
            a10 = b0 ^ (~b1 & b2);
            a11 = b1 ^ (~b2 & b3);
            a12 = b2 ^ (~b3 & b4);
            a13 = b3 ^ (~b4 & b0);
            a14 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(e4 ^ d4, 27);
            b1 = BitOperations.RotateLeft(e5 ^ d0, 36);
            b2 = BitOperations.RotateLeft(e11 ^ d1, 10);
            b3 = BitOperations.RotateLeft(e17 ^ d2, 15);
            b4 = BitOperations.RotateLeft(e23 ^ d3, 56);
            a15 = b0 ^ (~b1 & b2);
            a16 = b1 ^ (~b2 & b3);
            a17 = b2 ^ (~b3 & b4);
            a18 = b3 ^ (~b4 & b0);
            a19 = b4 ^ (~b0 & b1);
            b0 = BitOperations.RotateLeft(e2 ^ d2, 62);
            b1 = BitOperations.RotateLeft(e8 ^ d3, 55);
            b2 = BitOperations.RotateLeft(e14 ^ d4, 39);
            b3 = BitOperations.RotateLeft(e15 ^ d0, 41);
            b4 = BitOperations.RotateLeft(e21 ^ d1, 2);
            a20 = b0 ^ (~b1 & b2);
            a21 = b1 ^ (~b2 & b3);
            a22 = b2 ^ (~b3 & b4);
            a23 = b3 ^ (~b4 & b0);
            a24 = b4 ^ (~b0 & b1);
        }
        c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
        c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
        c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
        c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
        c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
        d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
        d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
        d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
        d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
        d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
        b0 = a0 ^ d0;
        b1 = BitOperations.RotateLeft(a6 ^ d1, 44);
        b2 = BitOperations.RotateLeft(a12 ^ d2, 43);
        b3 = BitOperations.RotateLeft(a18 ^ d3, 21);
        b4 = BitOperations.RotateLeft(a24 ^ d4, 14);
        e0 = b0 ^ (~b1 & b2) ^ RoundConstants[22];
        e1 = b1 ^ (~b2 & b3);
        e2 = b2 ^ (~b3 & b4);
        e3 = b3 ^ (~b4 & b0);
        e4 = b4 ^ (~b0 & b1);
        b0 = BitOperations.RotateLeft(a3 ^ d3, 28);
        b1 = BitOperations.RotateLeft(a9 ^ d4, 20);
        b2 = BitOperations.RotateLeft(a10 ^ d0, 3);
        b3 = BitOperations.RotateLeft(a16 ^ d1, 45);
        b4 = BitOperations.RotateLeft(a22 ^ d2, 61);
        e5 = b0 ^ (~b1 & b2);
        e6 = b1 ^ (~b2 & b3);
        e7 = b2 ^ (~b3 & b4);
        e8 = b3 ^ (~b4 & b0);
        e9 = b4 ^ (~b0 & b1);
        b0 = BitOperations.RotateLeft(a1 ^ d1, 1);
        b1 = BitOperations.RotateLeft(a7 ^ d2, 6);
        b2 = BitOperations.RotateLeft(a13 ^ d3, 25);
        b3 = BitOperations.RotateLeft(a19 ^ d4, 8);
        b4 = BitOperations.RotateLeft(a20 ^ d0, 18);
        e10 = b0 ^ (~b1 & b2);
        e11 = b1 ^ (~b2 & b3);
        e12 = b2 ^ (~b3 & b4);
        e13 = b3 ^ (~b4 & b0);
        e14 = b4 ^ (~b0 & b1);
        b0 = BitOperations.RotateLeft(a4 ^ d4, 27);
        b1 = BitOperations.RotateLeft(a5 ^ d0, 36);
        b2 = BitOperations.RotateLeft(a11 ^ d1, 10);
        b3 = BitOperations.RotateLeft(a17 ^ d2, 15);
        b4 = BitOperations.RotateLeft(a23 ^ d3, 56);
        e15 = b0 ^ (~b1 & b2);
        e16 = b1 ^ (~b2 & b3);
        e17 = b2 ^ (~b3 & b4);
        e18 = b3 ^ (~b4 & b0);
        e19 = b4 ^ (~b0 & b1);
        b0 = BitOperations.RotateLeft(a2 ^ d2, 62);
        b1 = BitOperations.RotateLeft(a8 ^ d3, 55);
        b2 = BitOperations.RotateLeft(a14 ^ d4, 39);
        b3 = BitOperations.RotateLeft(a15 ^ d0, 41);
        b4 = BitOperations.RotateLeft(a21 ^ d1, 2);
        e20 = b0 ^ (~b1 & b2);
        e21 = b1 ^ (~b2 & b3);
        e22 = b2 ^ (~b3 & b4);
        e23 = b3 ^ (~b4 & b0);
        e24 = b4 ^ (~b0 & b1);
        c0 = e0 ^ e5 ^ e10 ^ e15 ^ e20;
        c1 = e1 ^ e6 ^ e11 ^ e16 ^ e21;
        c2 = e2 ^ e7 ^ e12 ^ e17 ^ e22;
        c3 = e3 ^ e8 ^ e13 ^ e18 ^ e23;
        c4 = e4 ^ e9 ^ e14 ^ e19 ^ e24;
        d0 = c4 ^ BitOperations.RotateLeft(c1, 1);
        d1 = c0 ^ BitOperations.RotateLeft(c2, 1);
        d2 = c1 ^ BitOperations.RotateLeft(c3, 1);
        d3 = c2 ^ BitOperations.RotateLeft(c4, 1);
        d4 = c3 ^ BitOperations.RotateLeft(c0, 1);
        b0 = e0 ^ d0;
        b1 = BitOperations.RotateLeft(e6 ^ d1, 44);
        b2 = BitOperations.RotateLeft(e12 ^ d2, 43);
        b3 = BitOperations.RotateLeft(e18 ^ d3, 21);
        b4 = BitOperations.RotateLeft(e24 ^ d4, 14);
        a0 = b0 ^ (~b1 & b2) ^ RoundConstants[23];
        a1 = b1 ^ (~b2 & b3);
        a2 = b2 ^ (~b3 & b4);
        a3 = b3 ^ (~b4 & b0);
        return Election.Score.FromKeccakLanes(a0, a1, a2, a3);
    }

    /// <summary>Four scores at once, one sequencer per 64-bit element of the address lane vectors.</summary>
    public static void Score4(
        in SlotLanes slot, Vector256<ulong> lane9, Vector256<ulong> lane10, Vector256<ulong> lane11,
        out Vector256<ulong> hash0, out Vector256<ulong> hash1, out Vector256<ulong> hash2, out Vector256<ulong> hash3)
    {
        var zero = Vector256<ulong>.Zero;
        Vector256<ulong> a0 = Vector256.Create(slot.Seed0), a1 = Vector256.Create(slot.Seed1), a2 = Vector256.Create(slot.Seed2), a3 = Vector256.Create(slot.Seed3), a4 = zero;
        Vector256<ulong> a5 = zero, a6 = zero, a7 = Vector256.Create(slot.Number), a8 = zero, a9 = lane9;
        Vector256<ulong> a10 = lane10, a11 = lane11, a12 = Vector256.Create(FirstPad), a13 = zero, a14 = zero;
        Vector256<ulong> a15 = zero, a16 = Vector256.Create(LastPad), a17 = zero, a18 = zero, a19 = zero;
        Vector256<ulong> a20 = zero, a21 = zero, a22 = zero, a23 = zero, a24 = zero;
        Vector256<ulong> e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24;
        Vector256<ulong> c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
        for (var round = 0; round < 22; round += 2)
        {
            c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
            c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
            c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
            c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
            c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
            d0 = c4 ^ Rol(c1, 1);
            d1 = c0 ^ Rol(c2, 1);
            d2 = c1 ^ Rol(c3, 1);
            d3 = c2 ^ Rol(c4, 1);
            d4 = c3 ^ Rol(c0, 1);
            b0 = a0 ^ d0;
            b1 = Rol(a6 ^ d1, 44);
            b2 = Rol(a12 ^ d2, 43);
            b3 = Rol(a18 ^ d3, 21);
            b4 = Rol(a24 ^ d4, 14);
            e0 = b0 ^ Vector256.AndNot(b2, b1) ^ Vector256.Create(RoundConstants[round]);
            e1 = b1 ^ Vector256.AndNot(b3, b2);
            e2 = b2 ^ Vector256.AndNot(b4, b3);
            e3 = b3 ^ Vector256.AndNot(b0, b4);
            e4 = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(a3 ^ d3, 28);
            b1 = Rol(a9 ^ d4, 20);
            b2 = Rol(a10 ^ d0, 3);
            b3 = Rol(a16 ^ d1, 45);
            b4 = Rol(a22 ^ d2, 61);
            e5 = b0 ^ Vector256.AndNot(b2, b1);
            e6 = b1 ^ Vector256.AndNot(b3, b2);
            e7 = b2 ^ Vector256.AndNot(b4, b3);
            e8 = b3 ^ Vector256.AndNot(b0, b4);
            e9 = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(a1 ^ d1, 1);
            b1 = Rol(a7 ^ d2, 6);
            b2 = Rol(a13 ^ d3, 25);
            b3 = Rol(a19 ^ d4, 8);
            b4 = Rol(a20 ^ d0, 18);
            e10 = b0 ^ Vector256.AndNot(b2, b1);
            e11 = b1 ^ Vector256.AndNot(b3, b2);
            e12 = b2 ^ Vector256.AndNot(b4, b3);
            e13 = b3 ^ Vector256.AndNot(b0, b4);
            e14 = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(a4 ^ d4, 27);
            b1 = Rol(a5 ^ d0, 36);
            b2 = Rol(a11 ^ d1, 10);
            b3 = Rol(a17 ^ d2, 15);
            b4 = Rol(a23 ^ d3, 56);
            e15 = b0 ^ Vector256.AndNot(b2, b1);
            e16 = b1 ^ Vector256.AndNot(b3, b2);
            e17 = b2 ^ Vector256.AndNot(b4, b3);
            e18 = b3 ^ Vector256.AndNot(b0, b4);
            e19 = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(a2 ^ d2, 62);
            b1 = Rol(a8 ^ d3, 55);
            b2 = Rol(a14 ^ d4, 39);
            b3 = Rol(a15 ^ d0, 41);
            b4 = Rol(a21 ^ d1, 2);
            e20 = b0 ^ Vector256.AndNot(b2, b1);
            e21 = b1 ^ Vector256.AndNot(b3, b2);
            e22 = b2 ^ Vector256.AndNot(b4, b3);
            e23 = b3 ^ Vector256.AndNot(b0, b4);
            e24 = b4 ^ Vector256.AndNot(b1, b0);
            c0 = e0 ^ e5 ^ e10 ^ e15 ^ e20;
            c1 = e1 ^ e6 ^ e11 ^ e16 ^ e21;
            c2 = e2 ^ e7 ^ e12 ^ e17 ^ e22;
            c3 = e3 ^ e8 ^ e13 ^ e18 ^ e23;
            c4 = e4 ^ e9 ^ e14 ^ e19 ^ e24;
            d0 = c4 ^ Rol(c1, 1);
            d1 = c0 ^ Rol(c2, 1);
            d2 = c1 ^ Rol(c3, 1);
            d3 = c2 ^ Rol(c4, 1);
            d4 = c3 ^ Rol(c0, 1);
            b0 = e0 ^ d0;
            b1 = Rol(e6 ^ d1, 44);
            b2 = Rol(e12 ^ d2, 43);
            b3 = Rol(e18 ^ d3, 21);
            b4 = Rol(e24 ^ d4, 14);
            a0 = b0 ^ Vector256.AndNot(b2, b1) ^ Vector256.Create(RoundConstants[round + 1]);
            a1 = b1 ^ Vector256.AndNot(b3, b2);
            a2 = b2 ^ Vector256.AndNot(b4, b3);
            a3 = b3 ^ Vector256.AndNot(b0, b4);
            a4 = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(e3 ^ d3, 28);
            b1 = Rol(e9 ^ d4, 20);
            b2 = Rol(e10 ^ d0, 3);
            b3 = Rol(e16 ^ d1, 45);
            b4 = Rol(e22 ^ d2, 61);
            a5 = b0 ^ Vector256.AndNot(b2, b1);
            a6 = b1 ^ Vector256.AndNot(b3, b2);
            a7 = b2 ^ Vector256.AndNot(b4, b3);
            a8 = b3 ^ Vector256.AndNot(b0, b4);
            a9 = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(e1 ^ d1, 1);
            b1 = Rol(e7 ^ d2, 6);
            b2 = Rol(e13 ^ d3, 25);
            b3 = Rol(e19 ^ d4, 8);
            b4 = Rol(e20 ^ d0, 18);
            a10 = b0 ^ Vector256.AndNot(b2, b1);
            a11 = b1 ^ Vector256.AndNot(b3, b2);
            a12 = b2 ^ Vector256.AndNot(b4, b3);
            a13 = b3 ^ Vector256.AndNot(b0, b4);
            a14 = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(e4 ^ d4, 27);
            b1 = Rol(e5 ^ d0, 36);
            b2 = Rol(e11 ^ d1, 10);
            b3 = Rol(e17 ^ d2, 15);
            b4 = Rol(e23 ^ d3, 56);
            a15 = b0 ^ Vector256.AndNot(b2, b1);
            a16 = b1 ^ Vector256.AndNot(b3, b2);
            a17 = b2 ^ Vector256.AndNot(b4, b3);
            a18 = b3 ^ Vector256.AndNot(b0, b4);
            a19 = b4 ^ Vector256.AndNot(b1, b0);
            b0 = Rol(e2 ^ d2, 62);
            b1 = Rol(e8 ^ d3, 55);
            b2 = Rol(e14 ^ d4, 39);
            b3 = Rol(e15 ^ d0, 41);
            b4 = Rol(e21 ^ d1, 2);
            a20 = b0 ^ Vector256.AndNot(b2, b1);
            a21 = b1 ^ Vector256.AndNot(b3, b2);
            a22 = b2 ^ Vector256.AndNot(b4, b3);
            a23 = b3 ^ Vector256.AndNot(b0, b4);
            a24 = b4 ^ Vector256.AndNot(b1, b0);
        }
        c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
        c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
        c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
        c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
        c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
        d0 = c4 ^ Rol(c1, 1);
        d1 = c0 ^ Rol(c2, 1);
        d2 = c1 ^ Rol(c3, 1);
        d3 = c2 ^ Rol(c4, 1);
        d4 = c3 ^ Rol(c0, 1);
        b0 = a0 ^ d0;
        b1 = Rol(a6 ^ d1, 44);
        b2 = Rol(a12 ^ d2, 43);
        b3 = Rol(a18 ^ d3, 21);
        b4 = Rol(a24 ^ d4, 14);
        e0 = b0 ^ Vector256.AndNot(b2, b1) ^ Vector256.Create(RoundConstants[22]);
        e1 = b1 ^ Vector256.AndNot(b3, b2);
        e2 = b2 ^ Vector256.AndNot(b4, b3);
        e3 = b3 ^ Vector256.AndNot(b0, b4);
        e4 = b4 ^ Vector256.AndNot(b1, b0);
        b0 = Rol(a3 ^ d3, 28);
        b1 = Rol(a9 ^ d4, 20);
        b2 = Rol(a10 ^ d0, 3);
        b3 = Rol(a16 ^ d1, 45);
        b4 = Rol(a22 ^ d2, 61);
        e5 = b0 ^ Vector256.AndNot(b2, b1);
        e6 = b1 ^ Vector256.AndNot(b3, b2);
        e7 = b2 ^ Vector256.AndNot(b4, b3);
        e8 = b3 ^ Vector256.AndNot(b0, b4);
        e9 = b4 ^ Vector256.AndNot(b1, b0);
        b0 = Rol(a1 ^ d1, 1);
        b1 = Rol(a7 ^ d2, 6);
        b2 = Rol(a13 ^ d3, 25);
        b3 = Rol(a19 ^ d4, 8);
        b4 = Rol(a20 ^ d0, 18);
        e10 = b0 ^ Vector256.AndNot(b2, b1);
        e11 = b1 ^ Vector256.AndNot(b3, b2);
        e12 = b2 ^ Vector256.AndNot(b4, b3);
        e13 = b3 ^ Vector256.AndNot(b0, b4);
        e14 = b4 ^ Vector256.AndNot(b1, b0);
        b0 = Rol(a4 ^ d4, 27);
        b1 = Rol(a5 ^ d0, 36);
        b2 = Rol(a11 ^ d1, 10);
        b3 = Rol(a17 ^ d2, 15);
        b4 = Rol(a23 ^ d3, 56);
        e15 = b0 ^ Vector256.AndNot(b2, b1);
        e16 = b1 ^ Vector256.AndNot(b3, b2);
        e17 = b2 ^ Vector256.AndNot(b4, b3);
        e18 = b3 ^ Vector256.AndNot(b0, b4);
        e19 = b4 ^ Vector256.AndNot(b1, b0);
        b0 = Rol(a2 ^ d2, 62);
        b1 = Rol(a8 ^ d3, 55);
        b2 = Rol(a14 ^ d4, 39);
        b3 = Rol(a15 ^ d0, 41);
        b4 = Rol(a21 ^ d1, 2);
        e20 = b0 ^ Vector256.AndNot(b2, b1);
        e21 = b1 ^ Vector256.AndNot(b3, b2);
        e22 = b2 ^ Vector256.AndNot(b4, b3);
        e23 = b3 ^ Vector256.AndNot(b0, b4);
        e24 = b4 ^ Vector256.AndNot(b1, b0);
        c0 = e0 ^ e5 ^ e10 ^ e15 ^ e20;
        c1 = e1 ^ e6 ^ e11 ^ e16 ^ e21;
        c2 = e2 ^ e7 ^ e12 ^ e17 ^ e22;
        c3 = e3 ^ e8 ^ e13 ^ e18 ^ e23;
        c4 = e4 ^ e9 ^ e14 ^ e19 ^ e24;
        d0 = c4 ^ Rol(c1, 1);
        d1 = c0 ^ Rol(c2, 1);
        d2 = c1 ^ Rol(c3, 1);
        d3 = c2 ^ Rol(c4, 1);
        d4 = c3 ^ Rol(c0, 1);
        b0 = e0 ^ d0;
        b1 = Rol(e6 ^ d1, 44);
        b2 = Rol(e12 ^ d2, 43);
        b3 = Rol(e18 ^ d3, 21);
        b4 = Rol(e24 ^ d4, 14);
        a0 = b0 ^ Vector256.AndNot(b2, b1) ^ Vector256.Create(RoundConstants[23]);
        a1 = b1 ^ Vector256.AndNot(b3, b2);
        a2 = b2 ^ Vector256.AndNot(b4, b3);
        a3 = b3 ^ Vector256.AndNot(b0, b4);
        hash0 = a0;
        hash1 = a1;
        hash2 = a2;
        hash3 = a3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Rol(Vector256<ulong> value, [ConstantExpected(Min = 1, Max = 63)] int count) =>
        Vector256.ShiftLeft(value, count) | Vector256.ShiftRightLogical(value, 64 - count);
}
