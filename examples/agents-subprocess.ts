/**
 * Agents as subprocesses: AgentScheduler decides when each agent runs and with which resources;
 * this file's launch hook starts the agent's `exec.entryPoint` as a child process, turns its
 * `heartbeat` lines into heartbeats, resolves when it exits 0 and rejects (a crash) otherwise,
 * and kills it when the scheduler aborts the run (timeout, lost heartbeat, preemption, stop).
 *
 *   npm run build && npx tsx examples/agents-subprocess.ts [--seconds 12]
 *
 * The fleet: a persistent monitor that beats at once and every 300 ms and dies after ~2.5 s (restarted with
 * backoff), a job every 2 s (6-field cron with seconds) that cascades into a summarizer, and one
 * that hangs and is killed by its timeout. All children are `node -e` one-liners.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { AgentScheduler, parseFleet, type LaunchHook } from 'drs-toolkit';

/** A bad flag: one line naming it and what is expected, exit code 2 (as `drs` does), never a stack trace. */
function usage(message: string): never {
  console.error(`agents-subprocess: ${message}\nusage: npx tsx examples/agents-subprocess.ts [--seconds S]`);
  process.exit(2);
}
let values: { seconds: string };
try {
  values = parseArgs({ options: { seconds: { type: 'string', default: '12' } } }).values;
} catch (e) {
  usage((e as Error).message);
}
// `--seconds abc` stopped the fleet at once (a NaN timer fires immediately), without a word.
const SECONDS = Number(values.seconds);
if (!(Number.isFinite(SECONDS) && SECONDS > 0)) usage(`--seconds must be a number > 0, got '${values.seconds}'`);
const node = process.execPath;
const fleet = parseFleet({
  config: { max_concurrent_agents: 4, heartbeat_interval: 0.5, heartbeat_misses: 2, agent_timeout_default: 3, restart_backoff: { initial: 0.5, max: 4, factor: 2 }, hook_timeout: 1 },
  agents: [
    { agent_id: 'monitor', lifecycle: 'persistent', priority: 'critical', cpu: 1, exec: { env: 'subprocess', entryPoint: node, args: ['-e', "console.log('heartbeat'); const t=setInterval(()=>console.log('heartbeat'),300); setTimeout(()=>{clearInterval(t); process.exit(1)},2500)"] } },
    { agent_id: 'fetch', cpu: 2, schedule: { cron: '*/2 * * * * *' }, triggers: ['summarize'], exec: { env: 'subprocess', entryPoint: node, args: ['-e', "console.log('heartbeat'); setTimeout(()=>process.exit(0),400)"] }, heartbeat: false },
    { agent_id: 'summarize', cpu: 1, exec: { env: 'subprocess', entryPoint: node, args: ['-e', 'setTimeout(()=>process.exit(0),200)'] }, heartbeat: false },
    { agent_id: 'stuck', cpu: 1, schedule: 'on-demand', timeout: 1.5, exec: { env: 'subprocess', entryPoint: node, args: ['-e', 'setInterval(()=>{},1000)'] }, heartbeat: false },
  ],
});

/** Start `exec.entryPoint` with `exec.args`; stdout lines `heartbeat` are heartbeats. */
const launch: LaunchHook = (ctx) =>
  new Promise((resolve, reject) => {
    const { entryPoint, args = [], environment = {} } = ctx.agent.exec;
    if (entryPoint === undefined) return reject(new Error(`agent ${ctx.agent.id} has no entry point`));
    const child = spawn(entryPoint, [...args], { env: { ...process.env, ...environment, DRS_RUN_ID: ctx.runId }, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.trim() === 'heartbeat') ctx.heartbeat();
    });
    ctx.signal.addEventListener('abort', () => child.kill('SIGTERM'));
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve(undefined) : reject(new Error(signal !== null ? `killed by ${signal}` : `exit code ${code}`))));
  });

const t0 = Date.now();
const agents = new AgentScheduler({
  fleet,
  pools: [{ name: 'local', capacity: { cpu: 8, memory: 16 }, nodes: 1 }],
  launch,
  hooks: { preStart: (ctx) => void ctx.runId, onShutdown: (ctx) => void ctx.outcome },
});
agents.on('state', (e) => console.log(`${((e.at - t0) / 1000).toFixed(2).padStart(6)}s  ${e.runId.padEnd(13)} ${e.from} → ${e.to}${e.reason !== undefined ? `  (${e.reason})` : ''}`));
agents.start();
setTimeout(() => agents.trigger('stuck'), 500);
setTimeout(() => {
  void agents.stop().then(() => {
    console.log('\nstatus at the end:');
    for (const s of agents.status()) console.log(`  ${s.id.padEnd(10)} ${s.state.padEnd(10)} runs ${s.runs}  crashes ${s.crashes}  restarts ${s.restarts}`);
  });
}, SECONDS * 1000);
