namespace Hosting.Silo.Configuration;

public enum HostingMode
{
    /// <summary>One silo on localhost clustering, ephemeral state, next to a local anvil.</summary>
    Devnet,

    /// <summary>ADO.NET clustering, grain storage and reminders on PostgreSQL; several silos.</summary>
    Production,
}

public enum LogFormat
{
    /// <summary>Human-readable lines for a terminal.</summary>
    Text,

    /// <summary>One JSON object per line: timestamp, level, category, message, state, trace and span ids.</summary>
    Json,
}

/// <summary>The one configuration model of the host, bound from the "Hosting" section.</summary>
public sealed class HostingOptions
{
    public const string Section = "Hosting";

    public HostingMode Mode { get; set; } = HostingMode.Devnet;
    public string ClusterId { get; set; } = "hosting";
    public string ServiceId { get; set; } = "hosting";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The IP other silos and clients reach this silo on (the pod IP on Kubernetes); production only.</summary>
    public string? AdvertisedAddress { get; set; }

    public string? SiloName { get; set; }

    /// <summary>Console log format: JSON lines (with trace and span ids) or text. Default: JSON in Production, text in Devnet.</summary>
    public LogFormat? LogFormat { get; set; }

    /// <summary>The log format in effect for this mode.</summary>
    public LogFormat EffectiveLogFormat => LogFormat ?? (Mode == HostingMode.Production ? Configuration.LogFormat.Json : Configuration.LogFormat.Text);
    public PostgresOptions Postgres { get; set; } = new();

    /// <summary>How grain state is committed to PostgreSQL (production only).</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>Orleans cluster membership in PostgreSQL: how often each silo writes its heartbeat (production only).</summary>
    public MembershipOptions Membership { get; set; } = new();
    public L1Options L1 { get; set; } = new();

    /// <summary>Devnet-only settings: the demo tenant the `hosting devnet` command seeds.</summary>
    public Hosting.Silo.Devnet.DevnetOptions Devnet { get; set; } = new();

    /// <summary>How often each silo refreshes the cluster-wide fleet gauges (tenants, sequencers, publishers, bonds at risk).</summary>
    public int FleetGaugeRefreshMilliseconds { get; set; } = 10_000;

    /// <summary>How the silo loads the tenants' keys from key custody at start.</summary>
    public KeysOptions Keys { get; set; } = new();

    /// <summary>The co-hosted portal's settings (admin token).</summary>
    public Hosting.Portal.Access.PortalOptions Portal { get; set; } = new();

    /// <summary>The transaction ingress's rate limit per client.</summary>
    public Hosting.Silo.Transactions.TransactionIngressOptions Transactions { get; set; } = new();

    /// <summary>Every problem with the options, each naming the setting and what it needs; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Transactions.Validate());
        if (Mode == HostingMode.Production && string.IsNullOrWhiteSpace(Postgres.ConnectionString))
        {
            errors.Add("Hosting:Postgres:ConnectionString is required in Production mode (clustering, grain storage and reminders live in PostgreSQL).");
        }
        if (Mode == HostingMode.Production && string.IsNullOrWhiteSpace(Portal.AdminToken))
        {
            errors.Add("Hosting:Portal:AdminToken is required in Production mode (the platform admin's bearer token; at least 32 characters).");
        }
        else if (Mode == HostingMode.Production && Portal.AdminToken!.Length < 32)
        {
            errors.Add($"Hosting:Portal:AdminToken must have at least 32 characters, got {Portal.AdminToken.Length}.");
        }
        for (var i = 0; Mode == HostingMode.Production && i < Portal.ProverAgentTokens.Length; i++)
        {
            if (Portal.ProverAgentTokens[i] is { Length: > 0 and < 32 } shortToken)
            {
                errors.Add($"Hosting:Portal:ProverAgentTokens:{i} must have at least 32 characters, got {shortToken.Length}.");
            }
        }
        if (AdvertisedAddress is { Length: > 0 } advertised && !System.Net.IPAddress.TryParse(advertised, out _))
        {
            errors.Add($"Hosting:AdvertisedAddress must be an IP address, got '{advertised}'.");
        }
        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            errors.Add("Hosting:ClusterId must not be empty.");
        }
        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            errors.Add("Hosting:ServiceId must not be empty.");
        }
        foreach (var (name, port) in new[] { ("SiloPort", SiloPort), ("GatewayPort", GatewayPort) })
        {
            if (port is < 1 or > 65535)
            {
                errors.Add($"Hosting:{name} must be a TCP port between 1 and 65535, got {port}.");
            }
        }
        foreach (var url in L1.RpcUrls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
            {
                errors.Add($"Hosting:L1:RpcUrls must hold http(s) or ws(s) URLs, got '{url}'.");
            }
        }
        if (Keys.ReloadSeconds < 1)
        {
            errors.Add($"Hosting:Keys:ReloadSeconds must be at least 1, got {Keys.ReloadSeconds}.");
        }
        if (Keys.MaxCommitmentAuthorisationsPerSlot < 1)
        {
            errors.Add($"Hosting:Keys:MaxCommitmentAuthorisationsPerSlot must be at least 1 (the chosen prover), got {Keys.MaxCommitmentAuthorisationsPerSlot}.");
        }
        if (Keys.PasswordDirectory is { Length: > 0 } passwords && !Directory.Exists(passwords))
        {
            errors.Add($"Hosting:Keys:PasswordDirectory '{passwords}' is not a directory.");
        }
        if (Keys.PublisherKeystoreDirectory is { Length: > 0 } publishers && !Directory.Exists(publishers))
        {
            errors.Add($"Hosting:Keys:PublisherKeystoreDirectory '{publishers}' is not a directory.");
        }
        errors.AddRange(Keys.Pkcs11.Validate(custodyConfigured: !string.IsNullOrWhiteSpace(Postgres.ConnectionString)));
        errors.AddRange(Keys.KeyVault.Validate(custodyConfigured: !string.IsNullOrWhiteSpace(Postgres.ConnectionString)));
        if (L1.ReorgDepth < 1)
        {
            errors.Add($"Hosting:L1:ReorgDepth must be at least 1, got {L1.ReorgDepth}.");
        }
        if (Mode == HostingMode.Production && Devnet.DemoSequencers > 0)
        {
            errors.Add("Hosting:Devnet:DemoSequencers seeds a demo tenant with throw-away keys and is for Devnet mode only; remove it in Production.");
        }
        if (Devnet.DemoSequencers is < 0 or > 1000)
        {
            errors.Add($"Hosting:Devnet:DemoSequencers must be between 0 and 1000, got {Devnet.DemoSequencers}.");
        }
        if (Membership.HeartbeatSeconds is < 1 or > MembershipOptions.MaxHeartbeatSeconds)
        {
            errors.Add($"Hosting:Membership:HeartbeatSeconds must be between 1 and {MembershipOptions.MaxHeartbeatSeconds}, got {Membership.HeartbeatSeconds}.");
        }
        if (FleetGaugeRefreshMilliseconds < 100)
        {
            errors.Add($"Hosting:FleetGaugeRefreshMilliseconds must be at least 100, got {FleetGaugeRefreshMilliseconds}.");
        }
        errors.AddRange(Portal.Validate());
        return errors;
    }
}

