using Hosting.L1.Abi;
using Hosting.L1.Contracts;

namespace Hosting.Grains.L1;

/// <summary>
/// The parts of FernetRollup's ABI the slot pipeline uses, taken from the ABI src/L1 embeds from forge's build
/// output (drift-checked there), so there is one source of truth for every signature.
/// </summary>
public static class RollupAbi
{
    public static readonly ContractAbi Contract = EmbeddedAbi.Load("FernetRollup");

    public static readonly AbiFunction Propose = Contract.Function("propose");
    public static readonly AbiFunction Reveal = Contract.Function("reveal");
    public static readonly AbiFunction SlashBond = Contract.Function("slashBond");
    public static readonly AbiFunction SeedOf = Contract.Function("seedOf");
    public static readonly AbiFunction Tip = Contract.Function("tip");
}
