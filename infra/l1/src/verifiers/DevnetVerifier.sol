// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVerifier, PublicInputs} from "./IVerifier.sol";

/// @title DevnetVerifier
/// @notice NOT A PROOF SYSTEM. For devnets only: it accepts `keccak256(abi.encode(publicInputs))` as
/// the proof, so the platform can exercise the proving flow without a prover. Never deploy it where
/// value is at stake.
contract DevnetVerifier is IVerifier {
    /// @inheritdoc IVerifier
    function verify(PublicInputs calldata publicInputs, bytes calldata proof) external pure returns (bool) {
        if (proof.length != 32) return false;
        // casting to 'bytes32' is safe because the length was checked to be exactly 32 just above
        // forge-lint: disable-next-line(unsafe-typecast)
        return bytes32(proof) == keccak256(abi.encode(publicInputs));
    }

    /// @notice The proof this verifier accepts for `publicInputs`, for provers and tests.
    /// @param publicInputs The inputs the proof is for.
    /// @return proof The 32-byte devnet proof.
    function devnetProof(PublicInputs calldata publicInputs) external pure returns (bytes memory proof) {
        return abi.encodePacked(keccak256(abi.encode(publicInputs)));
    }
}
