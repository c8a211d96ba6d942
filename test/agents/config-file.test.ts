import { describe, expect, it } from 'vitest';
import { loadFleetFile } from '../../src/agents/config.js';
import { tmpFile } from '../cli/helpers.js';

/*
 * `loadFleetFile(fleet, scheduler_config.yaml)`: the kOS config file fills the fleet's `config`.
 * It used to replace it: a `config` written in the fleet file (our `timezone`, `restart_backoff`,
 * `hook_timeout`, which kOS's file does not have) was dropped without a word, and every cron
 * schedule fired in UTC instead of Europe/Berlin.
 */
describe('a fleet file with a kOS scheduler_config.yaml beside it', () => {
  const kos = 'max_concurrent_agents: 12\nscheduler_mode: fifo\nheartbeat_interval: 5\n';

  it("keeps the fleet file's own config keys beside the config file's", () => {
    const fleet = tmpFile('fleet-tz.yaml', "config:\n  timezone: Europe/Berlin\n  restart_backoff: { initial: 2s, max: 1m }\nagents:\n  - { id: a, cpu: 1, schedule: { cron: '0 2 * * *' } }\n");
    const cfg = tmpFile('scheduler_config-tz.yaml', kos);
    const f = loadFleetFile(fleet, cfg);
    expect(f.config).toMatchObject({ timezone: 'Europe/Berlin', backoff: { initialMs: 2000, maxMs: 60_000, factor: 2 }, maxConcurrentAgents: 12, mode: 'fifo', heartbeatIntervalMs: 5000 });
    expect(f.agents[0]?.schedules).toEqual([{ kind: 'cron', cron: '0 2 * * *', timezone: 'Europe/Berlin' }]);
  });

  it('refuses a key set in both files, naming the config file\'s line and the fleet file\'s', () => {
    const fleet = tmpFile('fleet-both.yaml', 'config:\n  timezone: Europe/Berlin\n  max_concurrent_agents: 4\nagents:\n  - { id: a, cpu: 1 }\n');
    const cfg = tmpFile('scheduler_config-both.yaml', kos);
    expect(() => loadFleetFile(fleet, cfg)).toThrow(
      `${cfg}:1, field 'config.max_concurrent_agents': set here (12) and in ${fleet}:3 (4): keep it in one of the two files`,
    );
  });

  it("names the right file for a bad key: the fleet file's config or the config file", () => {
    const fleet = tmpFile('fleet-bad.yaml', 'config:\n  timezone: Mars/Olympus\nagents:\n  - { id: a, cpu: 1 }\n');
    const cfg = tmpFile('scheduler_config-ok.yaml', kos);
    expect(() => loadFleetFile(fleet, cfg)).toThrow(`${fleet}:2, field 'config.timezone': invalid time zone "Mars/Olympus"`);
    const ok = tmpFile('fleet-ok.yaml', 'config:\n  timezone: Europe/Berlin\nagents:\n  - { id: a, cpu: 1 }\n');
    const bad = tmpFile('scheduler_config-bad.yaml', 'max_concurrent_agents: 12\nscheduler_mode: random\n');
    expect(() => loadFleetFile(ok, bad)).toThrow(`${bad}:2, field 'config.scheduler_mode'`);
  });

  it('a config file that is not a mapping is named as the config file', () => {
    const fleet = tmpFile('fleet-plain.yaml', 'config:\n  timezone: Europe/Berlin\nagents:\n  - { id: a, cpu: 1 }\n');
    const cfg = tmpFile('scheduler_config-list.yaml', '- max_concurrent_agents: 12\n');
    expect(() => loadFleetFile(fleet, cfg)).toThrow(`${cfg}:1, field 'config'`);
  });

  it('an empty config file leaves the fleet file\'s config as it is', () => {
    const fleet = tmpFile('fleet-empty-cfg.yaml', 'config:\n  timezone: Europe/Berlin\nagents:\n  - { id: a, cpu: 1 }\n');
    const cfg = tmpFile('scheduler_config-empty.yaml', '# nothing yet\n');
    expect(loadFleetFile(fleet, cfg).config.timezone).toBe('Europe/Berlin');
  });
});

describe('a fleet file whose own config is no mapping, with a config file beside it', () => {
  it('is named as the fleet file', () => {
    const fleet = tmpFile('fleet-config-5.yaml', 'agents:\n  - { id: a, cpu: 1 }\nconfig: 5\n');
    const cfg = tmpFile('scheduler_config-5.yaml', 'max_concurrent_agents: 12\n');
    expect(() => loadFleetFile(fleet, cfg)).toThrow(`${fleet}:3, field 'config'`);
  });
});
