using System.Globalization;
using System.Numerics;

namespace Hosting.L1.Abi;

/// <summary>
/// Why a call reverted, decoded from its revert data: Solidity's Error(string) from require/revert with a
/// message, Panic(uint256) from a failed assert or arithmetic check, a custom error from the contract's
/// ABI, or bytes nobody here can name. Decoding never throws: the revert is already the error.
/// </summary>
public abstract record RevertReason
{
    /// <summary>Error(string), what require and revert with a message produce.</summary>
    public static readonly AbiError ErrorString = new("Error", [new AbiParameter("message", AbiType.String)]);
    /// <summary>Panic(uint256), what failed compiler checks produce.</summary>
    public static readonly AbiError PanicCode = new("Panic", [new AbiParameter("code", AbiType.UInt256)]);

    private RevertReason()
    {
    }

    /// <summary>require(cond, "message") or revert("message").</summary>
    public sealed record Message(string Text) : RevertReason
    {
        /// <inheritdoc />
        public override string ToString() => $"Error(\"{Text}\")";
    }

    /// <summary>A compiler-inserted check failed (overflow, division by zero, array index, assert).</summary>
    public sealed record Panic(BigInteger Code) : RevertReason
    {
        /// <summary>What the panic code means, per the Solidity documentation.</summary>
        public string Meaning => (int)BigInteger.Min(Code, 0xFFFF) switch
        {
            0x00 => "generic compiler panic",
            0x01 => "assert failed",
            0x11 => "arithmetic overflow or underflow",
            0x12 => "division or modulo by zero",
            0x21 => "value out of range for an enum",
            0x22 => "corrupt storage byte array",
            0x31 => "pop() on an empty array",
            0x32 => "array index out of bounds",
            0x41 => "too much memory allocated",
            0x51 => "call to a zero-initialised function",
            _ => "unknown panic code",
        };

        /// <inheritdoc />
        public override string ToString() => $"Panic(0x{Code.ToString("x2", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(2, '0')}: {Meaning})";
    }

    /// <summary>A custom error the contract declares, with its values in declaration order.</summary>
    public sealed record CustomError(AbiError Error, IReadOnlyList<object?> Values) : RevertReason
    {
        /// <summary>The custom error's name.</summary>
        public string Name => Error.Name;

        /// <inheritdoc />
        public override string ToString() => $"{Error.Name}({AbiText.Format(Error.Inputs, Values)})";
    }

    /// <summary>Revert data that matches no known error (or is malformed), kept as bytes.</summary>
    public sealed record Unrecognised(byte[] Data) : RevertReason
    {
        /// <inheritdoc />
        public override string ToString() => Data.Length == 0 ? "reverted without data" : $"unrecognised revert data {Hex.Encode(Data)}";
    }

    /// <summary>Names revert data, trying Error(string), Panic(uint256) and then <paramref name="errors"/>.</summary>
    public static RevertReason Decode(ReadOnlySpan<byte> data, IEnumerable<AbiError>? errors = null)
    {
        if (data.Length < 4)
        {
            return new Unrecognised(data.ToArray());
        }
        var selector = Selector.Read(data);
        try
        {
            if (selector == ErrorString.Selector)
            {
                return new Message((string)ErrorString.Decode(data)[0]!);
            }
            if (selector == PanicCode.Selector)
            {
                return new Panic((BigInteger)PanicCode.Decode(data)[0]!);
            }
            foreach (var error in errors ?? [])
            {
                if (error.Selector == selector)
                {
                    return new CustomError(error, error.Decode(data));
                }
            }
        }
        catch (AbiException)
        {
            // The selector matched but the body is malformed: show the bytes rather than a half-decoded guess.
        }
        return new Unrecognised(data.ToArray());
    }
}
