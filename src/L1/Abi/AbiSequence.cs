using System.Collections;

namespace Hosting.L1.Abi;

/// <summary>
/// The head/tail layout shared by tuples, arrays and argument lists: static members in place, dynamic
/// members as an offset (from the start of the sequence) to their encoding after all the heads.
/// </summary>
internal static class AbiSequence
{
    private const int Word = AbiType.Word;

    public static int EncodedLength(Func<int, AbiType> typeAt, IList items, int count, Func<int, string> segment)
    {
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            var type = typeAt(i);
            try
            {
                length += type.IsDynamic ? Word + type.EncodedLength(items[i]) : type.HeadLength;
            }
            catch (AbiException exception)
            {
                throw exception.Within(segment(i));
            }
        }
        return length;
    }

    public static void Encode(Func<int, AbiType> typeAt, IList items, int count, Span<byte> destination, Func<int, string> segment)
    {
        var head = 0;
        for (var i = 0; i < count; i++)
        {
            head += typeAt(i).HeadLength;
        }
        var tail = head;
        head = 0;
        for (var i = 0; i < count; i++)
        {
            var type = typeAt(i);
            try
            {
                if (type.IsDynamic)
                {
                    var length = type.EncodedLength(items[i]);
                    AbiType.WriteSize(destination.Slice(head, Word), tail);
                    type.Encode(items[i], destination.Slice(tail, length));
                    tail += length;
                }
                else
                {
                    type.Encode(items[i], destination.Slice(head, type.HeadLength));
                }
            }
            catch (AbiException exception)
            {
                throw exception.Within(segment(i));
            }
            head += type.HeadLength;
        }
    }

    public static object?[] Decode(Func<int, AbiType> typeAt, int count, ReadOnlySpan<byte> data, int depth, Func<int, string> segment)
    {
        var values = new object?[count];
        var head = 0;
        for (var i = 0; i < count; i++)
        {
            var type = typeAt(i);
            try
            {
                if (data.Length - head < type.HeadLength)
                {
                    throw type.Truncated(data[head..], type.HeadLength);
                }
                if (type.IsDynamic)
                {
                    var offset = AbiType.ReadSize(data.Slice(head, Word), data.Length, $"{type.CanonicalName} offset");
                    values[i] = type.Decode(data[offset..], depth + 1);
                }
                else
                {
                    values[i] = type.Decode(data[head..], depth + 1);
                }
            }
            catch (AbiException exception)
            {
                throw exception.Within(segment(i));
            }
            head += type.HeadLength;
        }
        return values;
    }
}
