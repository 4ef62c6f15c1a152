// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Script} from "forge-std/Script.sol";
import {StakingToken} from "../src/StakingToken.sol";
import {SequencerRegistry} from "../src/SequencerRegistry.sol";
import {FernetRollup} from "../src/FernetRollup.sol";
import {SignatureLib} from "../src/libraries/SignatureLib.sol";
import {IVerifier} from "../src/verifiers/IVerifier.sol";
import {DevnetVerifier} from "../src/verifiers/DevnetVerifier.sol";
import {Profile, Profiles} from "./Profiles.sol";

/// @title Deploy
/// @notice Deploys the staking token, the verifier, the sequencer registry and the rollup for the profile
/// named by `PROFILE` (devnet | mainnet-like, default devnet), funds the reward pool (and, on devnet,
/// anvil's first ten accounts) and writes the deployment file the platform reads to `DEPLOYMENT_FILE`
/// (default ./deployments/<profile>.json). `VERIFIER` (an address) plugs in an existing verifier;
/// `GENESIS_ARCHIVE` (bytes32) sets the L2 genesis archive (default zero). See README.md.
contract Deploy is Script {
    error Deploy__UnknownProfile(string profile);

    /// @notice Anvil's default accounts 0-9 (the public test mnemonic), funded on devnet.
    address[10] internal ANVIL_ACCOUNTS = [
        0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,
        0x70997970C51812dc3A010C7d01b50e0d17dc79C8,
        0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC,
        0x90F79bf6EB2c4f870365E785982E1f101E93b906,
        0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65,
        0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc,
        0x976EA74026E726554dB657fA54763abd0C3a0aa9,
        0x14dC79964da2C08b23698B3D3cc7Ca32193d9955,
        0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f,
        0xa0Ee7A142d267C1f36714E4a8F75612F20a79720
    ];

    struct Deployed {
        address deployer;
        uint256 deployBlock;
        StakingToken token;
        SequencerRegistry registry;
        FernetRollup rollup;
        IVerifier verifier;
        string verifierKind;
    }

    /// @notice Deploys the profile named by `PROFILE` and writes the deployment file to `DEPLOYMENT_FILE`.
    function run() external returns (Deployed memory) {
        string memory name = vm.envOr("PROFILE", string("devnet"));
        return deploy(name, vm.envOr("DEPLOYMENT_FILE", string.concat("./deployments/", name, ".json")));
    }

    /// @notice Deploys profile `name` from the sender and writes the deployment file to `file`.
    function deploy(string memory name, string memory file) public returns (Deployed memory deployed) {
        Profile memory profile = profileNamed(name);
        profile.rollup.genesisBlock = block.number + profile.genesisDelayBlocks;
        profile.rollup.genesisArchive = vm.envOr("GENESIS_ARCHIVE", bytes32(0));
        address existingVerifier = vm.envOr("VERIFIER", address(0));

        deployed.deployer = msg.sender;
        deployed.deployBlock = block.number;
        vm.startBroadcast(msg.sender);
        deployed.token = new StakingToken(
            "Fernet Staking Token", "FST", profile.mintable, msg.sender, profile.initialSupply
        );
        if (existingVerifier == address(0)) {
            deployed.verifier = new DevnetVerifier();
            deployed.verifierKind = "DevnetVerifier";
        } else {
            deployed.verifier = IVerifier(existingVerifier);
            deployed.verifierKind = "external";
        }
        deployed.registry = new SequencerRegistry(deployed.token, profile.registry);
        deployed.rollup = new FernetRollup(deployed.token, deployed.registry, deployed.verifier, profile.rollup);
        deployed.registry.bindRollup(address(deployed.rollup));
        if (profile.mintable) {
            for (uint256 i = 0; i < ANVIL_ACCOUNTS.length; i++) {
                deployed.token.mint(ANVIL_ACCOUNTS[i], profile.devnetAccountFunding);
            }
            deployed.token.mint(msg.sender, profile.rewardFunding);
        }
        deployed.token.approve(address(deployed.rollup), profile.rewardFunding);
        deployed.rollup.fundRewards(profile.rewardFunding);
        vm.stopBroadcast();

        vm.writeJson(deploymentJson(profile, deployed), file);
    }

    /// @notice The profile called `name`.
    function profileNamed(string memory name) public pure returns (Profile memory) {
        bytes32 key = keccak256(bytes(name));
        if (key == keccak256("devnet")) return Profiles.devnet();
        if (key == keccak256("mainnet-like")) return Profiles.mainnetLike();
        revert Deploy__UnknownProfile(name);
    }

    /// @notice The deployment file (README.md, "Deployment file"): block counts and basis points as JSON
    /// numbers, token amounts and 32-byte values as strings (decimal wei, 0x-hex).
    function deploymentJson(Profile memory p, Deployed memory d) public returns (string memory) {
        string memory contracts = "contracts";
        vm.serializeAddress(contracts, "token", address(d.token));
        vm.serializeAddress(contracts, "registry", address(d.registry));
        vm.serializeAddress(contracts, "rollup", address(d.rollup));
        vm.serializeString(contracts, "verifierKind", d.verifierKind);
        contracts = vm.serializeAddress(contracts, "verifier", address(d.verifier));

        string memory parameters = "parameters";
        vm.serializeUint(parameters, "l1BlockSeconds", p.l1BlockSeconds);
        vm.serializeUint(parameters, "slotBlocks", d.rollup.slotBlocks());
        vm.serializeUint(parameters, "proposalBlocks", p.rollup.proposalBlocks);
        vm.serializeUint(parameters, "commitmentBlocks", p.rollup.commitmentBlocks);
        vm.serializeUint(parameters, "revealBlocks", p.rollup.revealBlocks);
        vm.serializeUint(parameters, "provingBlocks", p.rollup.provingBlocks);
        vm.serializeUint(parameters, "backupBlocks", p.rollup.backupBlocks);
        vm.serializeUint(parameters, "lag", p.rollup.lag);
        vm.serializeString(parameters, "genesisSeed", vm.toString(bytes32(p.rollup.genesisSeed)));
        vm.serializeString(parameters, "genesisArchive", vm.toString(p.rollup.genesisArchive));
        vm.serializeString(parameters, "minStake", vm.toString(p.registry.minStake));
        vm.serializeUint(parameters, "entryPeriodBlocks", p.registry.entryPeriod);
        vm.serializeUint(parameters, "exitDelayBlocks", p.registry.exitDelay);
        vm.serializeUint(parameters, "maxCommissionBps", p.registry.maxCommissionBps);
        vm.serializeString(parameters, "minBond", vm.toString(p.rollup.minBond));
        vm.serializeString(parameters, "blockReward", vm.toString(p.rollup.blockReward));
        vm.serializeUint(parameters, "sequencerBps", p.rollup.sequencerBps);
        vm.serializeUint(parameters, "proverBps", p.rollup.proverBps);
        vm.serializeUint(parameters, "submitterBps", p.rollup.submitterBps);
        vm.serializeUint(parameters, "slasherBps", p.rollup.slasherBps);
        vm.serializeUint(parameters, "upgradeRound", p.rollup.upgradeRound);
        vm.serializeUint(parameters, "upgradeQuorum", p.rollup.upgradeQuorum);
        parameters = vm.serializeUint(parameters, "finalityDepth", p.finalityDepth);

        string memory eip712 = "eip712";
        vm.serializeString(eip712, "name", d.rollup.EIP712_NAME());
        vm.serializeString(eip712, "version", d.rollup.EIP712_VERSION());
        vm.serializeUint(eip712, "chainId", block.chainid);
        vm.serializeAddress(eip712, "verifyingContract", address(d.rollup));
        vm.serializeString(eip712, "domainSeparator", vm.toString(d.rollup.domainSeparator()));
        vm.serializeString(eip712, "proposalType", SignatureLib.PROPOSAL_TYPE);
        eip712 = vm.serializeString(eip712, "proverCommitmentType", SignatureLib.PROVER_COMMITMENT_TYPE);

        string memory funding = "funding";
        vm.serializeString(funding, "rewardPool", vm.toString(p.rewardFunding));
        vm.serializeString(funding, "perAccount", vm.toString(p.devnetAccountFunding));
        address[] memory funded = new address[](p.mintable ? ANVIL_ACCOUNTS.length : 0);
        for (uint256 i = 0; i < funded.length; i++) {
            funded[i] = ANVIL_ACCOUNTS[i];
        }
        funding = vm.serializeAddress(funding, "accounts", funded);

        string memory root = "deployment";
        vm.serializeString(root, "profile", p.name);
        vm.serializeUint(root, "chainId", block.chainid);
        vm.serializeAddress(root, "deployer", d.deployer);
        vm.serializeUint(root, "deployBlock", d.deployBlock);
        vm.serializeUint(root, "genesisBlock", p.rollup.genesisBlock);
        vm.serializeString(root, "contracts", contracts);
        vm.serializeString(root, "parameters", parameters);
        vm.serializeString(root, "eip712", eip712);
        return vm.serializeString(root, "funding", funding);
    }
}
