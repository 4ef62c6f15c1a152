using System.Buffers.Binary;

namespace Hosting.L1.Transactions;

/// <summary>
/// Recursive Length Prefix, Ethereum's serialisation of transactions. Decoding accepts only the canonical
/// form (shortest length prefixes, single bytes below 0x80 written bare), so one value has one encoding
/// and therefore one hash.
/// </summary>
public static class Rlp
{
    private const int MaxDepth = 64;

    /// <summary>The RLP encoding of <paramref name="item"/>.</summary>
    public static byte[] Encode(RlpItem item)
    {
        var output = new byte[EncodedLength(item)];
        Write(item, output);
        return output;
    }

    /// <summary>Reads exactly one canonical item spanning all of <paramref name="input"/>.</summary>
    public static RlpItem Decode(ReadOnlySpan<byte> input)
    {
        var position = 0;
        var item = Read(input, ref position, 0);
        return position == input.Length
            ? item
            : throw new RlpException($"{input.Length - position} bytes after the end of the item", position, Hex.Encode(input));
    }

    /// <summary>How many bytes the encoding of <paramref name="item"/> takes.</summary>
    public static int EncodedLength(RlpItem item)
    {
        if (!item.IsList)
        {
            var bytes = item.Bytes;
            return bytes.Length == 1 && bytes[0] < 0x80 ? 1 : PrefixLength(bytes.Length) + bytes.Length;
        }
        var payload = PayloadLength(item);
        return PrefixLength(payload) + payload;
    }

    private static int PayloadLength(RlpItem list)
    {
        var payload = 0;
        foreach (var child in list.Items)
        {
            payload += EncodedLength(child);
        }
        return payload;
    }

    private static int PrefixLength(int length) => length < 56 ? 1 : 1 + LengthOfLength(length);

    private static int LengthOfLength(int length) => (32 - int.LeadingZeroCount(length) + 7) / 8;

    private static int Write(RlpItem item, Span<byte> output)
    {
        if (!item.IsList)
        {
            var bytes = item.Bytes;
            if (bytes.Length == 1 && bytes[0] < 0x80)
            {
                output[0] = bytes[0];
                return 1;
            }
            var prefix = WritePrefix(0x80, bytes.Length, output);
            bytes.CopyTo(output[prefix..]);
            return prefix + bytes.Length;
        }
        var written = WritePrefix(0xC0, PayloadLength(item), output);
        foreach (var child in item.Items)
        {
            written += Write(child, output[written..]);
        }
        return written;
    }

    private static int WritePrefix(byte offset, int length, Span<byte> output)
    {
        if (length < 56)
        {
            output[0] = (byte)(offset + length);
            return 1;
        }
        var lengthOfLength = LengthOfLength(length);
        output[0] = (byte)(offset + 55 + lengthOfLength);
        Span<byte> big = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(big, length);
        big[(4 - lengthOfLength)..].CopyTo(output[1..]);
        return 1 + lengthOfLength;
    }

    private static RlpItem Read(ReadOnlySpan<byte> input, ref int position, int depth)
    {
        var start = position;
        if (position >= input.Length)
        {
            throw new RlpException("input ends where an item should start", position, Hex.Encode(input));
        }
        if (depth > MaxDepth)
        {
            throw new RlpException($"lists nested deeper than {MaxDepth}", position, Hex.Encode(input));
        }
        var prefix = input[position++];
        if (prefix < 0x80)
        {
            return RlpItem.Decoded([prefix], start);
        }
        var isList = prefix >= 0xC0;
        var shortBase = isList ? 0xC0 : 0x80;
        int length;
        if (prefix - shortBase <= 55)
        {
            length = prefix - shortBase;
        }
        else
        {
            var lengthOfLength = prefix - shortBase - 55;
            if (input.Length - position < lengthOfLength)
            {
                throw new RlpException($"the length takes {lengthOfLength} bytes but only {input.Length - position} remain", start, Hex.Encode(input));
            }
            var lengthBytes = input.Slice(position, lengthOfLength);
            if (lengthBytes[0] == 0)
            {
                throw new RlpException("the length has a leading zero byte", start, Hex.Encode(input));
            }
            ulong longLength = 0;
            foreach (var b in lengthBytes)
            {
                longLength = (longLength << 8) | b;
            }
            if (longLength < 56)
            {
                throw new RlpException($"a length of {longLength} written in long form; below 56 it must be short", start, Hex.Encode(input));
            }
            if (longLength > int.MaxValue || lengthOfLength > 4)
            {
                throw new RlpException($"a length of {longLength} bytes, beyond any input this reads", start, Hex.Encode(input));
            }
            length = (int)longLength;
            position += lengthOfLength;
        }
        if (input.Length - position < length)
        {
            throw new RlpException($"the {(isList ? "list" : "string")} claims {length} bytes but only {input.Length - position} remain", start, Hex.Encode(input));
        }
        if (!isList)
        {
            var content = input.Slice(position, length);
            if (length == 1 && content[0] < 0x80)
            {
                throw new RlpException($"the single byte 0x{content[0]:x2} must be written as itself, not with a length prefix", start, Hex.Encode(input));
            }
            position += length;
            return RlpItem.Decoded(content.ToArray(), start);
        }
        var end = position + length;
        var items = new List<RlpItem>();
        while (position < end)
        {
            items.Add(Read(input[..end], ref position, depth + 1));
        }
        return RlpItem.DecodedList(items, start);
    }
}
