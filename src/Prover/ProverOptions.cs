using System.Globalization;
using System.Numerics;

namespace Hosting.Prover;

/// <summary>What the agent does wrong on purpose, for tests of the protocol's outcomes.</summary>
public enum ProverFault
{
    None,
    NeverQuote,
    QuoteNeverCommit,
    CommitNeverProve,
    ProveLate,
}

/// <summary>
/// The agent's settings, from <c>--name value</c> arguments or <c>PROVER_NAME</c> environment variables (the
/// argument wins). Secrets come only from the environment: <c>PROVER_KEYSTORE_PASSWORD</c> for
/// <c>--keystore</c>, <c>PROVER_DEV_KEY</c> (devnet only) for a raw private key, and <c>PROVER_AGENT_TOKEN</c>,
/// the platform's prover agent token a backup agent presents (read by <see cref="AgentToken"/>, never kept here,
/// so printing the options cannot show it).
/// </summary>
public sealed record ProverOptions
{
    public const string PasswordVariable = "PROVER_KEYSTORE_PASSWORD";
    public const string DevKeyVariable = "PROVER_DEV_KEY";
    public const string AgentTokenVariable = "PROVER_AGENT_TOKEN";

    /// <summary>The platform's prover agent token from the environment, or null.</summary>
    public static string? AgentToken(Func<string, string?> environment) =>
        environment(AgentTokenVariable) is { Length: > 0 } token ? token.Trim() : null;

    public required Uri RpcUrl { get; init; }
    public required string DeploymentFile { get; init; }
    public required Uri PlatformUrl { get; init; }
    public string? KeystoreFile { get; init; }
    public BigInteger Fee { get; init; }

    /// <summary>The bond it quotes and posts; null: the deployment's MIN_BOND.</summary>
    public BigInteger? Bond { get; init; }

    /// <summary>Blocks after the Proving phase opens before the proof is submitted (the "proving time").</summary>
    public ulong ProveAfterBlocks { get; init; } = 1;
    public ProverFault Fault { get; init; }

    /// <summary>
    /// Also submit a backup block (block + proof, PROTOCOL.md step 7) when backup opens on a slot and the platform
    /// says so (<c>GET /api/v1/slots/{slot}/backup</c>): for a hosted tenant's slot its policy decides.
    /// </summary>
    public bool Backup { get; init; }

