// Runs calls of the official TypeScript client (@polymarket/clob-client-v2, unchanged) against a
// CLOB, for tests/official_ts/test_official_client_ts.py. Everything comes from the environment:
//
//   CLOB_TS_PREFIX     the folder whose node_modules holds the pinned packages (package-lock.json)
//   CLOB_API_URL, CLOB_API_KEY, CLOB_SECRET, CLOB_PASS_PHRASE, PK   the account and the CLOB
//   CLOB_TS_PLAN       a JSON list of calls, each [method, ...arguments]
//   CLOB_TS_THROW      "1": construct the client with throwOnError (by default it returns errors)
//
// Prints one line, "CLOB_TS_RESULT <json>": the versions, the signer's address and, per call,
// {"call", "value"} or {"call", "thrown": {"name", "message", "status"}}.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { createRequire } = require("node:module");

const CALLS = new Set([
  "cancelOrder",
  "cancelOrders",
  "cancelAll",
  "cancelMarketOrders",
  "getServerTime",
  "createApiKey",
  "deriveApiKey",
  "createOrDeriveApiKey",
  "postHeartbeat",
]);

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`run.cjs: ${name} is not set`);
  return value;
}

async function main() {
  const prefix = env("CLOB_TS_PREFIX");
  const fromPrefix = createRequire(path.join(prefix, "package.json"));
  const { ClobClient, Chain } = fromPrefix("@polymarket/clob-client-v2");
  const { Wallet } = fromPrefix("@ethersproject/wallet");
  const clientPackage = path.join(prefix, "node_modules", "@polymarket", "clob-client-v2", "package.json");
  const version = JSON.parse(fs.readFileSync(clientPackage, "utf8")).version;

  const signer = new Wallet(env("PK"));
  const client = new ClobClient({
    host: env("CLOB_API_URL"),
    chain: Chain.POLYGON,
    signer,
    creds: { key: env("CLOB_API_KEY"), secret: env("CLOB_SECRET"), passphrase: env("CLOB_PASS_PHRASE") },
    throwOnError: process.env.CLOB_TS_THROW === "1",
  });

  const results = [];
  for (const [call, ...args] of JSON.parse(env("CLOB_TS_PLAN"))) {
    if (!CALLS.has(call)) throw new Error(`run.cjs: ${call} is not a call this script makes`);
    try {
      results.push({ call, value: await client[call](...args) });
    } catch (error) {
      results.push({
        call,
        thrown: { name: error?.name, message: String(error?.message ?? error), status: error?.status },
      });
    }
  }
  const report = { node: process.version, client: version, address: await signer.getAddress(), results };
  process.stdout.write(`CLOB_TS_RESULT ${JSON.stringify(report)}\n`);
}

main().catch((error) => {
  process.stderr.write(`run.cjs: ${error?.stack ?? error}\n`);
  process.exit(2);
});
