using System.Numerics;
using System.Reflection;
using Hosting.Contracts.Domain;
using Hosting.L1.Abi;

namespace Hosting.L1.Contracts;

/// <summary>
/// Turns decoded ABI values (BigInteger, Address, Hash32, byte[], string, bool, object?[]) into the C#
/// types bindings expose: narrower integers, enums, and records whose constructor takes the tuple's
/// members in order, or an event's fields by name.
/// </summary>
public static class AbiValues
{
    /// <summary>Converts one decoded value to <typeparamref name="T"/>.</summary>
    public static T To<T>(object? value) => (T)To(typeof(T), value, typeof(T).Name)!;

    /// <summary>Builds <typeparamref name="T"/> from an event's fields, matching constructor parameters to field names (case-insensitive).</summary>
    public static T ToRecord<T>(this DecodedEvent decoded)
    {
        var constructor = Constructor(typeof(T));
        var arguments = constructor.GetParameters().Select(parameter =>
        {
            var index = decoded.Event.Inputs.ToList().FindIndex(input => string.Equals(input.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
            return index >= 0
                ? To(parameter.ParameterType, decoded.Values[index], $"{decoded.Name}.{parameter.Name}")
                : throw new AbiException(decoded.Event.Signature, parameter.Name ?? "", $"a field named like {typeof(T).Name}'s parameter '{parameter.Name}'");
        }).ToArray();
        return (T)constructor.Invoke(arguments);
    }

    private static object? To(Type type, object? value, string path)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (value is null || target.IsInstanceOfType(value) && value is not object?[])
        {
            return value;
        }
        if (value is BigInteger number)
        {
            try
            {
                if (target.IsEnum)
                {
                    return Enum.ToObject(target, (long)number);
                }
                return target switch
                {
                    _ when target == typeof(ulong) => (ulong)number,
                    _ when target == typeof(long) => (long)number,
                    _ when target == typeof(uint) => (uint)number,
                    _ when target == typeof(int) => (int)number,
                    _ when target == typeof(ushort) => (ushort)number,
                    _ when target == typeof(short) => (short)number,
                    _ when target == typeof(byte) => (byte)number,
                    _ when target == typeof(UInt128) => (UInt128)number,
                    _ => throw new AbiException(path, number.ToString(System.Globalization.CultureInfo.InvariantCulture), $"a value convertible to {target.Name}"),
                };
            }
            catch (OverflowException exception)
            {
                throw new AbiException(path, number.ToString(System.Globalization.CultureInfo.InvariantCulture), $"a value that fits {target.Name}", innerException: exception);
            }
        }
        if (value is object?[] items)
        {
            if (target.IsArray)
            {
                var element = target.GetElementType()!;
                var array = Array.CreateInstance(element, items.Length);
                for (var i = 0; i < items.Length; i++)
                {
                    array.SetValue(To(element, items[i], $"{path}[{i}]"), i);
                }
                return array;
            }
            if (target.IsGenericType && target.GetGenericTypeDefinition() is var definition && (definition == typeof(IReadOnlyList<>) || definition == typeof(IList<>) || definition == typeof(List<>)))
            {
                var element = target.GetGenericArguments()[0];
                var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
                for (var i = 0; i < items.Length; i++)
                {
                    list.Add(To(element, items[i], $"{path}[{i}]"));
                }
                return list;
            }
            var constructor = Constructor(target);
            var parameters = constructor.GetParameters();
            if (parameters.Length != items.Length)
            {
                throw new AbiException(path, $"a tuple of {items.Length}", $"{target.Name} whose constructor takes {parameters.Length}");
            }
            return constructor.Invoke([.. parameters.Select((parameter, i) => To(parameter.ParameterType, items[i], $"{path}.{parameter.Name}"))]);
        }
        throw new AbiException(path, $"{value} ({value.GetType().Name})", $"a value convertible to {target.Name}");
    }

    private static ConstructorInfo Constructor(Type type) =>
        type.GetConstructors().OrderByDescending(constructor => constructor.GetParameters().Length).FirstOrDefault()
        ?? throw new AbiException(type.Name, "no public constructor", "a record with a positional constructor");
}