    /// <summary>With <see cref="Backup"/>: also for slots no hosted sequencer won (the platform has no say there).</summary>
    public bool BackupOtherSlots { get; init; } = true;
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Reads the settings; every problem found is listed, none of them echoes a secret.</summary>
    public static (ProverOptions? Options, IReadOnlyList<string> Errors) Read(string[] args, Func<string, string?> environment)
    {
        var errors = new List<string>();
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                errors.Add($"'{args[i]}' is not an option: expected --name value pairs (see src/Prover/README.md).");
                continue;
            }
            given[args[i][2..]] = args[++i];
        }
        string? Get(string name) => given.TryGetValue(name, out var value) ? value
            : environment("PROVER_" + name.ToUpperInvariant().Replace('-', '_')) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        var secrets = new Dictionary<string, string> { ["keystore-password"] = PasswordVariable, ["dev-key"] = DevKeyVariable, ["agent-token"] = AgentTokenVariable };
        foreach (var (secret, variable) in secrets)
        {
            if (given.ContainsKey(secret))
            {
                errors.Add($"--{secret} is not read from the command line (other users see it in the process list): set {variable} instead.");
            }
        }
        var known = new HashSet<string>(StringComparer.Ordinal) { "rpc-url", "deployment", "platform", "keystore", "fee", "bond", "prove-after-blocks", "fault", "poll-ms", "backup", "backup-other-slots", "keystore-password", "dev-key", "agent-token" };
        errors.AddRange(given.Keys.Where(k => !known.Contains(k)).Select(k => $"--{k} is not a setting; known: {string.Join(", ", known.Order().Select(n => "--" + n))}."));

        var rpc = Url("rpc-url", Get("rpc-url"), errors);
        var platform = Url("platform", Get("platform"), errors);
        var deployment = Get("deployment");
        if (deployment is null)
        {
            errors.Add("--deployment (PROVER_DEPLOYMENT) is required: infra/l1's deployment file of the rollup to prove for.");
        }
        else if (!File.Exists(deployment))
        {
            errors.Add($"--deployment: the file '{deployment}' does not exist.");
        }
        var keystore = Get("keystore");
        if (keystore is not null && !File.Exists(keystore))
        {
            errors.Add($"--keystore: the file '{keystore}' does not exist.");
        }
        if (keystore is null && environment(DevKeyVariable) is not { Length: > 0 })
        {
            errors.Add($"No key: give --keystore (with {PasswordVariable}) or, on a devnet, {DevKeyVariable}.");
        }
        if (keystore is not null && environment(PasswordVariable) is null)
        {
            errors.Add($"--keystore needs its password in {PasswordVariable}.");
        }
        var fee = Amount("fee", Get("fee") ?? "0", errors);
        var bond = Get("bond") is { } bondText ? Amount("bond", bondText, errors) : (BigInteger?)null;
        var proveAfter = Get("prove-after-blocks") is { } after && !ulong.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var blocks)
            ? Error<ulong>(errors, $"--prove-after-blocks: '{after}' is not a whole number of blocks.")
            : Get("prove-after-blocks") is { } ok ? ulong.Parse(ok, CultureInfo.InvariantCulture) : 1UL;
        var fault = ProverFault.None;
        if (Get("fault") is { } faultText && !TryParseFault(faultText, out fault))
        {
            errors.Add($"--fault: '{faultText}' is not a fault mode; expected none, never-quote, quote-never-commit, commit-never-prove or prove-late.");
        }
        var poll = Get("poll-ms") is { } pollText
            ? int.TryParse(pollText, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 10 and <= 60_000 ? ms : Error<int>(errors, $"--poll-ms: '{pollText}' is not 10-60000 milliseconds.")
            : 200;
        var backup = Get("backup") is { } backupText
            ? bool.TryParse(backupText, out var yes) ? yes : Error<bool>(errors, $"--backup: '{backupText}' is not true or false.")
            : false;
        var backupOtherSlots = Get("backup-other-slots") is { } otherText
            ? bool.TryParse(otherText, out var other) ? other : Error<bool>(errors, $"--backup-other-slots: '{otherText}' is not true or false.")
            : true;
        if (backup && AgentToken(environment) is null)
        {
            errors.Add($"--backup true needs the platform's prover agent token in {AgentTokenVariable}: only the platform's own agents may ask whether to submit a backup block (Hosting:Portal:ProverAgentTokens on the platform).");
        }
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        return (new ProverOptions
        {
            RpcUrl = rpc!,
            PlatformUrl = platform!,
            DeploymentFile = deployment!,
            KeystoreFile = keystore,
            Fee = fee,
            Bond = bond,
            ProveAfterBlocks = proveAfter,
            Fault = fault,
            Backup = backup,
            BackupOtherSlots = backupOtherSlots,
            PollInterval = TimeSpan.FromMilliseconds(poll),
        }, errors);
    }

    public static string FaultName(ProverFault fault) => fault switch
    {
        ProverFault.NeverQuote => "never-quote",
        ProverFault.QuoteNeverCommit => "quote-never-commit",
        ProverFault.CommitNeverProve => "commit-never-prove",
        ProverFault.ProveLate => "prove-late",
        _ => "none",
    };

    private static bool TryParseFault(string text, out ProverFault fault)
    {
        foreach (var candidate in Enum.GetValues<ProverFault>())
        {
            if (FaultName(candidate) == text)
            {
                fault = candidate;
                return true;
            }
        }
        fault = ProverFault.None;
        return false;
    }

    private static Uri? Url(string name, string? text, List<string> errors)
    {
        if (text is null)
        {
            errors.Add($"--{name} (PROVER_{name.ToUpperInvariant().Replace('-', '_')}) is required.");
            return null;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add($"--{name}: '{text}' is not an http(s) URL.");
            return null;
        }
        return url;
    }

    private static BigInteger Amount(string name, string text, List<string> errors) =>
        BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : Error<BigInteger>(errors, $"--{name}: '{text}' is not a whole number of token wei.");

    private static T Error<T>(List<string> errors, string message)
    {
        errors.Add(message);
        return default!;
    }
}
