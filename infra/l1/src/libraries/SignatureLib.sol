// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Proposal} from "../interfaces/IFernetRollup.sol";

/// @title SignatureLib
/// @notice Decides who signed a proposal or a prover commitment. The EIP-712 domain is the rollup's
/// ("FernetRollup", "1", chain id, rollup address), so a signature binds one slot on one deployment.
library SignatureLib {
    /// @dev The EIP-712 type strings; the platform's signer must reproduce them byte for byte.
    string internal constant PROPOSAL_TYPE =
        "Proposal(uint256 slot,bytes32 archive,bytes32 blockHash,bytes32 txsEffectsHash,bytes32 upgradeSignal)";
    string internal constant PROVER_COMMITMENT_TYPE =
        "ProverCommitment(uint256 slot,bytes32 blockHash,address prover,uint256 bond)";
    bytes32 internal constant PROPOSAL_TYPEHASH = keccak256(bytes(PROPOSAL_TYPE));
    bytes32 internal constant PROVER_COMMITMENT_TYPEHASH = keccak256(bytes(PROVER_COMMITMENT_TYPE));

    function proposalHash(uint256 slot, Proposal calldata proposal) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                PROPOSAL_TYPEHASH,
                slot,
                proposal.archive,
                proposal.blockHash,
                proposal.txsEffectsHash,
                proposal.upgradeSignal
            )
        );
    }

    function commitmentHash(uint256 slot, bytes32 blockHash, address prover, uint256 bond)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(PROVER_COMMITMENT_TYPEHASH, slot, blockHash, prover, bond));
    }

    /// @dev The signer of `digest`, or address(0) for a malformed or malleable signature.
    function signerOf(bytes32 digest, bytes calldata signature) internal pure returns (address recovered) {
        (recovered,,) = ECDSA.tryRecoverCalldata(digest, signature);
    }
}
