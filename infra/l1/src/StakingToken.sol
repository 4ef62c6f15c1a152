// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title StakingToken
/// @notice The ERC-20 that sequencers stake, delegators delegate, provers bond and blocks are rewarded
/// in. Burnable, because slashed bonds are burnt. Mintable by its owner only when constructed so
/// (devnet); a mainnet-like deployment mints its whole supply at construction.
contract StakingToken is ERC20, ERC20Burnable, Ownable {
    /// @notice Minting was asked of a token constructed without it.
    error StakingToken__MintingDisabled();

    /// @notice Whether the owner may mint (true on devnet only).
    bool public immutable mintable;

    /// @param name_ ERC-20 name.
    /// @param symbol_ ERC-20 symbol.
    /// @param mintable_ Whether the owner may mint later (devnet).
    /// @param owner_ The owner, who receives `initialSupply`.
    /// @param initialSupply Tokens minted to `owner_` at construction.
    constructor(string memory name_, string memory symbol_, bool mintable_, address owner_, uint256 initialSupply)
        ERC20(name_, symbol_)
        Ownable(owner_)
    {
        mintable = mintable_;
        _mint(owner_, initialSupply);
    }

    /// @notice Mints `amount` to `to`. Owner only, and only on a mintable (devnet) token.
    /// @param to Receiver of the new tokens.
    /// @param amount Amount in wei.
    function mint(address to, uint256 amount) external onlyOwner {
        if (!mintable) revert StakingToken__MintingDisabled();
        _mint(to, amount);
    }
}
