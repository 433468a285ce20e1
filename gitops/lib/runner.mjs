/**
 * The workflow runner's side of a task: inputs (INPUT_<NAME> as the runner sets them for an action),
 * step outputs ($GITHUB_OUTPUT), the job summary ($GITHUB_STEP_SUMMARY) and annotations. Outside
 * GitHub (GitLab, a terminal) outputs go to a dotenv file when ACNS_GITOPS_OUTPUT names one and the
 * summary to stdout.
 */
import { appendFileSync } from 'node:fs';

/** A refusal the workflow must stop on: what is wrong, and how to go on. Exit code 1. */
export class Refusal extends Error {
  /** @param {string} reason @param {string} wayOut */
  constructor(reason, wayOut) {
    super(reason);
    this.name = 'Refusal';
    this.wayOut = wayOut;
  }
}

/** Annotation text: the runner reads up to the end of the line, so newlines and % are escaped. */
export function escapeData(s) {
  return String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s) {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `--name value` pairs of a command line (how GitLab jobs pass inputs). */
export function argvInputs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument "${argv[i]}": inputs are given as --name value`);
    if (m[2] !== undefined) out[m[1]] = m[2];
    else out[m[1]] = argv[++i] ?? '';
  }
  return out;
}

/**
 * @param {Record<string, string | undefined>} env
 * @param {{ write(s: string): unknown }} stdout
 * @param {Record<string, string>} given inputs from the command line; they win over INPUT_* variables
 */
export function createRunner(env, stdout = process.stdout, given = {}) {
  const outputs = {};
  return {
    env,
    outputs,
    /** An input by its action name ('max-plan-age'); trimmed; fallback when absent or empty. */
    input(name, fallback = '') {
      const v = given[name] ?? env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
      return v === undefined || v.trim() === '' ? fallback : v.trim();
    },
    setOutput(name, value) {
      const v = String(value);
      outputs[name] = v;
      const file = env.GITHUB_OUTPUT ?? env.ACNS_GITOPS_OUTPUT;
      if (!file) return;
      if (env.GITHUB_OUTPUT) {
        const delim = `acns_${Math.random().toString(36).slice(2)}_eof`;
        appendFileSync(file, `${name}<<${delim}\n${v}\n${delim}\n`);
      } else appendFileSync(file, `${name.toUpperCase().replace(/-/g, '_')}=${v.replace(/\n/g, ' ')}\n`);
    },
    summary(markdown) {
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
      else stdout.write(`${markdown}\n`);
    },
    info(message) {
      stdout.write(`${message}\n`);
    },
    notice(message, title = 'acns') {
      stdout.write(`::notice title=${escapeProperty(title)}::${escapeData(message)}\n`);
    },
    warning(message, title = 'acns') {
      stdout.write(`::warning title=${escapeProperty(title)}::${escapeData(message)}\n`);
    },
    error(message, title = 'acns') {
      stdout.write(`::error title=${escapeProperty(title)}::${escapeData(message)}\n`);
    },
  };
}
