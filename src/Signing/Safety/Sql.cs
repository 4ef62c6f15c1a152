using Hosting.Contracts.Domain;
using Npgsql;
using NpgsqlTypes;

namespace Hosting.Signing.Safety;

/// <summary>Typed positional parameters: no boxing on the signing path, and bytea where the schema says bytea.</summary>
internal static class Sql
{
    public static NpgsqlParameter<byte[]> Bytes(byte[] value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Bytea };

    public static NpgsqlParameter<byte[]> Bytes(Address value) => Bytes(value.ToArray());

    public static NpgsqlParameter<byte[]> Bytes(Hash32 value) => Bytes(value.ToArray());

    public static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Text(string? value, bool nullable) =>
        nullable && value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text } : Text(value!);

    public static NpgsqlParameter<long> Slot(ulong slot) => new() { TypedValue = checked((long)slot), NpgsqlDbType = NpgsqlDbType.Bigint };

    public static NpgsqlParameter NullableSlot(ulong? slot) =>
        slot is { } value ? Slot(value) : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint };

    public static NpgsqlParameter NullableBytes(byte[]? value) =>
        value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea } : Bytes(value);

    public static NpgsqlParameter<byte[]?[]> BytesArray(IEnumerable<byte[]?> values) =>
        new() { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea };

    public static NpgsqlParameter<long?[]> SlotArray(IEnumerable<ulong?> values) =>
        new() { TypedValue = values.Select(v => v is { } slot ? checked((long)slot) : (long?)null).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    public static NpgsqlParameter<byte[]?[]> BytesArray(byte[]?[] values) =>
        new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea };

    public static NpgsqlParameter<long?[]> SlotArray(long?[] values) =>
        new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    public static NpgsqlParameter<int?[]> IntArray(int?[] values) =>
        new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer };

    public static NpgsqlParameter<string?[]> TextArray(string?[] values) =>
        new() { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    public static NpgsqlParameter<long?[]> SlotArray(IEnumerable<ulong> values) => SlotArray(values.Select(v => (ulong?)v));

    public static NpgsqlParameter<long[]> LongArray(IEnumerable<long> values) =>
        new() { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    public static NpgsqlParameter<string?[]> TextArray(IEnumerable<string?> values) =>
        new() { TypedValue = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    public static NpgsqlBatchCommand Command(string text, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(text);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string text, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(text, connection, transaction);
        command.Parameters.AddRange(parameters);
        return command;
    }

    public static Address ReadAddress(NpgsqlDataReader reader, int ordinal) => new(reader.GetFieldValue<byte[]>(ordinal));

    public static Hash32 ReadHash(NpgsqlDataReader reader, int ordinal) => new(reader.GetFieldValue<byte[]>(ordinal));

    public static ulong? ReadNullableSlot(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : (ulong)reader.GetInt64(ordinal);
}