/// <summary>Tenant keys: loaded from key custody (PostgreSQL) at start and reloaded for keys other silos imported.</summary>
public sealed class KeysOptions
{
    /// <summary>
    /// Where keystore passwords are, one file per key named by its address (0x + 40 lower-case hex digits), e.g. a
    /// mounted Kubernetes secret. Keystore keys without a file stay locked on this silo after a restart.
    /// </summary>
    public string? PasswordDirectory { get; set; }

    /// <summary>How often the silo reloads the list of keys, so keys imported on another silo are hosted here too.</summary>
    public int ReloadSeconds { get; set; } = 30;

    /// <summary>
    /// The most commitment authorisations (one per prover: the chosen one plus proof-boost fallbacks) the signing gate
    /// signs for one sequencer and slot (<c>SigningGateOptions.MaxCommitmentAuthorisationsPerSlot</c>).
    /// </summary>
    public int MaxCommitmentAuthorisationsPerSlot { get; set; } = 4;

    /// <summary>
    /// Production publishers' L1 keys: Web3 keystores (*.json, with their "address"), each opened at start with the
    /// password file of that address in <see cref="PasswordDirectory"/>; every silo loads the same set.
    /// </summary>
    public string? PublisherKeystoreDirectory { get; set; }

    /// <summary>The PKCS#11 HSM for tenant keys (off unless its token label is set).</summary>
    public Pkcs11KeysOptions Pkcs11 { get; set; } = new();

    /// <summary>Azure Key Vault or Managed HSM for tenant keys (off unless its vault URL is set).</summary>
    public KeyVaultKeysOptions KeyVault { get; set; } = new();
}

/// <summary>The L1 the silo follows. Without RPC URLs or a deployment file with contracts the follower stays idle.</summary>
public sealed class L1Options
{
    /// <summary>JSON-RPC endpoints, preferred first; http(s) for calls, ws(s) for new heads.</summary>
    public List<string> RpcUrls { get; set; } = [];

    /// <summary>The deployment file infra/l1's Deploy script wrote (contracts, deploy block, entry and exit periods).</summary>
    public string? DeploymentFile { get; set; }

    /// <summary>How often the follower polls L1 for new blocks, in milliseconds.</summary>
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>How many recent blocks the follower keeps to undo a reorg.</summary>
    public int ReorgDepth { get; set; } = 64;

    /// <summary>Readiness fails when the follower is more than this many blocks behind the L1 head.</summary>
    public int MaxLagBlocks { get; set; } = 5;
}

public sealed class PostgresOptions
{
    public string? ConnectionString { get; set; }

    /// <summary>Whether a production silo applies the schema (infra/postgres) before it starts; `migrate` does it alone.</summary>
    public bool MigrateOnStart { get; set; } = true;
}

/// <summary>How grain state is committed to PostgreSQL, bound from "Hosting:Storage".</summary>
public sealed class StorageOptions
{
    /// <summary>
    /// Lets the writes a grain declares ordered before a durable commit (the pool's reservation for a slot, the slot's
    /// record of its block) commit with <c>synchronous_commit = off</c>, so the duty path waits for two WAL flushes
    /// (signing gate, publisher) instead of four. Used only when the silo's start-up check finds grain storage and the
    /// signing gate on the same PostgreSQL primary; <c>false</c> makes every write durable. Default <c>true</c>.
    /// </summary>
    public bool AsynchronousCommits { get; set; } = true;
}

/// <summary>Orleans cluster membership on PostgreSQL, bound from "Hosting:Membership".</summary>
public sealed class MembershipOptions
{
    /// <summary>Orleans' own default heartbeat, the slowest this setting allows.</summary>
    public const int MaxHeartbeatSeconds = 30;

    /// <summary>
    /// How often each silo writes "I am alive" into its membership row. A row three heartbeats old is stale: only
    /// then may a silo that is starting probe it and declare it dead, so after every silo died at once (power loss)
    /// the first new silo waits about three heartbeats plus three failed probes before it joins. Default 5 (Orleans' 30
    /// made that wait 60-90 s); see docs/slot-pipeline.md, "The whole cluster".
    /// </summary>
    public int HeartbeatSeconds { get; set; } = 5;
}
