using Hosting.Contracts.Domain;
using Hosting.L1.Rpc;

namespace Hosting.Grains.L1;

/// <summary>What the follower reads from L1: headers by number, one block's logs, a sequencer's status at a block.</summary>
public interface IChainSource
{
    Task<BlockHeader?> GetHeaderAsync(ulong number, CancellationToken cancellationToken);

    Task<ulong> GetHeadNumberAsync(CancellationToken cancellationToken);

    /// <summary>The logs of <paramref name="contracts"/> in block <paramref name="number"/>, in log order.</summary>
    Task<IReadOnlyList<Log>> GetLogsAsync(ulong number, IReadOnlyList<Address> contracts, CancellationToken cancellationToken);

    /// <summary>statusOf(sequencer) on the registry, evaluated at block <paramref name="number"/>.</summary>
    Task<SequencerStatus> GetStatusAsync(Address sequencer, ulong number, CancellationToken cancellationToken);
}

/// <summary>The follower's reads over JSON-RPC.</summary>
public sealed class RpcChainSource(EthereumClient client, Address registry) : IChainSource
{
    public Task<BlockHeader?> GetHeaderAsync(ulong number, CancellationToken cancellationToken) =>
        client.GetBlockAsync(BlockTag.Number(number), cancellationToken);

    public Task<ulong> GetHeadNumberAsync(CancellationToken cancellationToken) => client.GetBlockNumberAsync(cancellationToken);

    public Task<IReadOnlyList<Log>> GetLogsAsync(ulong number, IReadOnlyList<Address> contracts, CancellationToken cancellationToken) =>
        client.GetLogsAsync(new LogFilter(BlockTag.Number(number), BlockTag.Number(number)) { Addresses = contracts }, cancellationToken);

    public async Task<SequencerStatus> GetStatusAsync(Address sequencer, ulong number, CancellationToken cancellationToken)
    {
        var output = await client.CallAsync(new CallRequest(registry, RegistryAbi.StatusOf.EncodeCall(sequencer)), BlockTag.Number(number), cancellationToken);
        return (SequencerStatus)(int)(System.Numerics.BigInteger)RegistryAbi.StatusOf.DecodeOutput(output)[0]!;
    }
}
