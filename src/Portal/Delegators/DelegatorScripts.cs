namespace Hosting.Portal.Delegators;

/// <summary>
/// The only script of the delegator pages: it talks to the wallet (EIP-1193 <c>window.ethereum</c>) and to the
/// portal's JSON endpoints. Everything else is server-rendered HTML.
/// </summary>
internal static class DelegatorScripts
{
    /// <summary>Sign-In with Ethereum: account, nonce, EIP-4361 text, personal_sign, verify.</summary>
    public const string SignIn = """
        <script>
        (() => {
          const button = document.getElementById('siwe');
          const error = document.getElementById('siwe-error');
          const status = document.getElementById('siwe-status');
          const csrf = document.querySelector('meta[name=csrf]');
          const hex = text => '0x' + Array.from(new TextEncoder().encode(text), b => b.toString(16).padStart(2, '0')).join('');
          button.addEventListener('click', async () => {
            error.textContent = '';
            button.disabled = true;
            try {
              if (!window.ethereum) throw new Error('No Ethereum wallet found in this browser (an EIP-1193 provider at window.ethereum).');
              status.textContent = 'Asking the wallet for your account…';
              const [account] = await window.ethereum.request({ method: 'eth_requestAccounts' });
              if (!account) throw new Error('The wallet shared no account.');
              const issued = await fetch('/delegator/siwe/nonce?address=' + encodeURIComponent(account));
              const nonce = await issued.json();
              if (!issued.ok) throw new Error(nonce.detail || nonce.title);
              const walletChain = parseInt(await window.ethereum.request({ method: 'eth_chainId' }), 16);
              if (walletChain !== nonce.chainId) throw new Error(`The wallet is on chain ${walletChain}; this portal's L1 is chain ${nonce.chainId}. Switch the wallet's network and try again.`);
              const now = new Date();
              const message = `${location.host} wants you to sign in with your Ethereum account:\n${nonce.address}\n\n`
                + `Sign in to the sequencer hosting portal as a delegator.\n\n`
                + `URI: ${location.origin}/delegator\nVersion: 1\nChain ID: ${nonce.chainId}\nNonce: ${nonce.nonce}\n`
                + `Issued At: ${now.toISOString()}\nExpiration Time: ${new Date(now.getTime() + 8 * 3600 * 1000).toISOString()}`;
              status.textContent = 'Sign the message in your wallet…';
              const signature = await window.ethereum.request({ method: 'personal_sign', params: [hex(message), account] });
              status.textContent = 'Checking the signature…';
              const verified = await fetch('/delegator/siwe/verify', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json', [csrf.dataset.header]: csrf.content },
                body: JSON.stringify({ message, signature }),
              });
              const answer = await verified.json().catch(() => ({}));
              if (!verified.ok) throw new Error(answer.detail || answer.title || ('HTTP ' + verified.status));
              status.textContent = 'Signed in as ' + answer.address + '.';
              location.assign('/delegator');
            } catch (x) {
              status.textContent = '';
              error.textContent = 'Not signed in: ' + (x && x.message ? x.message : String(x));
            } finally {
              button.disabled = false;
            }
          });
        })();
        </script>
        """;

    /// <summary>Delegate, undelegate, withdraw, claim: prepare at the portal, send through the wallet, poll the receipt.</summary>
    public const string Actions = """
        <script>
        (() => {
          const me = document.body.dataset.address;
          const chainId = Number(document.body.dataset.chainId);
          const csrf = document.querySelector('meta[name=csrf]');
          const section = document.getElementById('l1');
          const list = document.getElementById('l1-transactions');
          const error = document.getElementById('l1-error');
          const sleep = ms => new Promise(r => setTimeout(r, ms));
          async function track(state, hash) {
            for (;;) {
              const r = await fetch('/delegator/transactions/' + hash, { headers: { Accept: 'application/json' } });
              const s = await r.json().catch(() => ({}));
              if (!r.ok) throw new Error(s.detail || s.title || ('HTTP ' + r.status));
              state.textContent = s.description;
              if (s.state === 'confirmed') return true;
              if (s.state === 'reverted') return false;
              await sleep(1000);
            }
          }
          for (const form of document.querySelectorAll('form[data-l1-action]')) {
            form.addEventListener('submit', async event => {
              event.preventDefault();
              const button = form.querySelector('button');
              error.textContent = '';
              section.hidden = false;
              button.disabled = true;
              try {
                if (!window.ethereum) throw new Error('No Ethereum wallet found in this browser (an EIP-1193 provider at window.ethereum).');
                const [from] = await window.ethereum.request({ method: 'eth_requestAccounts' });
                if (!from || from.toLowerCase() !== me) throw new Error(`The wallet's account ${from} is not the one signed in (${me}): switch accounts or sign in again.`);
                const walletChain = parseInt(await window.ethereum.request({ method: 'eth_chainId' }), 16);
                if (walletChain !== chainId) throw new Error(`The wallet is on chain ${walletChain}; this portal's L1 is chain ${chainId}.`);
                const prepared = await fetch('/delegator/calls', {
                  method: 'POST',
                  headers: { 'Content-Type': 'application/json', Accept: 'application/json', [csrf.dataset.header]: csrf.content },
                  body: JSON.stringify({ action: form.dataset.l1Action, sequencer: form.dataset.sequencer || null, amount: form.elements.amount ? form.elements.amount.value : null }),
                });
                const answer = await prepared.json().catch(() => ({}));
                if (!prepared.ok) throw new Error(answer.detail || answer.title || ('HTTP ' + prepared.status));
                let ok = true;
                for (const call of answer.calls) {
                  const item = document.createElement('li');
                  item.textContent = call.label + ': waiting for the wallet…';
                  list.append(item);
                  const hash = await window.ethereum.request({ method: 'eth_sendTransaction', params: [{ from, to: call.to, data: call.data, value: call.value }] });
                  item.textContent = call.label + ': transaction ';
                  const code = document.createElement('code');
                  code.textContent = hash;
                  const state = document.createElement('span');
                  state.className = 'tx-state';
                  state.textContent = 'pending';
                  item.append(code, ' — ', state);
                  ok = await track(state, hash);
                  if (!ok) break;
                }
                if (ok) {
                  const done = document.createElement('li');
                  done.innerHTML = 'Done. Positions show the change once the portal has followed the block: <a href="">refresh</a>.';
                  list.append(done);
                }
              } catch (x) {
                error.textContent = 'Not sent: ' + (x && x.message ? x.message : String(x));
              } finally {
                button.disabled = false;
              }
            });
          }
        })();
        </script>
        """;
}
