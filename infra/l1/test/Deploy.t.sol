// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Deploy} from "../script/Deploy.s.sol";
import {FernetRollup} from "../src/FernetRollup.sol";
import {SequencerRegistry} from "../src/SequencerRegistry.sol";
import {StakingToken} from "../src/StakingToken.sol";

/// @dev The deploy script wires the contracts and writes the deployment file the platform reads.
contract DeployTest is Test {
    function _deploy(string memory profile) internal returns (string memory json) {
        string memory file = string.concat("./deployments/test-", profile, ".json");
        new Deploy().deploy(profile, file);
        json = vm.readFile(file);
        vm.removeFile(file);
    }

    function test_deploy_devnetWritesTheDeploymentFileAndFundsAnvilAccounts() public {
        vm.roll(50);
        string memory json = _deploy("devnet");
        assertEq(vm.parseJsonString(json, ".profile"), "devnet");
        FernetRollup rollup = FernetRollup(vm.parseJsonAddress(json, ".contracts.rollup"));
        SequencerRegistry registry = SequencerRegistry(vm.parseJsonAddress(json, ".contracts.registry"));
        StakingToken token = StakingToken(vm.parseJsonAddress(json, ".contracts.token"));
        assertEq(vm.parseJsonUint(json, ".genesisBlock"), rollup.genesisBlock());
        assertEq(vm.parseJsonUint(json, ".genesisBlock"), 60);
        assertEq(vm.parseJsonUint(json, ".parameters.slotBlocks"), 22);
        assertEq(vm.parseJsonUint(json, ".parameters.lag"), 2);
        assertEq(vm.parseJsonString(json, ".parameters.minStake"), "100000000000000000000");
        assertEq(registry.rollup(), address(rollup));
        assertEq(address(rollup.registry()), address(registry));
        assertEq(address(rollup.verifier()), vm.parseJsonAddress(json, ".contracts.verifier"));
        assertEq(vm.parseJsonBytes32(json, ".eip712.domainSeparator"), rollup.domainSeparator());
        assertEq(
            vm.parseJsonString(json, ".eip712.proposalType"),
            "Proposal(uint256 slot,bytes32 archive,bytes32 blockHash,bytes32 txsEffectsHash,bytes32 upgradeSignal)"
        );
        assertEq(rollup.rewardPool(), 1_000_000 ether);
        address[] memory funded = vm.parseJsonAddressArray(json, ".funding.accounts");
        assertEq(funded.length, 10);
        assertEq(token.balanceOf(funded[9]), 1_000_000 ether);
        assertTrue(token.mintable());
    }

    function test_deploy_mainnetLikeHasAFixedSupplyAndLongerSlots() public {
        string memory json = _deploy("mainnet-like");
        assertEq(vm.parseJsonString(json, ".profile"), "mainnet-like");
        assertEq(vm.parseJsonUint(json, ".parameters.slotBlocks"), 45);
        assertEq(vm.parseJsonUint(json, ".parameters.finalityDepth"), 64);
        StakingToken token = StakingToken(vm.parseJsonAddress(json, ".contracts.token"));
        assertFalse(token.mintable());
        assertEq(vm.parseJsonAddressArray(json, ".funding.accounts").length, 0);
    }

    function test_deploy_revertsOnAnUnknownProfile() public {
        Deploy deploy = new Deploy();
        vm.expectRevert(abi.encodeWithSelector(Deploy.Deploy__UnknownProfile.selector, "testnet"));
        deploy.profileNamed("testnet");
    }
}
