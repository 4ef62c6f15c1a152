using Hosting.Grains.Election;
using Hosting.Grains.L1;
using Hosting.Grains.Publishers;
using Hosting.Grains.Slots;
using Hosting.Signing;
using Hosting.L1.Rpc;
using Hosting.Silo.Configuration;
using Hosting.Silo.Keys;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Hosting.L1.Contracts;

namespace Hosting.Silo.L1;

/// <summary>Puts the L1 follower and the services the sequencer and publisher grains use into a silo.</summary>
public static class L1Hosting
{
    /// <summary>
    /// Registers <see cref="L1Chain"/> from <paramref name="options"/> (idle, with a warning, when no RPC URL or
    /// no deployment with contracts is configured), the <see cref="AccountKeys"/> and the per-silo head watch.
    /// </summary>
    public static IServiceCollection AddL1Follower(this IServiceCollection services, L1Options options, L1FollowerOptions? follower = null)
    {
        services.TryAddSingleton<AccountKeys>();
        // Publisher accounts: the keys loaded at start, and with key custody wired (AddSigningGate) also the publisher
        // keys operators add at runtime through the portal, whichever silo holds them.
        services.TryAddSingleton<IPublisherSigners>(provider => provider.GetService<KeyCustody>() is { } custody
            ? new CustodyPublisherSigners(provider.GetRequiredService<AccountKeys>(), custody, provider.GetRequiredService<IGrainFactory>())
            : new LoadedPublisherSigners(provider.GetRequiredService<AccountKeys>()));
        // The slot pipeline: the per-silo score index kept up to the registry's active set, and the duty signer:
        // through the signing-safety gate when the host registered one (AddSigningGate), else the devnet
        // signer, which keeps no safety record.
        services.TryAddSingleton<ScoreIndex>();
        services.TryAddSingleton<ActiveSetSync>();
        services.TryAddSingleton(new ProofBoostOptions());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDutySigner>(provider => provider.GetService<ISigningGate>() is { } gate
            ? new KeyRoutingDutySigner(provider.GetRequiredService<LocalDutySigner>(), provider.GetRequiredService<IGrainFactory>())
            : new DevnetDutySigner(provider.GetRequiredService<AccountKeys>()));
        // Behind the gate a keystore key signs only on silos where it is unlocked (HostedKeys knows which); duties
        // of a key locked here go to its KeySignerGrain on a silo that holds it. Without HostedKeys every key is
        // taken to sign here, as before.
        services.TryAddSingleton(provider => new LocalDutySigner(
            new GatedDutySigner(provider.GetRequiredService<ISigningGate>()),
            provider.GetService<HostedKeys>() is { } hosted ? hosted.CanSignHere : _ => true));
        services.AddSingleton(provider => CreateChain(options, follower ?? FollowerOptions(options), provider.GetRequiredService<ILoggerFactory>().CreateLogger("Hosting.L1")));
        services.AddHostedService<L1HeadWatch>();
        return services;
    }

    public static L1FollowerOptions FollowerOptions(L1Options options) => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(options.PollMilliseconds),
        ReorgDepth = options.ReorgDepth,
    };

    private static L1Chain CreateChain(L1Options options, L1FollowerOptions follower, ILogger logger)
    {
        var urls = options.RpcUrls.Select(url => new Uri(url)).ToList();
        var http = urls.Where(u => u.Scheme is "http" or "https").ToList();
        if (http.Count == 0)
        {
            logger.LogWarning("No Hosting:L1:RpcUrls configured: the L1 follower, sequencers and publishers stay idle.");
            return new L1Chain(null, null, follower);
        }
        var client = new EthereumClient(new JsonRpcClient(new RpcOptions
        {
            Endpoints = http,
            WebSocketEndpoints = [.. urls.Where(u => u.Scheme is "ws" or "wss")],
            HeadPollInterval = follower.PollInterval,
        }));
        if (options.DeploymentFile is not { Length: > 0 } file || !File.Exists(file))
        {
            logger.LogWarning("No L1 deployment file at '{File}' (Hosting:L1:DeploymentFile): the L1 follower stays idle.", options.DeploymentFile);
            return new L1Chain(client, null, follower);
        }
        var deployment = L1Deployment.Read(file);
        if (deployment is null)
        {
            logger.LogWarning("The L1 deployment file {File} names no contracts: the L1 follower stays idle.", file);
        }
        else
        {
            logger.LogInformation("Following registry {Registry} and rollup {Rollup} from block {Block}", deployment.Registry, deployment.Rollup, deployment.DeployBlock);
        }
        return new L1Chain(client, deployment, follower);
    }
}
