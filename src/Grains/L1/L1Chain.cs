using Hosting.L1.Rpc;
using Hosting.L1.Contracts;

namespace Hosting.Grains.L1;

/// <summary>
/// This silo's view of L1: the client and the deployment followed. Both are null when the host has no
/// RPC URL or no deployment file, and then everything L1 stays idle (the silo still runs).
/// </summary>
public sealed class L1Chain(EthereumClient? client, L1Deployment? deployment, L1FollowerOptions options)
{
    public EthereumClient? Client { get; } = client;
    public L1Deployment? Deployment { get; } = deployment;
    public L1FollowerOptions Options { get; } = options;

    public bool IsConfigured => Client is not null && Deployment is not null;

    public EthereumClient RequireClient() => Client ?? throw new InvalidOperationException("No L1 is configured (Hosting:L1:RpcUrls / Hosting:L1:DeploymentFile).");

    public L1Deployment RequireDeployment() => Deployment ?? throw new InvalidOperationException("No L1 deployment is configured (Hosting:L1:DeploymentFile).");
}

/// <summary>How the follower polls and how deep a reorg it can undo.</summary>
public sealed record L1FollowerOptions
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Blocks kept with their events so a reorg up to this depth is undone event by event.</summary>
    public int ReorgDepth { get; init; } = 64;

    /// <summary>Blocks processed before the follower persists its checkpoint and delivers; at most <see cref="ReorgDepth"/> are used.</summary>
    public int MaxBlocksPerStep { get; init; } = 128;

    /// <summary>How long a publisher's transaction may stay unmined before its fees are bumped.</summary>
    public TimeSpan FeeBumpAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Blocks a mined transaction must be buried under before its publisher forgets it (a reorg above re-sends it).</summary>
    public int ConfirmationDepth { get; init; } = 12;

    /// <summary>How often publishers reconcile pending transactions and their balance.</summary>
    public TimeSpan PublisherCheckInterval { get; init; } = TimeSpan.FromSeconds(5);
}
