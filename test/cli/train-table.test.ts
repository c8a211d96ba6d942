import { describe, expect, it } from 'vitest';
import { queueEvaluationTable } from '../../src/cli/train-output.js';
import type { QueueEvaluation } from '../../src/learn/evaluate.js';

const evaluation: QueueEvaluation = {
  trace: '/data/swf/log.swf.gz',
  windows: [0, 300],
  length: 256,
  meanBoundedSlowdown: {
    'learned-queue:x': { none: 148, easy: 33 },
    fcfs: { none: 1000, easy: 40 },
    sjf: { none: 200, easy: 30 },
    f1: { none: 160, easy: 36 },
  },
  perWindow: {},
};

describe('the table drs train prints after a queue model evaluation', () => {
  const lines = queueEvaluationTable(evaluation, 'models/queue/x.json').split('\n');
  const row = (name: string): string[] => (lines.find((l) => l.startsWith(`${name} `)) ?? '').trim().split(/\s{2,}/);

  it('names the log, the windows and where the per-window figures are', () => {
    expect(lines[0]).toBe('evaluation on log.swf.gz: 2 window(s) of 256 jobs starting at job 0, 300 (never trained or selected on); mean bounded slowdown');
    expect(lines.at(-2)).toBe('per window: evaluation.perWindow in models/queue/x.json');
  });

  it('gives each policy its mean and its difference from the best classical order, per backfilling mode', () => {
    // Hand-checked: best classical without backfilling is F1 (160), with EASY SJF (30).
    expect(row('learned-queue:x')).toEqual(['learned-queue:x', '148.00', '-7.5%', '33.00', '+10.0%']);
    expect(row('fcfs')).toEqual(['fcfs', '1000.00', '+525.0%', '40.00', '+33.3%']);
    expect(row('sjf')).toEqual(['sjf', '200.00', '+25.0%', '30.00', '0.0%']);
    expect(row('f1')).toEqual(['f1', '160.00', '0.0%', '36.00', '+20.0%']);
  });
});
