import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, UserError } from '../core/errors.js';
import { modelMessage } from '../core/model-ref.js';
import { loadPolicyNetFile } from '../core/policy-net.js';
import { QUEUE_FEATURE_SETS } from '../queue/learned-queue.js';
import { fieldPath, yamlError, yamlLineOf, yamlValue, type YamlIssue } from '../core/yaml-line.js';
import { F1_INIT, parseTrainConfig, QUEUE_FEATURE_CHOICES, REFERENCE_EVAL_WINDOWS, type QueueTrainConfig, type TrainConfig } from './config.js';
import { configFeatures } from './train-queue.js';

/**
 * A training config file (`drs train CONFIG.yaml`): read, checked, and every error located at
 * the config's file, line and field, including errors found later against the data (a window
 * past the log's end) or in the files the config names (its trace, scenario, withBackfilling).
 */

interface ConfigYaml {
  readonly text: string;
  readonly doc: Document;
  readonly lc: LineCounter;
}

function readYaml(file: string): ConfigYaml {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // As drs run names a scenario it cannot read: the file first, then what is wrong with it.
    throw new ConfigError(code === 'ENOENT' ? 'training config not found' : code === 'EISDIR' ? 'is a folder, not a training config' : `cannot read the training config (${code ?? String(e)})`, { file });
  }
  const lc = new LineCounter();
  return { text, doc: parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true }), lc };
}

export function readConfig(file: string): TrainConfig {
  const { text, doc, lc } = readYaml(file);
  const yamlIssue = doc.errors[0] as YamlIssue | undefined;
  if (yamlIssue !== undefined) throw yamlError(text, lc, yamlIssue, file);
  if (doc.contents === null) throw new ConfigError('the file is empty or holds only comments: expected a training config, a mapping of its fields (kind, name, ...; see train/*.yaml)', { file });
  let cfg: TrainConfig;
  try {
    cfg = parseTrainConfig(yamlValue(doc, lc, file), file);
  } catch (e) {
    // The config reader names the field (`train.ranges.0`); the line is the YAML's.
    if (!(e instanceof ConfigError) || e.location.field === undefined || e.location.line !== undefined) throw e;
    const at = e.location.field === '(root)' ? [] : fieldPath(e.location.field);
    throw new ConfigError(e.detail, { ...e.location, line: yamlLineOf(doc, lc, at) });
  }
  // `init: FILE.json` is relative to the config's folder, like every path in a config file; `f1`
  // is F1's order (no file); any other value is a shipped model's name (models/queue/NAME.json),
  // as in a scenario. Read now: a
  // missing or unfitting model is the config's error, not one after the log loads.
  if (cfg.kind !== 'queue' || cfg.init === undefined || cfg.init === F1_INIT) return cfg;
  const init = !cfg.init.endsWith('.json') || path.isAbsolute(cfg.init) ? cfg.init : path.join(path.dirname(file), cfg.init);
  let from;
  try {
    from = loadPolicyNetFile(init, 'queue', configFeatures(cfg));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    throw new ConfigError(initFeaturesMessage(cfg, init, e) ?? modelMessage(e), { file, line: yamlLineOf(doc, lc, ['init']), field: 'init' });
  }
  // Training starts from init's layers, whatever network.hidden says: a written shape it contradicts would be ignored.
  const hidden = from.layers.slice(0, -1).map((l) => l.bias.length);
  if (doc.hasIn(['network', 'hidden']) && JSON.stringify(hidden) !== JSON.stringify(cfg.network.hidden)) {
    throw new ConfigError(`network.hidden is [${cfg.network.hidden.join(', ')}], but init ${cfg.init} has hidden layers [${hidden.join(', ')}] and training starts from its layers: write hidden: [${hidden.join(', ')}] or leave network out`, {
      file,
      line: yamlLineOf(doc, lc, ['network', 'hidden']),
      field: 'network.hidden',
    });
  }
  return { ...cfg, init };
}

/** An init model of another feature list than the config's: which `features:` value the model was trained with (not "retrain the model"). */
function initFeaturesMessage(cfg: QueueTrainConfig, init: string, e: UserError): string | undefined {
  if (e.location.field !== 'features') return undefined;
  let model: readonly string[];
  try {
    model = loadPolicyNetFile(init, 'queue', QUEUE_FEATURE_SETS).features;
  } catch {
    return undefined;
  }
  const fits = QUEUE_FEATURE_CHOICES.find((features) => JSON.stringify(configFeatures({ ...cfg, features })) === JSON.stringify(model));
  if (fits === undefined) return undefined;
  return `init ${cfg.init} uses ${model.length} features (features: ${fits}), but this config trains features: ${cfg.features} (${configFeatures(cfg).length}): write features: ${fits}, or start from another model`;
}

/** `field` (dotted: `a.b[2]`) of the config `file`: its line, and whether the file writes it (else it is a default). */
function locate(file: string, field: string): { line?: number; written: boolean } {
  let y: ConfigYaml;
  try {
    y = readYaml(file);
  } catch {
    return { written: false };
  }
  const at = fieldPath(field);
  return y.doc.hasIn(at) ? { line: yamlLineOf(y.doc, y.lc, at), written: true } : { written: false };
}

/** A ConfigError at `field` of the config `file`, with the field's line. */
export function configErrorAt(file: string, field: string, message: string): ConfigError {
  return new ConfigError(message, { file, line: locate(file, field).line, field });
}

/**
 * An error found against the data (a ConfigError naming a field of the config but no file, such
 * as a window past the log's end) as one of the config `file`, at the field's line. Evaluation
 * windows the file does not write are the defaults: the message says so and what to write.
 */
export function inConfig(e: ConfigError, file: string): ConfigError {
  if (e.location.file !== undefined) return e;
  const field = e.location.field;
  if (field === undefined) return new ConfigError(e.detail, { file });
  const at = locate(file, field);
  if (!at.written && field.startsWith('evaluation.windows')) {
    return new ConfigError(
      `${e.detail}; the config writes no evaluation windows, so these are the defaults (the reference protocol's, starting at jobs ${REFERENCE_EVAL_WINDOWS.join(', ')}): ` +
        'write an `evaluation: { windows: [FIRST JOB, ...], length: JOBS }` block whose windows lie inside the log and miss the training ranges and validation windows, or train with --no-eval',
      { file, field },
    );
  }
  return new ConfigError(e.detail, { file, line: at.line, field });
}

/**
 * A file the config `file` names at `field` (relative to the config's folder): its absolute path,
 * or a ConfigError at that field when it does not exist or is a folder (`what`: what it should be).
 */
export function namedFile(file: string, field: string, value: string, what: string): string {
  const abs = path.resolve(path.dirname(file), value);
  let st;
  try {
    st = statSync(abs, { throwIfNoEntry: false });
  } catch (e) {
    throw configErrorAt(file, field, `cannot read the ${what} ${abs} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (st === undefined) throw configErrorAt(file, field, `the ${what} ${abs} does not exist`);
  if (st.isDirectory()) throw configErrorAt(file, field, `the ${what} ${abs} is a folder`);
  return abs;
}
