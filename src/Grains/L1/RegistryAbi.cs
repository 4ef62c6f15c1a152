using Hosting.L1.Abi;
using Hosting.L1.Contracts;

namespace Hosting.Grains.L1;

/// <summary>
/// The parts of SequencerRegistry's and StakingToken's ABI the platform uses, taken from the ABIs src/L1 embeds
/// from forge's build output (drift-checked there), so there is one source of truth for every signature.
/// </summary>
public static class RegistryAbi
{
    private static readonly ContractAbi Registry = EmbeddedAbi.Load("SequencerRegistry");
    private static readonly ContractAbi Token = EmbeddedAbi.Load("StakingToken");

    public static readonly AbiFunction Register = Registry.Function("register");
    public static readonly AbiFunction InitiateExit = Registry.Function("initiateExit");
    public static readonly AbiFunction FinalizeExit = Registry.Function("finalizeExit");
    public static readonly AbiFunction StatusOf = Registry.Function("statusOf");
    public static readonly AbiFunction Approve = Token.Function("approve");
    public static readonly AbiFunction Allowance = Token.Function("allowance");

    /// <summary>The registry's functions, events and errors plus the token's errors, for decoding reverts of both.</summary>
    public static readonly ContractAbi Contract = new("SequencerRegistry",
        [.. Registry.Functions, Approve, Allowance], Registry.Events, [.. Registry.Errors, .. Token.Errors]);
}
