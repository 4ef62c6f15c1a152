using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.L1.Abi;
using Hosting.L1.Crypto;

namespace Hosting.L1.Eip712;

/// <summary>
/// EIP-712 typed structured data as eth_signTypedData_v4 takes it (types, primaryType, domain, message),
/// and its hashes: encodeType, typeHash, hashStruct, the domain separator and the digest that is signed,
/// keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message)). Build it from that JSON with
/// <see cref="Parse"/> or from C# records with <see cref="From{T}"/>; both hash through the same code.
/// </summary>
public sealed class TypedData
{
    /// <summary>The name of the domain's struct type.</summary>
    public const string DomainType = "EIP712Domain";

    private readonly Dictionary<string, IReadOnlyList<TypedDataField>> _types;
    private readonly Dictionary<string, Hash32> _typeHashes = new(StringComparer.Ordinal);

    private TypedData(Dictionary<string, IReadOnlyList<TypedDataField>> types, string primaryType, JsonElement domain, JsonElement message)
    {
        _types = types;
        PrimaryType = primaryType;
        Domain = domain;
        Message = message;
        if (!_types.ContainsKey(DomainType))
        {
            _types[DomainType] = DomainFieldsPresentIn(domain);
        }
        if (!_types.ContainsKey(primaryType))
        {
            throw new TypedDataException("primaryType", primaryType, $"one of the declared types ({string.Join(", ", _types.Keys)})");
        }
        foreach (var (name, fields) in _types)
        {
            foreach (var field in fields)
            {
                CheckTypeName($"types.{name}.{field.Name}", field.Type);
            }
        }
        DomainSeparator = HashStruct(DomainType, domain, "domain");
        MessageHash = primaryType == DomainType ? null : HashStruct(primaryType, message, "message");
        Digest = Keccak256.Hash(SigningInput);
    }

    /// <summary>The struct types by name, EIP712Domain included.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> Types => _types;

    /// <summary>The type of <see cref="Message"/>.</summary>
    public string PrimaryType { get; }

    /// <summary>The domain's values.</summary>
    public JsonElement Domain { get; }

    /// <summary>The message's values.</summary>
    public JsonElement Message { get; }

    /// <summary>hashStruct(domain).</summary>
    public Hash32 DomainSeparator { get; }

    /// <summary>hashStruct(message); null when the primary type is EIP712Domain itself (then only the domain is signed).</summary>
    public Hash32? MessageHash { get; }

    /// <summary>0x19 0x01 ‖ domainSeparator ‖ hashStruct(message): the bytes whose Keccak-256 is signed.</summary>
    public byte[] SigningInput
    {
        get
        {
            var input = new byte[MessageHash is null ? 34 : 66];
            input[0] = 0x19;
            input[1] = 0x01;
            DomainSeparator.CopyTo(input.AsSpan(2));
            MessageHash?.CopyTo(input.AsSpan(34));
            return input;
        }
    }

    /// <summary>The digest a signer signs.</summary>
    public Hash32 Digest { get; }

