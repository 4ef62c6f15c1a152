using Hosting.Grains.L1;
using Hosting.L1;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Hosting.Signing.Keystore;

namespace Hosting.Prover;

/// <summary>
/// The prover agent's entry point. Exit codes: 0 stopped (Ctrl-C/SIGTERM), 2 bad settings or key, 3 L1 not
/// reachable or not the deployment's chain at start.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var (options, errors) = ProverOptions.Read(args, Environment.GetEnvironmentVariable);
        if (options is null)
        {
            Console.Error.WriteLine("error: the prover agent's settings are wrong:\n  - " + string.Join("\n  - ", errors));
            return 2;
        }
        L1Deployment deployment;
        try
        {
            deployment = L1Deployment.Read(options.DeploymentFile)
                ?? throw new InvalidDataException($"The deployment file {options.DeploymentFile} names no contracts.");
        }
        catch (Exception exception) when (exception is InvalidDataException or System.Text.Json.JsonException or IOException)
        {
            Console.Error.WriteLine($"error: {exception.Message}");
            return 2;
        }
        using var key = OpenKey(options);
        if (key is null)
        {
            return 2;
        }
        // Not disposed: a signal may still arrive while Main returns.
        var stopping = new CancellationTokenSource();
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }

        var name = $"prover {key.Address}";
        void Log(string line) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name}: {line}");
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [options.RpcUrl], RequestTimeout = TimeSpan.FromSeconds(5), MaxAttempts = 2 }));
        try
        {
            var chainId = await l1.GetChainIdAsync(stopping.Token);
            if (chainId != deployment.ChainId)
            {
                Console.Error.WriteLine($"error: {options.RpcUrl} serves chain {chainId}, but {options.DeploymentFile} is deployed on chain {deployment.ChainId}.");
                return 3;
            }
            await ApproveBondsAsync(l1, deployment, key, options.Bond ?? deployment.MinBond, Log, stopping.Token);
        }
        catch (RpcUnavailableException exception)
        {
            Console.Error.WriteLine($"error: cannot reach L1 at {options.RpcUrl}: {exception.Message}");
            return 3;
        }
        catch (ContractRevertedException exception)
        {
            Console.Error.WriteLine($"error: approving the rollup to take bonds reverted: {exception.Reason}");
            return 3;
        }
        using var http = new HttpClient { BaseAddress = new Uri(options.PlatformUrl.ToString().TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(10) };
        Log($"ready: fee {options.Fee}, bond {options.Bond ?? deployment.MinBond}, proves {options.ProveAfterBlocks} block(s) into Proving, fault {ProverOptions.FaultName(options.Fault)}; platform {options.PlatformUrl}, L1 {options.RpcUrl}");
        await new ProverAgent(options, deployment, key, l1, new PlatformClient(http, ProverOptions.AgentToken(Environment.GetEnvironmentVariable)), Log).RunAsync(stopping.Token);
        Log("stopped");
        return 0;
    }

    /// <summary>The prover's key; errors name the setting and never echo the secret.</summary>
    private static LocalKeySigner? OpenKey(ProverOptions options)
    {
        if (options.KeystoreFile is { } file)
        {
            try
            {
                return new LocalKeySigner(Web3Keystore.Decrypt(File.ReadAllText(file), Environment.GetEnvironmentVariable(ProverOptions.PasswordVariable)!));
            }
            catch (KeystoreException exception)
            {
                Console.Error.WriteLine(exception.Problem == KeystoreProblem.WrongPassword
                    ? $"error: the password in {ProverOptions.PasswordVariable} does not open the keystore {file} (its MAC does not match)."
                    : $"error: the keystore {file} cannot be read: {exception.Message}");
                return null;
            }
        }
        try
        {
            return LocalKeySigner.FromHex(Environment.GetEnvironmentVariable(ProverOptions.DevKeyVariable)!.Trim());
        }
        catch (Exception exception) when (exception is FormatException or HexFormatException or InvalidKeyException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {ProverOptions.DevKeyVariable} is not a secp256k1 private key (expected 64 hex digits, with or without 0x).");
            return null;
        }
    }

    /// <summary>Lets the rollup take bonds (commitProver pulls them with transferFrom) for many slots in one approval.</summary>
    private static async Task ApproveBondsAsync(EthereumClient l1, L1Deployment deployment, IEthSigner key, System.Numerics.BigInteger bond, Action<string> log, CancellationToken cancellationToken)
    {
        var token = new StakingTokenContract(l1, deployment.Token);
        var balance = await token.BalanceOfAsync(key.Address);
        if (balance < bond)
        {
            log($"warning: the balance of {balance} token wei is below one bond of {bond}; commitments will revert");
        }
        if (await token.AllowanceAsync(key.Address, deployment.Rollup) >= bond * 100)
        {
            return;
        }
        var approval = await token.ApproveAsync(key, deployment.Rollup, bond * 1000, cancellationToken);
        var receipt = await l1.WaitForReceiptAsync(approval, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        log(receipt.Succeeded ? $"approved the rollup to take bonds (transaction {approval})" : $"error: the approval {approval} reverted");
    }
}
