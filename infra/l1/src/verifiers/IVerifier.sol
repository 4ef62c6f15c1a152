// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice What a block proof attests: this slot's block moves the chain from `previousArchive` to
/// `archive`, and the proof was made for `prover` (so a proof cannot be lifted by someone else).
struct PublicInputs {
    uint256 slot;
    bytes32 previousArchive;
    bytes32 archive;
    bytes32 blockHash;
    bytes32 txsEffectsHash;
    address prover;
}

/// @title IVerifier
/// @notice The rollup's proof check; a production deployment plugs in the real rollup circuit verifier.
interface IVerifier {
    /// @notice Whether `proof` proves `publicInputs`.
    /// @param publicInputs The slot, chain tip before and after, block hash, effects hash and prover.
    /// @param proof The proof bytes, in the verifier's own format.
    /// @return valid True when the proof verifies.
    function verify(PublicInputs calldata publicInputs, bytes calldata proof) external view returns (bool valid);
}
