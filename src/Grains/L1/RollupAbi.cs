using Hosting.L1.Abi;

namespace Hosting.Grains.L1;

/// <summary>The part of FernetRollup's ABI the slot pipeline uses (infra/l1/src/interfaces/IFernetRollup.sol).</summary>
public static class RollupAbi
{
    public static readonly AbiFunction Propose = AbiFunction.Parse("propose(uint256,(bytes32,bytes32,bytes32,bytes32),address,bytes)");
    public static readonly AbiFunction Reveal = AbiFunction.Parse("reveal(uint256,bytes)");
    public static readonly AbiFunction SlashBond = AbiFunction.Parse("slashBond(uint256)");
    public static readonly AbiFunction SeedOf = AbiFunction.Parse("seedOf(uint256)", "(uint256)");
    public static readonly AbiFunction Tip = AbiFunction.Parse("tip()", "((bytes32,uint256,uint256))");

    public static readonly AbiEvent BlockProposed = AbiEvent.Parse("BlockProposed(uint256,address,bytes32,bytes32,bytes32,bytes32,uint256)", "0", "1", "2");
    public static readonly AbiEvent ProverCommitted = AbiEvent.Parse("ProverCommitted(uint256,address,address,bytes32,uint256)", "0", "1", "2");
    public static readonly AbiEvent BlockRevealed = AbiEvent.Parse("BlockRevealed(uint256,bytes32,bytes)", "0", "1");
    public static readonly AbiEvent BlockFinalized = AbiEvent.Parse("BlockFinalized(uint256,uint256,bytes32)", "0", "1");
    public static readonly AbiEvent BackupBlockFinalized = AbiEvent.Parse("BackupBlockFinalized(uint256,uint256,bytes32,address)", "0", "1", "3");
    public static readonly AbiEvent BondSlashed = AbiEvent.Parse("BondSlashed(uint256,address,address,uint256,uint256,uint256)", "0", "1", "2");

    public static readonly ContractAbi Contract = new("FernetRollup",
        [Propose, Reveal, SlashBond, SeedOf, Tip],
        [BlockProposed, ProverCommitted, BlockRevealed, BlockFinalized, BackupBlockFinalized, BondSlashed],
        []);
}
