// Runs calls of the official TypeScript SDK (@polymarket/client, unchanged) against a CLOB, for
// tests/official_ts/test_polymarket_client_ts.py. Everything comes from the environment:
//
//   CLOB_TS_PREFIX     the folder whose node_modules holds the pinned packages (package-lock.json)
//   CLOB_API_URL, CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE, PK   the account and the CLOB
//   CLOB_TS_PLAN       a JSON list of calls, each [method, ...arguments]
//
// The SDK has no base-URL option, but createSecureClient takes an `environment`, and the SDK
// exports forkEnvironmentConfig (marked experimental) to make one: the CLOB is CLOB_API_URL and
// every other service (RPC, relayer, gamma, data, combos, perps, websockets) a closed loopback
// port, so a call nobody expected fails at once instead of reaching Polymarket. `wallet` is the
// signer's own address (a plain EOA account): without it the SDK asks the Polygon RPC which
// Deposit Wallet the signer has. The signer is the SDK's own ethers v5 adapter.
//
// Prints one line, "CLOB_TS_RESULT <json>": the versions, the signer's address, how creation went
// ({"ok": true, "same_key", "same_secret", "same_passphrase"}: whether the client kept the given
// credentials, as booleans: no credential is printed; or {"thrown": ...}), and per call
// {"call", "value"} or {"call", "thrown": {"name", "message", "status"}}.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const CALLS = new Set(["cancelOrder", "cancelOrders", "cancelAll", "cancelMarketOrders"]);
const NOWHERE = "http://127.0.0.1:9";
const NOWHERE_WS = "ws://127.0.0.1:9";

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`run-client.mjs: ${name} is not set`);
  return value;
}

function thrown(error) {
  return { name: error?.name, message: String(error?.message ?? error), status: error?.status };
}

const prefix = env("CLOB_TS_PREFIX");
const fromPrefix = createRequire(path.join(prefix, "package.json"));
const { createSecureClient, forkEnvironmentConfig } = await import(fromPrefix.resolve("@polymarket/client"));
const { signerFrom } = await import(fromPrefix.resolve("@polymarket/client/ethers-v5"));
const { ethers } = fromPrefix("ethers-v5");
const clientPackage = path.join(prefix, "node_modules", "@polymarket", "client", "package.json");
const version = JSON.parse(fs.readFileSync(clientPackage, "utf8")).version;

const wallet = new ethers.Wallet(env("PK"));
const rest = { rest: NOWHERE };
const both = { rest: NOWHERE, ws: NOWHERE_WS };
const environment = forkEnvironmentConfig({
  name: "clob-cancel-mock",
  rpc: NOWHERE,
  clob: { rest: env("CLOB_API_URL"), market: { ws: NOWHERE_WS }, user: { ws: NOWHERE_WS } },
  relayer: rest,
  gamma: rest,
  data: rest,
  combos: { ...both, collateralReturn: rest },
  perps: both,
  rtds: { ws: NOWHERE_WS },
  sports: { ws: NOWHERE_WS },
});
const given = { key: env("CLOB_API_KEY"), secret: env("CLOB_SECRET"), passphrase: env("CLOB_PASS_PHRASE") };

const report = { node: process.version, client: version, address: wallet.address, results: [] };
let client;
try {
  client = await createSecureClient({ environment, signer: signerFrom(wallet), wallet: wallet.address, credentials: given });
  const used = client.credentials;
  report.create = {
    ok: true,
    same_key: used.key === given.key,
    same_secret: used.secret === given.secret,
    same_passphrase: used.passphrase === given.passphrase,
  };
} catch (error) {
  report.create = { thrown: thrown(error) };
}
if (client !== undefined) {
  for (const [call, ...args] of JSON.parse(env("CLOB_TS_PLAN"))) {
    if (!CALLS.has(call)) throw new Error(`run-client.mjs: ${call} is not a call this script makes`);
    try {
      report.results.push({ call, value: await client[call](...args) });
    } catch (error) {
      report.results.push({ call, thrown: thrown(error) });
    }
  }
}
process.stdout.write(`CLOB_TS_RESULT ${JSON.stringify(report)}\n`);
process.exit(0); // the SDK's idle websocket managers must not keep the process alive
