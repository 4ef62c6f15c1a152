using System.Globalization;
using Hosting.Contracts.Domain;
using Hosting.L1.Crypto;

namespace Hosting.L1.Abi;

/// <summary>
/// A contract event: topic 0 is keccak(signature) unless anonymous; indexed fields follow as topics
/// (dynamic ones only as the keccak of their value, so they decode to that <see cref="Hash32"/>), the
/// rest are ABI-encoded in the data.
/// </summary>
public sealed class AbiEvent
{
    private readonly AbiTuple _data;

    /// <summary>An event with its name and fields; fields marked indexed travel as topics.</summary>
    public AbiEvent(string name, IReadOnlyList<AbiParameter> inputs, bool anonymous = false)
    {
        Name = name;
        Inputs = inputs;
        Anonymous = anonymous;
        Signature = name + new AbiTuple(inputs).CanonicalName;
        Topic = Keccak256.Hash(Signature);
        _data = new AbiTuple([.. inputs.Where(input => !input.Indexed)]);
        IndexedCount = inputs.Count(input => input.Indexed);
    }

    /// <summary>The event's name.</summary>
    public string Name { get; }
    /// <summary>The event's fields in declaration order.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }
    /// <summary>True for an anonymous event, whose logs carry no topic 0.</summary>
    public bool Anonymous { get; }
    /// <summary>The canonical signature, e.g. "Transfer(address,address,uint256)".</summary>
    public string Signature { get; }

    /// <summary>keccak256 of the signature: topic 0 of every log of this event.</summary>
    public Hash32 Topic { get; }

    /// <summary>How many fields are indexed (topics after topic 0).</summary>
    public int IndexedCount { get; }

    /// <summary>Reads "Name(type,…)"; <paramref name="indexedNames"/> lists the positions ("0", "1"…) of indexed fields.</summary>
    public static AbiEvent Parse(string signature, params string[] indexedNames)
    {
        var function = AbiFunction.Parse(signature);
        return new AbiEvent(function.Name, [.. function.Inputs.Select((input, index) =>
            input with { Indexed = indexedNames.Contains(index.ToString(CultureInfo.InvariantCulture)) })]);
    }

    /// <summary>Decodes a log of this event from its topics and data; the topic count and topic 0 must match.</summary>
    public DecodedEvent Decode(IReadOnlyList<Hash32> topics, ReadOnlySpan<byte> data)
    {
        var expectedTopics = IndexedCount + (Anonymous ? 0 : 1);
        if (topics.Count != expectedTopics)
        {
            throw new AbiException("log topics", $"{topics.Count} topics", $"{expectedTopics} for {Signature} ({IndexedCount} indexed)");
        }
        if (!Anonymous && topics[0] != Topic)
        {
            throw new AbiException("log topic 0", topics[0].ToString(), $"{Topic} = keccak(\"{Signature}\")");
        }
        var dataValues = _data.Decode(data);
        var values = new object?[Inputs.Count];
        var topic = Anonymous ? 0 : 1;
        var dataIndex = 0;
        Span<byte> word = stackalloc byte[32];
        for (var i = 0; i < Inputs.Count; i++)
        {
            var input = Inputs[i];
            if (!input.Indexed)
            {
                values[i] = dataValues[dataIndex++];
                continue;
            }
            if (input.Type.IsDynamic || input.Type is AbiTuple or AbiArray)
            {
                values[i] = topics[topic++];
                continue;
            }
            topics[topic++].CopyTo(word);
            try
            {
                values[i] = input.Type.Decode(word, 0);
            }
            catch (AbiException exception)
            {
                throw exception.Within(input.Name.Length > 0 ? input.Name : i.ToString(CultureInfo.InvariantCulture));
            }
        }
        return new DecodedEvent(this, values);
    }

    /// <summary>The topic a filter matches for an indexed value: its word, or the keccak of a string's or bytes' content.</summary>
    public static Hash32 TopicOf(AbiType type, object? value)
    {
        switch (type)
        {
            case AbiString:
                return Keccak256.Hash(value as string ?? throw type.Invalid(value, "a string"));
            case AbiBytes:
                return Keccak256.Hash(value as byte[] ?? throw type.Invalid(value, "byte[]"));
            case { IsDynamic: false } and not AbiTuple and not AbiArray:
                Span<byte> word = stackalloc byte[32];
                type.Encode(value, word);
                return new Hash32(word);
            default:
                throw type.Invalid(value, "a value type, string or bytes (indexed arrays and tuples are hashed in-place encodings, not supported)");
        }
    }

    /// <summary>The topics and data a log of this event carries for the given field values, in declaration order.</summary>
    public (IReadOnlyList<Hash32> Topics, byte[] Data) Encode(params object?[] values)
    {
        if (values.Length != Inputs.Count)
        {
            throw new AbiException(Signature, $"{values.Length} values", $"{Inputs.Count}");
        }
        var topics = new List<Hash32>();
        if (!Anonymous)
        {
            topics.Add(Topic);
        }
        var dataValues = new List<object?>();
        for (var i = 0; i < Inputs.Count; i++)
        {
            if (Inputs[i].Indexed)
            {
                topics.Add(TopicOf(Inputs[i].Type, values[i]));
            }
            else
            {
                dataValues.Add(values[i]);
            }
        }
        return (topics, _data.Encode(dataValues.ToArray()));
    }

    /// <inheritdoc />
    public override string ToString() => Signature;
}
