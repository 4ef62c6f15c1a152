using Hosting.L1.Abi;

namespace Hosting.Grains.L1;

/// <summary>The part of SequencerRegistry's and StakingToken's ABI the platform uses (infra/l1/src/interfaces).</summary>
public static class RegistryAbi
{
    public static readonly AbiFunction Register = AbiFunction.Parse("register(address,address,uint256)");
    public static readonly AbiFunction InitiateExit = AbiFunction.Parse("initiateExit(address)");
    public static readonly AbiFunction FinalizeExit = AbiFunction.Parse("finalizeExit(address)");
    public static readonly AbiFunction StatusOf = AbiFunction.Parse("statusOf(address)", "(uint8)");
    public static readonly AbiFunction Approve = AbiFunction.Parse("approve(address,uint256)");
    public static readonly AbiFunction Allowance = AbiFunction.Parse("allowance(address,address)", "(uint256)");

    public static readonly AbiEvent SequencerRegistered = AbiEvent.Parse("SequencerRegistered(address,address,uint256,uint256)", "0", "1");
    public static readonly AbiEvent SequencerActivated = AbiEvent.Parse("SequencerActivated(address,uint256)", "0");
    public static readonly AbiEvent ExitInitiated = AbiEvent.Parse("ExitInitiated(address,address,uint256)", "0", "1");
    public static readonly AbiEvent ExitFinalized = AbiEvent.Parse("ExitFinalized(address,address,uint256)", "0", "1");
    public static readonly AbiEvent Delegated = AbiEvent.Parse("Delegated(address,address,uint256)", "0", "1");
    public static readonly AbiEvent Undelegated = AbiEvent.Parse("Undelegated(address,address,uint256,uint256)", "0", "1");
    public static readonly AbiEvent UndelegatedWithdrawn = AbiEvent.Parse("UndelegatedWithdrawn(address,uint256)", "0");
    public static readonly AbiEvent RewardCredited = AbiEvent.Parse("RewardCredited(address,uint256,uint256)", "0");

    /// <summary>The registry's custom errors plus the token's (OpenZeppelin ERC-20), for decoding reverts.</summary>
    public static readonly ContractAbi Contract = new("SequencerRegistry",
        [Register, InitiateExit, FinalizeExit, StatusOf, Approve, Allowance],
        [SequencerRegistered, SequencerActivated, ExitInitiated, ExitFinalized, Delegated, Undelegated, UndelegatedWithdrawn, RewardCredited],
        [.. new[]
        {
            "Registry__InvalidConfig(string,uint256)", "Registry__ZeroAddress()", "Registry__ZeroAmount()",
            "Registry__StakeBelowMinimum(uint256,uint256)", "Registry__AlreadyRegistered(address,uint8)",
            "Registry__NotWithdrawer(address,address)", "Registry__CannotExit(address,uint8)",
            "Registry__NotExiting(address,uint8)", "Registry__ExitDelayNotPassed(address,uint256,uint256)",
            "Registry__NotActive(address,uint8)", "Registry__NotDelegatable(address,uint8)",
            "ERC20InsufficientAllowance(address,uint256,uint256)", "ERC20InsufficientBalance(address,uint256,uint256)",
        }.Select(AbiError.Parse)]);
}