    /// <summary>Reads eth_signTypedData_v4 JSON: {"types":{…},"primaryType":"…","domain":{…},"message":{…}}.</summary>
    public static TypedData Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new TypedDataException("(document)", json, $"JSON typed data: {exception.Message}", exception);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new TypedDataException("(document)", json, "a JSON object with types, primaryType, domain and message");
        }
        var types = new Dictionary<string, IReadOnlyList<TypedDataField>>(StringComparer.Ordinal);
        var typesElement = Property(root, "types", JsonValueKind.Object);
        foreach (var type in typesElement.EnumerateObject())
        {
            if (type.Value.ValueKind != JsonValueKind.Array)
            {
                throw new TypedDataException($"types.{type.Name}", type.Value.GetRawText(), "an array of {\"name\", \"type\"} members");
            }
            types[type.Name] = [.. type.Value.EnumerateArray().Select(member => new TypedDataField(
                Property(member, "name", JsonValueKind.String, $"types.{type.Name}").GetString()!,
                Property(member, "type", JsonValueKind.String, $"types.{type.Name}").GetString()!))];
        }
        var primaryType = Property(root, "primaryType", JsonValueKind.String).GetString()!;
        var domain = Property(root, "domain", JsonValueKind.Object);
        var message = root.TryGetProperty("message", out var m) ? m : EmptyObject;
        return new TypedData(types, primaryType, domain, message);
    }

    /// <summary>
    /// Typed data for a C# message: its public properties, in declaration order, become the members of a
    /// struct named by <see cref="Eip712StructAttribute"/> (or the type's name); nested classes become
    /// struct types, arrays and lists become T[].
    /// </summary>
    public static TypedData From<T>(Eip712Domain domain, T message) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(domain);
        var reflected = StructReflection.Describe(message.GetType());
        var types = new Dictionary<string, IReadOnlyList<TypedDataField>>(reflected.Types, StringComparer.Ordinal)
        {
            [DomainType] = DomainFields(domain),
        };
        var domainJson = JsonSerializer.SerializeToElement(DomainValues(domain));
        var messageJson = JsonSerializer.SerializeToElement(StructReflection.ToJson(message));
        return new TypedData(types, reflected.PrimaryType, domainJson, messageJson);
    }

    /// <summary>The eth_signTypedData_v4 JSON of this data, as cast and wallets read it.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("types");
            foreach (var (name, fields) in _types)
            {
                writer.WriteStartArray(name);
                foreach (var field in fields)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", field.Name);
                    writer.WriteString("type", field.Type);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteString("primaryType", PrimaryType);
            writer.WritePropertyName("domain");
            Domain.WriteTo(writer);
            writer.WritePropertyName("message");
            Message.WriteTo(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>encodeType: "Mail(Person from,Person to,string contents)Person(string name,address wallet)".</summary>
    public string EncodeType(string type)
    {
        var dependencies = new SortedSet<string>(StringComparer.Ordinal);
        CollectDependencies(type, dependencies);
        dependencies.Remove(type);
        var text = new StringBuilder();
        foreach (var name in (string[])[type, .. dependencies])
        {
            text.Append(name).Append('(').AppendJoin(',', _types[name].Select(field => $"{field.Type} {field.Name}")).Append(')');
        }
        return text.ToString();
    }

    /// <summary>keccak256(encodeType(type)).</summary>
    public Hash32 TypeHash(string type)
    {
        if (!_typeHashes.TryGetValue(type, out var hash))
        {
            hash = Keccak256.Hash(EncodeType(type));
            _typeHashes[type] = hash;
        }
        return hash;
    }

    /// <summary>hashStruct: keccak256(typeHash ‖ encodeData(value)).</summary>
    public Hash32 HashStruct(string type, JsonElement value) => HashStruct(type, value, type);

    private Hash32 HashStruct(string type, JsonElement value, string path)
    {
        if (!_types.TryGetValue(type, out var fields))
        {
            throw new TypedDataException(path, type, $"a declared struct type ({string.Join(", ", _types.Keys)})");
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new TypedDataException(path, value.GetRawText(), $"a JSON object for struct {type}");
        }
        var encoded = new byte[32 * (1 + fields.Count)];
        TypeHash(type).CopyTo(encoded);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var fieldPath = $"{path}.{field.Name}";
            if (!value.TryGetProperty(field.Name, out var member))
            {
                throw new TypedDataException(fieldPath, "nothing", $"a value of type {field.Type}");
            }
            EncodeValue(field.Type, member, fieldPath, encoded.AsSpan(32 * (i + 1), 32));
        }
        return Keccak256.Hash(encoded);
    }

    private void EncodeValue(string type, JsonElement value, string path, Span<byte> word)
    {
        if (type.EndsWith(']'))
        {
            var open = type.LastIndexOf('[');
            var element = type[..open];
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new TypedDataException(path, value.GetRawText(), $"a JSON array for {type}");
            }
            var count = value.GetArrayLength();
            if (open + 2 < type.Length && int.Parse(type.AsSpan(open + 1, type.Length - open - 2), CultureInfo.InvariantCulture) != count)
            {
                throw new TypedDataException(path, $"{count} elements", $"exactly {type[(open + 1)..^1]} elements for {type}");
            }
            var concatenated = new byte[32 * count];
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                EncodeValue(element, item, $"{path}[{index}]", concatenated.AsSpan(32 * index, 32));
                index++;
            }
            Keccak256.Hash(concatenated, word);
            return;
        }
        if (_types.ContainsKey(type))
        {
            HashStruct(type, value, path).CopyTo(word);
            return;
        }
        switch (type)
        {
            case "string":
                Keccak256.Hash(Encoding.UTF8.GetBytes(value.ValueKind == JsonValueKind.String
                    ? value.GetString()!
                    : throw new TypedDataException(path, value.GetRawText(), "a JSON string")), word);
                return;
            case "bytes":
                Keccak256.Hash(HexBytes(value, path, type), word);
                return;
            case "bool":
                var flag = value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.String when value.GetString() is "true" or "false" => value.GetString() == "true",
                    _ => throw new TypedDataException(path, value.GetRawText(), "true or false"),
                };
                word.Clear();
                word[31] = flag ? (byte)1 : (byte)0;
                return;
            case "address":
                var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
                if (!Address.TryParse(text, out var address))
                {
                    throw new TypedDataException(path, text, "an address: 0x followed by 40 hex digits");
                }
                word.Clear();
                address.CopyTo(word[12..]);
                return;
        }
        var abiType = AbiType.Parse(type);
        object abiValue = abiType switch
        {
            AbiInteger => Integer(value, path),
            AbiFixedBytes fixedBytes => HexBytes(value, path, type) is var bytes && bytes.Length == fixedBytes.Size
                ? bytes
                : throw new TypedDataException(path, value.GetRawText(), $"exactly {fixedBytes.Size} bytes of hex for {type}"),
            _ => throw new TypedDataException(path, type, "an EIP-712 type"),
        };
        try
        {
            abiType.Encode(abiValue, word);
        }
        catch (AbiException exception)
        {
            throw new TypedDataException(path, value.GetRawText(), exception.Expected, exception);
        }
    }

    private static BigInteger Integer(JsonElement value, string path)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!,
            _ => throw new TypedDataException(path, value.GetRawText(), "an integer as a JSON number or a decimal or 0x-hex string"),
        };
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        BigInteger magnitude;
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (!BigInteger.TryParse("0" + digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude) || digits.Length == 2)
            {
                throw new TypedDataException(path, text, "an integer in 0x-hex");
            }
        }
        else if (!BigInteger.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude))
        {
            throw new TypedDataException(path, text, "a whole number in decimal or 0x-hex");
        }
        return negative ? -magnitude : magnitude;
    }

    private static byte[] HexBytes(JsonElement value, string path, string type)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new TypedDataException(path, value.GetRawText(), $"a 0x-hex string for {type}");
        }
        var text = value.GetString()!;
        try
        {
            return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? Hex.Decode(text)
                : throw new TypedDataException(path, text, $"0x-prefixed hex for {type}");
        }
        catch (HexFormatException exception)
        {
            throw new TypedDataException(path, text, exception.Expected, exception);
        }
    }

    private void CollectDependencies(string type, SortedSet<string> found)
    {
        var bare = type.IndexOf('[', StringComparison.Ordinal) is var bracket and >= 0 ? type[..bracket] : type;
        if (!_types.TryGetValue(bare, out var fields) || !found.Add(bare))
        {
            return;
        }
        foreach (var field in fields)
        {
            CollectDependencies(field.Type, found);
        }
    }

    private void CheckTypeName(string path, string type)
    {
        var bare = type.IndexOf('[', StringComparison.Ordinal) is var bracket and >= 0 ? type[..bracket] : type;
        if (_types.ContainsKey(bare))
        {
            return;
        }
        try
        {
            AbiType.Parse(type);
        }
        catch (AbiException exception)
        {
            throw new TypedDataException(path, type, "a declared struct type or a Solidity atomic type (uintN, intN, address, bool, bytesN, bytes, string), optionally with [] or [k]", exception);
        }
    }

    private static JsonElement Property(JsonElement element, string name, JsonValueKind kind, string path = "")
    {
        return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == kind
            ? value
            : throw new TypedDataException(path.Length == 0 ? name : $"{path}.{name}", element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var wrong) ? wrong.GetRawText() : "nothing", $"a JSON {kind.ToString().ToLowerInvariant()}");
    }

    private static readonly JsonElement EmptyObject = JsonSerializer.SerializeToElement(new Dictionary<string, object>());

    private static readonly (string Name, string Type)[] StandardDomainFields =
        [("name", "string"), ("version", "string"), ("chainId", "uint256"), ("verifyingContract", "address"), ("salt", "bytes32")];

    private static List<TypedDataField> DomainFieldsPresentIn(JsonElement domain) =>
        [.. StandardDomainFields.Where(field => domain.TryGetProperty(field.Name, out _)).Select(field => new TypedDataField(field.Name, field.Type))];

    private static List<TypedDataField> DomainFields(Eip712Domain domain) =>
        [.. StandardDomainFields.Where(field => DomainValues(domain).ContainsKey(field.Name)).Select(field => new TypedDataField(field.Name, field.Type))];

    private static Dictionary<string, object> DomainValues(Eip712Domain domain)
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        if (domain.Name is { } name)
        {
            values["name"] = name;
        }
        if (domain.Version is { } version)
        {
            values["version"] = version;
        }
        if (domain.ChainId is { } chainId)
        {
            // A JSON number while it is exact in a double, because some readers take chainId only as a number.
            values["chainId"] = chainId <= (1L << 53) && chainId >= 0 ? (long)chainId : Hex.EncodeQuantity(chainId);
        }
        if (domain.VerifyingContract is { } contract)
        {
            values["verifyingContract"] = contract.ToString();
        }
        if (domain.Salt is { } salt)
        {
            values["salt"] = salt.ToString();
        }
        return values;
    }
}
