using System.Text.Json;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Abi;

/// <summary>
/// A contract's JSON ABI (the "abi" array solc and forge emit): its functions, events and custom errors,
/// looked up by name, selector or topic.
/// </summary>
public sealed class ContractAbi
{
    private readonly Dictionary<Hash32, AbiEvent> _eventsByTopic;
    private readonly Dictionary<Selector, AbiError> _errorsBySelector;

    /// <summary>A contract ABI from its parts.</summary>
    public ContractAbi(string name, IReadOnlyList<AbiFunction> functions, IReadOnlyList<AbiEvent> events, IReadOnlyList<AbiError> errors, IReadOnlyList<AbiParameter>? constructorInputs = null)
    {
        Name = name;
        ConstructorInputs = constructorInputs ?? [];
        Functions = functions;
        Events = events;
        Errors = errors;
        _eventsByTopic = events.Where(e => !e.Anonymous).DistinctBy(e => e.Topic).ToDictionary(e => e.Topic);
        _errorsBySelector = errors.DistinctBy(e => e.Selector).ToDictionary(e => e.Selector);
    }

    /// <summary>The contract's name, used in messages.</summary>
    public string Name { get; }
    /// <summary>Its functions.</summary>
    public IReadOnlyList<AbiFunction> Functions { get; }
    /// <summary>Its events.</summary>
    public IReadOnlyList<AbiEvent> Events { get; }
    /// <summary>Its custom errors.</summary>
    public IReadOnlyList<AbiError> Errors { get; }

    /// <summary>The constructor's parameters (empty when it takes none or the ABI has no constructor).</summary>
    public IReadOnlyList<AbiParameter> ConstructorInputs { get; }

    /// <summary>Creation code followed by the ABI-encoded constructor arguments: the data of a deployment transaction.</summary>
    public byte[] EncodeDeployment(ReadOnlySpan<byte> bytecode, params object?[] arguments)
    {
        var encoded = new AbiTuple(ConstructorInputs).Encode(arguments);
        var data = new byte[bytecode.Length + encoded.Length];
        bytecode.CopyTo(data);
        encoded.CopyTo(data, bytecode.Length);
        return data;
    }

    /// <summary>Reads a JSON ABI array, or a forge/solc artifact object holding one under "abi".</summary>
    public static ContractAbi Parse(string name, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("abi", out var abi))
            {
                root = abi;
            }
            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new AbiException("ABI", $"a JSON {root.ValueKind}", $"the JSON ABI array of {name}");
            }
            var functions = new List<AbiFunction>();
            var events = new List<AbiEvent>();
            var errors = new List<AbiError>();
            List<AbiParameter>? constructorInputs = null;
            foreach (var entry in root.EnumerateArray())
            {
                var kind = entry.TryGetProperty("type", out var type) ? type.GetString() : "function";
                switch (kind)
                {
                    case "function":
                        functions.Add(new AbiFunction(
                            Text(entry, "name"),
                            Parameters(entry, "inputs"),
                            Parameters(entry, "outputs"),
                            entry.TryGetProperty("stateMutability", out var mutability) ? mutability.GetString() ?? "nonpayable" : "nonpayable"));
                        break;
                    case "event":
                        events.Add(new AbiEvent(Text(entry, "name"), Parameters(entry, "inputs"),
                            entry.TryGetProperty("anonymous", out var anonymous) && anonymous.ValueKind == JsonValueKind.True));
                        break;
                    case "error":
                        errors.Add(new AbiError(Text(entry, "name"), Parameters(entry, "inputs")));
                        break;
                    case "constructor":
                        constructorInputs = Parameters(entry, "inputs");
                        break;
                    default:
                        // fallback and receive have no selector to bind.
                        break;
                }
            }
            return new ContractAbi(name, functions, events, errors, constructorInputs);
        }
        catch (JsonException exception)
        {
            throw new AbiException("ABI", HexFormatException.Shorten(json), $"the JSON ABI of {name}: {exception.Message}", innerException: exception);
        }
    }

    /// <summary>The function named so, or with that signature; an overloaded name must be given as a signature.</summary>
    public AbiFunction Function(string nameOrSignature)
    {
        var matches = Functions.Where(f => f.Name == nameOrSignature || f.Signature == nameOrSignature).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new AbiException("function", nameOrSignature, $"a function of {Name}: {string.Join(", ", Functions.Select(f => f.Signature))}"),
            _ => throw new AbiException("function", nameOrSignature, $"one function; {Name} overloads it as {string.Join(", ", matches.Select(f => f.Signature))}, so name the signature"),
        };
    }

    /// <summary>The event named so, or with that signature.</summary>
    public AbiEvent Event(string nameOrSignature) =>
        Events.SingleOrDefault(e => e.Name == nameOrSignature || e.Signature == nameOrSignature)
        ?? throw new AbiException("event", nameOrSignature, $"an event of {Name}: {string.Join(", ", Events.Select(e => e.Signature))}");

    /// <summary>The custom error named so, or with that signature.</summary>
    public AbiError Error(string nameOrSignature) =>
        Errors.SingleOrDefault(e => e.Name == nameOrSignature || e.Signature == nameOrSignature)
        ?? throw new AbiException("error", nameOrSignature, $"an error of {Name}: {string.Join(", ", Errors.Select(e => e.Signature))}");

    /// <summary>Finds the event whose topic 0 is <paramref name="topic"/>.</summary>
    public bool TryFindEvent(Hash32 topic, out AbiEvent abiEvent) => _eventsByTopic.TryGetValue(topic, out abiEvent!);

    /// <summary>Finds the custom error with <paramref name="selector"/>.</summary>
    public bool TryFindError(Selector selector, out AbiError error) => _errorsBySelector.TryGetValue(selector, out error!);

    /// <summary>Decodes a log of any of this contract's events, chosen by topic 0.</summary>
    public DecodedEvent DecodeLog(IReadOnlyList<Hash32> topics, ReadOnlySpan<byte> data)
    {
        if (topics.Count == 0 || !_eventsByTopic.TryGetValue(topics[0], out var abiEvent))
        {
            throw new AbiException("log topic 0", topics.Count == 0 ? "no topics" : topics[0].ToString(), $"the topic of an event of {Name}");
        }
        return abiEvent.Decode(topics, data);
    }

    /// <summary>Names revert data: Error(string), Panic(uint256) or one of this contract's custom errors.</summary>
    public RevertReason DecodeRevert(ReadOnlySpan<byte> data) => RevertReason.Decode(data, Errors);

    private static string Text(JsonElement entry, string property) =>
        entry.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new AbiException("ABI entry", entry.GetRawText(), $"a string \"{property}\"");

    private static List<AbiParameter> Parameters(JsonElement entry, string property)
    {
        if (!entry.TryGetProperty(property, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        return [.. list.EnumerateArray().Select(Parameter)];
    }

    private static AbiParameter Parameter(JsonElement element)
    {
        var components = element.TryGetProperty("components", out _) ? Parameters(element, "components") : null;
        return new AbiParameter(
            element.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "",
            AbiType.Parse(Text(element, "type"), components),
            element.TryGetProperty("indexed", out var indexed) && indexed.ValueKind == JsonValueKind.True);
    }
}
