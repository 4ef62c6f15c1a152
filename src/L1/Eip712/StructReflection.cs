using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Eip712;

/// <summary>Maps C# records to EIP-712 struct types and their values to the JSON form the hasher reads.</summary>
internal static class StructReflection
{
    public sealed record Description(string PrimaryType, IReadOnlyDictionary<string, IReadOnlyList<TypedDataField>> Types);

    public static Description Describe(Type type)
    {
        var types = new Dictionary<string, IReadOnlyList<TypedDataField>>(StringComparer.Ordinal);
        var primary = AddStruct(type, types);
        return new Description(primary, types);
    }

    public static Dictionary<string, object?> ToJson(object value)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (property, name, _) in Members(value.GetType()))
        {
            result[name] = ValueToJson(property.GetValue(value), $"{value.GetType().Name}.{property.Name}");
        }
        return result;
    }

    private static object? ValueToJson(object? value, string path) => value switch
    {
        null => throw new TypedDataException(path, "null", "a value: EIP-712 has no null"),
        string text => text,
        bool flag => flag,
        Address address => address.ToString(),
        Hash32 hash => hash.ToString(),
        byte[] bytes => Hex.Encode(bytes),
        ReadOnlyMemory<byte> memory => Hex.Encode(memory.Span),
        BigInteger number => number.ToString(CultureInfo.InvariantCulture),
        IFormattable number when IsInteger(value.GetType()) => number.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => items.Cast<object?>().Select((item, index) => ValueToJson(item, $"{path}[{index}]")).ToList(),
        _ => ToJson(value),
    };

    private static string AddStruct(Type type, Dictionary<string, IReadOnlyList<TypedDataField>> types)
    {
        var name = type.GetCustomAttribute<Eip712StructAttribute>()?.Name ?? type.Name;
        if (types.ContainsKey(name))
        {
            return name;
        }
        var fields = new List<TypedDataField>();
        types[name] = fields;
        foreach (var (property, fieldName, declaredType) in Members(type))
        {
            fields.Add(new TypedDataField(fieldName, declaredType ?? Infer(property.PropertyType, types, $"{type.Name}.{property.Name}")));
        }
        return name;
    }

    private static string Infer(Type type, Dictionary<string, IReadOnlyList<TypedDataField>> types, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string)) return "string";
        if (underlying == typeof(bool)) return "bool";
        if (underlying == typeof(Address)) return "address";
        if (underlying == typeof(Hash32)) return "bytes32";
        if (underlying == typeof(byte[]) || underlying == typeof(ReadOnlyMemory<byte>)) return "bytes";
        if (underlying == typeof(BigInteger)) return "uint256";
        if (underlying == typeof(byte)) return "uint8";
        if (underlying == typeof(ushort)) return "uint16";
        if (underlying == typeof(uint)) return "uint32";
        if (underlying == typeof(ulong)) return "uint64";
        if (underlying == typeof(UInt128)) return "uint128";
        if (underlying == typeof(sbyte)) return "int8";
        if (underlying == typeof(short)) return "int16";
        if (underlying == typeof(int)) return "int32";
        if (underlying == typeof(long)) return "int64";
        if (underlying == typeof(Int128)) return "int128";
        if (underlying.IsArray)
        {
            return Infer(underlying.GetElementType()!, types, path) + "[]";
        }
        if (underlying.IsGenericType && underlying.GetInterfaces().Append(underlying).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)) is { } sequence)
        {
            return Infer(sequence.GetGenericArguments()[0], types, path) + "[]";
        }
        if (underlying.IsClass || underlying.IsValueType && !underlying.IsPrimitive && !underlying.IsEnum)
        {
            return AddStruct(underlying, types);
        }
        throw new TypedDataException(path, underlying.Name, "a property type with an EIP-712 equivalent, or [Eip712Field(Type = …)]");
    }

    private static bool IsInteger(Type type) =>
        type == typeof(byte) || type == typeof(sbyte) || type == typeof(short) || type == typeof(ushort) || type == typeof(int) || type == typeof(uint)
        || type == typeof(long) || type == typeof(ulong) || type == typeof(Int128) || type == typeof(UInt128);

    private static IEnumerable<(PropertyInfo Property, string Name, string? Type)> Members(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.GetIndexParameters().Length == 0
                && property.GetCustomAttribute<Eip712IgnoreAttribute>() is null
                && !(property.Name == "EqualityContract" && property.PropertyType == typeof(Type)))
            .OrderBy(property => property.MetadataToken)
            .Select(property =>
            {
                var attribute = property.GetCustomAttribute<Eip712FieldAttribute>();
                return (property, attribute?.Name ?? char.ToLowerInvariant(property.Name[0]) + property.Name[1..], attribute?.Type);
            });
}
