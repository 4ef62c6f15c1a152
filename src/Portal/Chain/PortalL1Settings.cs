using System.Globalization;
using System.Text.Json;
using Hosting.L1.Contracts;
using Hosting.L1.Rpc;
using Microsoft.Extensions.Configuration;

namespace Hosting.Portal.Chain;

/// <summary>
/// The L1 the standalone portal reads, from the same <c>Hosting:L1</c> settings the silo follows: the node's
/// RPC URLs, infra/l1's deployment file (registry, token, chain id) and, optionally, the chain id it must be.
/// </summary>
public static class PortalL1Settings
{
    public const string RpcUrls = "Hosting:L1:RpcUrls";
    public const string DeploymentFile = "Hosting:L1:DeploymentFile";
    public const string ChainId = "Hosting:L1:ChainId";

    /// <summary>
    /// The portal's L1, or <c>PortalL1(null)</c> when neither URLs nor a deployment file is set (the delegator pages then
    /// answer 503). A setting that is set but wrong throws <see cref="PortalSettingsException"/> naming each one.
    /// </summary>
    public static PortalL1 Load(IConfiguration configuration)
    {
        var urls = configuration.GetSection(RpcUrls).GetChildren()
            .Select(c => (Key: $"{RpcUrls}:{c.Key}", c.Value))
            .Concat(configuration[RpcUrls] is { Length: > 0 } single ? [(RpcUrls, single)] : [])
            .ToList();
        var file = configuration[DeploymentFile];
        var wantedChain = configuration[ChainId];
        if (urls.Count == 0 && string.IsNullOrWhiteSpace(file) && string.IsNullOrWhiteSpace(wantedChain))
        {
            return new PortalL1(null);
        }
        var problems = new List<string>();
        var http = new List<Uri>();
        var ws = new List<Uri>();
        foreach (var (key, value) in urls)
        {
            if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                http.Add(uri);
            }
            else if (uri is { Scheme: "ws" or "wss" })
            {
                ws.Add(uri);
            }
            else
            {
                problems.Add($"{key} must be an http(s) or ws(s) URL of an L1 node, got '{value}'.");
            }
        }
        if (http.Count == 0 && problems.Count == 0)
        {
            problems.Add($"{RpcUrls} needs at least one http(s) URL of an L1 node (e.g. {RpcUrls}:0=http://127.0.0.1:8545): the delegator pages call the node with it.");
        }
        var deployment = ReadDeployment(file, problems);
        ulong? chain = null;
        if (!string.IsNullOrWhiteSpace(wantedChain))
        {
            if (!ulong.TryParse(wantedChain, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                problems.Add($"{ChainId} must be a decimal chain id, got '{wantedChain}'.");
            }
            else if (deployment is not null && deployment.ChainId != parsed)
            {
                problems.Add($"{ChainId} is {parsed}, but the deployment file '{file}' was deployed on chain {deployment.ChainId}.");
            }
            chain = parsed;
        }
        if (problems.Count > 0)
        {
            throw new PortalSettingsException(problems);
        }
        var client = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = http, WebSocketEndpoints = ws }));
        return new PortalL1(new PortalChain(client, chain ?? deployment!.ChainId, deployment!.Registry, deployment.Token));
    }

    private static L1Deployment? ReadDeployment(string? file, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            problems.Add($"{DeploymentFile} is required with the other L1 settings: the path of the deployment file infra/l1's Deploy script wrote (registry, token, chain id).");
            return null;
        }
        if (!File.Exists(file))
        {
            problems.Add($"{DeploymentFile} '{file}' does not exist.");
            return null;
        }
        try
        {
            var deployment = L1Deployment.Read(file);
            if (deployment is null)
            {
                problems.Add($"{DeploymentFile} '{file}' names no contracts (no \"contracts\" object): deploy infra/l1 first.");
            }
            return deployment;
        }
        catch (Exception exception) when (exception is JsonException or InvalidDataException)
        {
            problems.Add($"{DeploymentFile} '{file}' is not a deployment file: {exception.Message}");
            return null;
        }
    }
}

/// <summary>Settings the portal cannot start with, each problem naming its setting.</summary>
public sealed class PortalSettingsException(IReadOnlyList<string> problems)
    : Exception("The portal's settings are wrong:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
