using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.L1;
using Hosting.L1.Contracts;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;

namespace Hosting.Prover;

/// <summary>
/// Follows L1 heads and, for every slot: quotes while Proposal runs, polls for its authorisation during
/// Commitment and commits with its bond, then submits the devnet proof once Proving has run
/// <see cref="ProverOptions.ProveAfterBlocks"/> blocks. Each step is tried once per slot; a failure is logged
/// with the contract's decoded reason and the agent moves on to the next slot.
/// </summary>
public sealed class ProverAgent(ProverOptions options, L1Deployment deployment, IEthSigner key, EthereumClient l1, PlatformClient platform, Action<string> log)
{
    private readonly Dictionary<ulong, SlotWork> _slots = [];
    private readonly SlotSchedule _schedule = deployment.Schedule
        ?? throw new InvalidOperationException($"The deployment file {options.DeploymentFile} has no slot schedule; redeploy infra/l1.");
    private readonly FernetRollupContract _rollup = new(l1, deployment.Rollup);
    private BigInteger Bond => options.Bond ?? deployment.MinBond;
    private string? _lastTickError;

    private sealed class SlotWork
    {
        public PlatformClient.QuoteResult? Quote { get; set; }
        public Hash32? CommitTransaction { get; set; }
        public bool? Committed { get; set; }
        public Hash32? ProofTransaction { get; set; }
        public Hash32? BackupTransaction { get; set; }
        public ulong? BackupAskedAt { get; set; }
        public (string Verdict, string Reason) BackupAnswer { get; set; }
        public string? BackupLogged { get; set; }
        public bool Finished { get; set; }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stopping);
                if (_lastTickError is not null)
                {
                    log("recovered: L1 and the platform answer again");
                    _lastTickError = null;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is L1Exception or HttpRequestException or TaskCanceledException)
            {
                // One line per outage, not one per poll.
                var problem = exception is L1Exception ? $"L1 at {options.RpcUrl} failed: {exception.Message}" : $"the platform at {options.PlatformUrl} failed: {exception.Message}";
                if (problem != _lastTickError)
                {
                    log("error: " + problem + "; retrying");
                    _lastTickError = problem;
                }
            }
            try
            {
                await Task.Delay(options.PollInterval, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var head = await l1.GetBlockNumberAsync(cancellationToken);
        // A slot is joined at its Proposal phase only: one already past it has no quote of ours to act on.
        if (_schedule.SlotAt(head) is { } current && !_slots.ContainsKey(current) && _schedule.PhaseAt(current, head) == SlotPhase.Proposal)
        {
            _slots[current] = new SlotWork();
        }
        foreach (var (slot, work) in _slots.OrderBy(s => s.Key).ToList())
        {
            await StepAsync(slot, work, head, cancellationToken);
            if (work.Finished || _schedule.PhaseAt(slot, head) == SlotPhase.Ended)
            {
                _slots.Remove(slot);
            }
        }
    }

    private async Task StepAsync(ulong slot, SlotWork work, ulong head, CancellationToken cancellationToken)
    {
        var phase = _schedule.PhaseAt(slot, head);
        if (phase == SlotPhase.Proposal && work.Quote is null && options.Fault != ProverFault.NeverQuote)
        {
            await QuoteAsync(slot, work, cancellationToken);
        }
        // The commitment is mined in the next block at the earliest: it is sent while that block is in Commitment, which
        // includes the Proposal phase's last block (the platform authorises once that block is final for the proposal).
        if (_schedule.PhaseAt(slot, head + 1) == SlotPhase.Commitment && work.Quote == PlatformClient.QuoteResult.Kept && work.CommitTransaction is null && options.Fault != ProverFault.QuoteNeverCommit)
        {
            await CommitAsync(slot, work, cancellationToken);
        }
        if (work.CommitTransaction is { } commit && work.Committed is null)
        {
            work.Committed = await SettledAsync(slot, "commitProver", commit, cancellationToken);
        }
        if (work.Committed == true && work.ProofTransaction is null && await DueToProveAsync(slot, head, phase))
        {
            await ProveAsync(slot, work, cancellationToken);
        }
        if (work.ProofTransaction is { } proof && await SettledAsync(slot, "submitProof", proof, cancellationToken) is { } proven)
        {
            log(proven ? $"slot {slot}: proven and finalised" : $"slot {slot}: the proof was not accepted");
            work.Finished = true;
        }
        if (options.Backup)
        {
            await BackupAsync(slot, work, head, phase, cancellationToken);
        }
        if (!options.Backup && (work.Committed == false || (work.Quote is not null && work.Quote != PlatformClient.QuoteResult.Kept)))
        {
            work.Finished = true;
        }
    }

    private async Task<bool> DueToProveAsync(ulong slot, ulong head, SlotPhase phase) => options.Fault switch
    {
        ProverFault.CommitNeverProve => false,
        // Late on purpose: after Proving is over, when the rollup no longer takes the proof.
        ProverFault.ProveLate => phase >= SlotPhase.Backup,
        _ => phase == SlotPhase.Proving && head >= _schedule.ProvingStart(slot) + options.ProveAfterBlocks
            && await _rollup.SlotStatusAsync(slot) == FernetRollupContract.RollupSlotStatus.Revealed,
    };

    private async Task QuoteAsync(ulong slot, SlotWork work, CancellationToken cancellationToken)
    {
        // Valid through the last block of Commitment, so the platform may still fall back to it.
        var quote = new ProverQuote(slot, key.Address, options.Fee, Bond, _schedule.RevealStart(slot) - 1);
        quote = quote with { Signature = await key.SignPersonalMessageAsync(QuoteText.For(quote, deployment.Rollup), cancellationToken) };
        var (result, detail) = await platform.QuoteAsync(quote, cancellationToken);
        work.Quote = result;
        log(result switch
        {
            PlatformClient.QuoteResult.Kept => $"slot {slot}: quote kept (fee {options.Fee}, bond {Bond})",
            PlatformClient.QuoteResult.SlotNotHosted => $"slot {slot}: not hosted by the platform ({detail})",
            _ => $"error: slot {slot}: quote refused: {detail}",
        });
    }

    private async Task CommitAsync(ulong slot, SlotWork work, CancellationToken cancellationToken)
    {
        if (await platform.AuthorisationAsync(slot, key.Address, cancellationToken) is not { } authorisation)
        {
            return;
        }
        log($"slot {slot}: authorised by sequencer {authorisation.Sequencer} for bond {authorisation.Bond}");
        try
        {
            work.CommitTransaction = await _rollup.CommitProverAsync(key, slot, authorisation.Bond, authorisation.Signature, cancellationToken);
            log($"slot {slot}: commitProver sent in {work.CommitTransaction}");
        }
        catch (ContractRevertedException reverted)
        {
            work.Committed = false;
            log($"error: slot {slot}: commitProver reverted: {reverted.Reason}");
        }
    }

    /// <summary>
    /// Backup mode: once the rollup says backup is open on the slot (nobody proposed, committed, revealed or proved
    /// in time) and the platform says it may (<see cref="MayBackUpAsync"/>), builds the block from the current tip,
    /// proves it as its own submitter and sends submitBackupBlock.
    /// </summary>
    private async Task BackupAsync(ulong slot, SlotWork work, ulong head, SlotPhase phase, CancellationToken cancellationToken)
    {
        if (work.BackupTransaction is { } sent)
        {
            if (await SettledAsync(slot, "submitBackupBlock", sent, cancellationToken) is { } finalised)
            {
                log(finalised ? $"slot {slot}: backup block finalised" : $"slot {slot}: the backup block was not accepted");
                work.Finished = true;
            }
            return;
        }
        if (phase < SlotPhase.Commitment || !await _rollup.CallAsync<bool>("isBackupOpen", new BigInteger(slot))
            || !await MayBackUpAsync(slot, work, head, cancellationToken))
        {
            return;
        }
        var tip = await _rollup.TipAsync();
        var block = BlockBuilder.Build(slot, tip.Archive, Hash32.Zero);
        var proposal = new FernetRollupContract.Proposal(block.Archive, block.BlockHash, block.TxsEffectsHash, block.UpgradeSignal);
        var proof = DevnetProof.For(slot, tip.Archive, proposal, key.Address);
        try
        {
            work.BackupTransaction = await _rollup.SendAsync(key, "submitBackupBlock", [new BigInteger(slot), proposal.ToAbi(), block.Data, proof], cancellationToken: cancellationToken);
            log($"slot {slot}: backup open; submitBackupBlock sent in {work.BackupTransaction}");
        }
        catch (ContractRevertedException reverted)
        {
            work.Finished = true;
            log($"error: slot {slot}: submitBackupBlock reverted: {reverted.Reason}");
        }
    }

    /// <summary>
    /// Asks the platform once per L1 block whether to submit (a tenant may change its policy while backup is open):
    /// a hosted tenant's slot goes by its policy, another slot by <see cref="ProverOptions.BackupOtherSlots"/>. No
    /// answer (the platform or its silo is down) means no submission until one comes. Each new reason is logged once.
    /// </summary>
    private async Task<bool> MayBackUpAsync(ulong slot, SlotWork work, ulong head, CancellationToken cancellationToken)
    {
        var unanswered = (string?)null;
        if (work.BackupAskedAt != head)
        {
            try
            {
                work.BackupAnswer = await platform.BackupAnswerAsync(slot, cancellationToken);
                work.BackupAskedAt = head;
            }
            catch (Exception exception) when (exception is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                unanswered = $"could not ask the platform at {options.PlatformUrl} ({exception.Message}); asking again";
            }
        }
        var (verdict, reason) = work.BackupAnswer;
        var (submit, line) = unanswered is not null ? (false, $"slot {slot}: backup open; not submitting: {unanswered}")
            : verdict switch
            {
                "submit" => (true, $"slot {slot}: backup open; the platform says submit: {reason}"),
                "skip" => (false, $"slot {slot}: backup open; not submitting: {reason}"),
                "not-hosted" when options.BackupOtherSlots => (true, $"slot {slot}: backup open; {reason}, and --backup-other-slots is true: submitting"),
                "not-hosted" => (false, $"slot {slot}: backup open; not submitting: {reason}, and --backup-other-slots is false"),
                "not-known-yet" => (false, $"slot {slot}: backup open; not submitting yet: {reason}"),
                _ => (false, $"slot {slot}: backup open; not submitting: the platform's answer '{verdict}' is not one this agent knows ({reason})"),
            };
        if (line != work.BackupLogged)
        {
            log(line);
            work.BackupLogged = line;
        }
        return submit;
    }

    private async Task ProveAsync(ulong slot, SlotWork work, CancellationToken cancellationToken)
    {
        var canonical = await _rollup.ProposalOfAsync(slot);
        var tip = await _rollup.TipAsync();
        var proof = DevnetProof.For(slot, tip.Archive, canonical.Proposal, key.Address);
        try
        {
            work.ProofTransaction = await _rollup.SubmitProofAsync(key, slot, proof, cancellationToken);
            log($"slot {slot}: submitProof sent in {work.ProofTransaction}");
        }
        catch (ContractRevertedException reverted)
        {
            work.Finished = true;
            log($"error: slot {slot}: submitProof reverted: {reverted.Reason}");
        }
    }

    /// <summary>
    /// True once the transaction succeeded, false when it was mined and reverted (the reason replayed with eth_call
    /// at its block and logged), null while it is pending.
    /// </summary>
    private async Task<bool?> SettledAsync(ulong slot, string function, Hash32 transaction, CancellationToken cancellationToken)
    {
        if (await l1.GetTransactionReceiptAsync(transaction, cancellationToken) is not { } receipt)
        {
            return null;
        }
        if (receipt.Succeeded)
        {
            log($"slot {slot}: {function} mined in block {receipt.BlockNumber}");
            return true;
        }
        var reason = "no reason given";
        try
        {
            // Replayed on the state before its block: exact when it was the block's only transaction (anvil's automine).
            var sent = await l1.Rpc.CallAsync("eth_getTransactionByHash", [transaction.ToString()], cancellationToken);
            var input = Hex.Decode(sent.GetProperty("input").GetString()!);
            await l1.CallAsync(new CallRequest(deployment.Rollup, input) { From = key.Address }, BlockTag.Number(receipt.BlockNumber - 1), cancellationToken);
        }
        catch (RpcException exception) when (exception.ErrorDataBytes is { } data)
        {
            reason = _rollup.Abi.DecodeRevert(data).ToString() ?? reason;
        }
        log($"error: slot {slot}: {function} reverted in block {receipt.BlockNumber}: {reason}");
        return false;
    }
}
