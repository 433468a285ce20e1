/**
 * Reading and parsing a desired-state file: bytes → text → YAML document (the `yaml` library) →
 * plain data (yaml's toJS), with the position of every key and value. Guards against hostile
 * input: size limit, binary content, deep nesting, alias bombs, floods of errors. Never throws;
 * problems come back as diagnostics.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type Alias,
  Composer,
  type Document,
  LineCounter,
  Parser,
  YAMLParseError,
  isAlias,
  isMap,
  isScalar,
  isSeq,
} from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { MAX_PROBLEMS } from './problems.js';
import type { Diagnostic } from './types.js';
import { count } from './words.js';

export interface LinePos {
  line: number;
  col: number;
}

/** Positions by JSON pointer (ajv's instancePath form: '/zones/example.org'). */
export interface PositionIndex {
  /** Where the value at `pointer` starts, or the nearest existing ancestor's. */
  value(pointer: string): LinePos;
  /** Where the key of the entry at `pointer` starts (the value's position for list items). */
  key(pointer: string): LinePos;
  /** Pointer exists in the document. */
  has(pointer: string): boolean;
}

export interface ParsedFile {
  data: unknown;
  positions: PositionIndex;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** The data is incomplete (alias bomb, nesting): later stages would only add noise. */
  fatal: boolean;
  /** Problems found beyond `errors` (a flood of duplicate keys, say): counted, not described. */
  omitted?: number;
}

export type ReadResult = { ok: true; bytes: Buffer } | { ok: false; error: Diagnostic };

/** Files larger than this are refused before being read. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Deepest nesting of mappings/lists accepted (the format needs 4). */
export const MAX_DEPTH = 64;
/** YAML syntax errors reported before the rest are summarised (they cascade). */
export const MAX_SYNTAX_ERRORS = 20;
/** yaml's maxAliasCount: how far aliases may multiply the data (alias bombs). */
export const MAX_ALIAS_COUNT = 10_000;

/** Reads a file as bytes with clear messages for every way that can fail. */
export async function readConfigBytes(file: string, cwd: string): Promise<ReadResult> {
  const full = resolve(cwd, file);
  const fail = (message: string): ReadResult => ({ ok: false, error: { file, line: 1, col: 1, message } });
  try {
    const st = await stat(full);
    if (st.isDirectory()) return fail('is a directory, not a file — pass the YAML file itself, e.g. -c acns.yaml');
    if (!st.isFile()) return fail('is not a regular file — pass a YAML file with -c FILE');
    if (st.size > MAX_FILE_BYTES) {
      return fail(
        `the file is ${(st.size / 1048576).toFixed(1)} MB; acns reads desired-state files up to ` +
          `${MAX_FILE_BYTES / 1048576} MB — check that -c points at the right file`,
      );
    }
    const bytes = await readFile(full);
    if (bytes.length > MAX_FILE_BYTES)
      return fail(`the file grew past ${MAX_FILE_BYTES / 1048576} MB while being read — pass a smaller file`);
    return { ok: true, bytes };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT')
      return fail('file not found — create it (start from examples/minimal.yaml) or pass the right path with -c FILE');
    if (code === 'EACCES' || code === 'EPERM')
      return fail('permission denied reading the file — make it readable (chmod u+r) or run as its owner');
    if (code === 'ENOTDIR') return fail('a part of the path is not a directory — check the path given with -c');
    if (code === 'EISDIR') return fail('is a directory, not a file — pass the YAML file itself');
    return fail(
      `cannot read the file (${code ?? (e instanceof Error ? e.message : String(e))}) — check the path and permissions`,
    );
  }
}

/** Decodes bytes as UTF-8 text, refusing binary or UTF-16 content with a position. */
export function decodeText(
  bytes: Uint8Array,
  file: string,
): { ok: true; text: string } | { ok: false; error: Diagnostic } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, error: { file, line: 1, col: 1, message: 'the file is UTF-16 encoded — save it as UTF-8' } };
  }
  let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nul = text.indexOf('\u0000');
  if (nul >= 0)
    return {
      ok: false,
      error: {
        file,
        ...offsetPos(text, nul),
        message: 'the file contains NUL bytes and looks binary — pass a YAML text file',
      },
    };
  let fatal = false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fatal = true;
  }
  if (fatal) {
    const bad = Math.max(0, text.indexOf('\ufffd'));
    return {
      ok: false,
      error: { file, ...offsetPos(text, bad), message: 'the file is not valid UTF-8 text — save it as UTF-8' },
    };
  }
  return { ok: true, text };
}

/** Parses YAML text into plain data plus positions. */
export function parseYaml(text: string, file: string): ParsedFile {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const lc = new LineCounter();
  const noPositions = new OffsetIndex(lc);
  const deep = flowDepthExceeded(text);
  if (deep !== undefined) {
    errors.push({
      file,
      ...offsetPos(text, deep),
      message: `brackets are nested more than ${MAX_DEPTH} levels deep — this is not an acns file; check the file`,
    });
    return { data: undefined, positions: noPositions, errors, warnings, fatal: true };
  }
  const { doc, strayErrors } = parseQuietly(text, lc);
  errors.push(...capped(doc.errors, strayErrors, lc, file, 'error'));
  warnings.push(...capped(doc.warnings, 0, lc, file, 'warning'));
  if (errors.length) return { data: undefined, positions: noPositions, errors, warnings, fatal: true };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    errors.push({
      file,
      line: 1,
      col: 1,
      message: 'the file is empty — start from examples/minimal.yaml (version: 1, nameserver_sets, zones)',
    });
    return { data: undefined, positions: noPositions, errors, warnings, fatal: true };
  }
  const walk = new Walk(lc, file, errors);
  walk.node(doc.contents as YamlNode, '', 0, 0);
  const omitted = walk.omitted;
  if (walk.fatal) return { data: undefined, positions: walk.positions, errors, warnings, fatal: true, omitted };
  try {
    const data: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return { data, positions: walk.positions, errors, warnings, fatal: false, omitted };
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    errors.push({
      file,
      ...(walk.firstAlias === undefined ? { line: 1, col: 1 } : lc.linePos(walk.firstAlias)),
      message:
        `anchors and aliases expand to too many values (more than ${MAX_ALIAS_COUNT}) — ` +
        'write the values out instead of nesting aliases',
    });
    return { data: undefined, positions: walk.positions, errors, warnings, fatal: true, omitted };
  }
}

/**
 * yaml's parseDocument, driven through its public Parser and Composer so that a flood of syntax
 * errors stays cheap: stray tokens the parser could not place (each would become an error object)
 * are counted, and only the first few reach the composer. The library's own options: YAML 1.2
 * core schema, strict, explicit tags such as !!binary left unresolved (warned about, never turned
 * into objects). Error objects are made without stack traces: a million broken lines make a
 * million of them, and their stacks were most of the memory.
 */
function parseQuietly(text: string, lc: LineCounter): { doc: Document; strayErrors: number } {
  const options = {
    prettyErrors: false,
    strict: true,
    resolveKnownTags: false,
    // yaml compares every new key with every earlier one (quadratic: 20,000 keys take seconds);
    // the walk finds duplicates with one hash lookup per key instead.
    uniqueKeys: false,
  } as const;
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const composer = new Composer(options);
    let doc: Document | undefined;
    let stray = 0;
    let extraDoc: Document | undefined;
    const take = (d: Document) => {
      if (!doc) doc = d;
      else extraDoc ??= d;
    };
    for (const token of new Parser(lc.addNewLine).parse(text)) {
      if (token.type === 'error' && ++stray > MAX_SYNTAX_ERRORS + 1) continue;
      for (const d of composer.next(token)) take(d);
      if (extraDoc) break;
    }
    for (const d of composer.end(true, text.length)) take(d);
    if (!doc) throw new Error('yaml composed no document');
    if (extraDoc) {
      const at = extraDoc.range?.[0] ?? text.length;
      doc.errors.push(new YAMLParseError([at, at + 1], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
    }
    return { doc, strayErrors: Math.max(0, stray - MAX_SYNTAX_ERRORS - 1) };
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

/** The first MAX_SYNTAX_ERRORS of yaml's errors or warnings, then a count of the rest (they cascade). */
function capped(
  list: readonly { message: string; pos: [number, number]; code?: string }[],
  uncounted: number,
  lc: LineCounter,
  file: string,
  kind: 'error' | 'warning',
): Diagnostic[] {
  const sorted = [...list].sort((a, b) => a.pos[0] - b.pos[0]);
  const out = sorted.slice(0, MAX_SYNTAX_ERRORS).map((e) => yamlDiag(file, e, lc, kind));
  const rest = list.length + uncounted - MAX_SYNTAX_ERRORS;
  if (rest > 0) {
    const what = kind === 'error' ? 'YAML syntax error' : 'YAML warning';
    out.push({
      file,
      ...lc.linePos((sorted[MAX_SYNTAX_ERRORS] ?? sorted[sorted.length - 1]!).pos[0]),
      message: `${count(rest, `more ${what}`)} not shown — fix the ones above first`,
    });
  }
  return out;
}

/** 1-based line/column of a character offset. */
export function offsetPos(text: string, offset: number): LinePos {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/** Escapes one JSON-pointer segment the way ajv's instancePath does. */
export function pointerSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * One pass over the document as written (aliases are not followed): records where every key and
 * value starts, and reports what yaml accepts but acns cannot use — duplicate keys, a mapping or
 * list used as a key, aliases without an anchor or pointing inside themselves, deep nesting.
 */
class Walk {
  readonly positions: OffsetIndex;
  fatal = false;
  /** Problems found past the listed ones. */
  omitted = 0;
  private listed = 0;
  /** Offset of the first alias, where an alias bomb is reported. */
  firstAlias: number | undefined;
  /** The latest anchor of each name so far, in document order (what an alias refers to). */
  private readonly anchors = new Map<string, YamlNode>();
  /** Collections on the current path, to catch aliases that point inside themselves. */
  private readonly open = new Set<YamlNode>();

  constructor(
    private readonly lc: LineCounter,
    private readonly file: string,
    private readonly errors: Diagnostic[],
  ) {
    this.positions = new OffsetIndex(lc);
  }

  node(node: YamlNode | null | undefined, pointer: string, keyOffset: number, depth: number): void {
    const offset = node?.range ? node.range[0] : keyOffset;
    this.positions.set(pointer, keyOffset, offset);
    if (node === null || node === undefined) return;
    if (depth > MAX_DEPTH) {
      this.fail(
        offset,
        `values are nested more than ${MAX_DEPTH} levels deep — this is not an acns file; check the file`,
      );
      return;
    }
    if (node.anchor) this.anchors.set(node.anchor, node);
    if (isAlias(node)) {
      this.alias(node, offset);
      return;
    }
    if (!isMap(node) && !isSeq(node)) return;
    this.open.add(node);
    if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const n = item as YamlNode | null;
        this.node(n, `${pointer}/${i}`, n?.range ? n.range[0] : offset, depth + 1);
      });
    } else {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const kNode = pair.key as YamlNode | null;
        const kOffset = kNode?.range ? kNode.range[0] : offset;
        const key = this.keyText(kNode, kOffset);
        if (key === undefined) continue;
        const first = seen.get(key);
        if (first !== undefined) {
          this.report(
            kOffset,
            () =>
              `duplicate key "${key}" (first at line ${this.lc.linePos(first).line}) — ` +
              'each key may appear once; merge the two entries',
          );
          continue;
        }
        seen.set(key, kOffset);
        this.node(pair.value as YamlNode | null, `${pointer}/${pointerSegment(key)}`, kOffset, depth + 1);
      }
    }
    this.open.delete(node);
  }

  private alias(node: Alias, offset: number): void {
    this.firstAlias ??= offset;
    const target = this.anchors.get(node.source);
    if (!target) {
      this.fail(offset, `alias *${node.source} has no matching anchor — define &${node.source} before using it`);
    } else if (this.open.has(target)) {
      this.fail(
        offset,
        `alias *${node.source} refers to a value that contains it — an alias cannot point inside itself; ` +
          'write the value out',
      );
    }
  }

  /** The key as the data will have it ('' for an empty key); undefined when it cannot be a key. */
  private keyText(kNode: YamlNode | null, offset: number): string | undefined {
    let k: YamlNode | undefined = kNode ?? undefined;
    if (k && isAlias(k)) {
      this.alias(k, offset);
      k = this.anchors.get(k.source);
    }
    if (k === undefined) return '';
    if (isScalar(k)) return k.value === null ? '' : String(k.value);
    this.fail(offset, 'a mapping or list is used as a key — keys must be plain names');
    return undefined;
  }

  private fail(offset: number, message: string): void {
    this.fatal = true;
    this.report(offset, () => message);
  }

  /** The walk goes in document order: past MAX_PROBLEMS problems the rest are only counted. */
  private report(offset: number, message: () => string): void {
    if (this.listed >= MAX_PROBLEMS) this.omitted++;
    else {
      this.listed++;
      this.errors.push({ file: this.file, ...this.lc.linePos(offset), message: message() });
    }
  }
}

/**
 * Where keys and values start, by JSON pointer, kept as character offsets (two small integers per
 * entry) and turned into line:col only for the few positions a message needs.
 */
class OffsetIndex implements PositionIndex {
  private readonly slots = new Map<string, number>();
  private readonly keys: number[] = [];
  private readonly values: number[] = [];
  constructor(private readonly lc: LineCounter) {}

  set(pointer: string, keyOffset: number, valueOffset: number): void {
    if (this.slots.has(pointer)) return;
    this.slots.set(pointer, this.keys.length);
    this.keys.push(keyOffset);
    this.values.push(valueOffset);
  }

  value(pointer: string): LinePos {
    const slot = this.nearest(pointer);
    return slot === undefined ? { line: 1, col: 1 } : this.lc.linePos(this.values[slot]!);
  }

  key(pointer: string): LinePos {
    const slot = this.nearest(pointer);
    return slot === undefined ? { line: 1, col: 1 } : this.lc.linePos(this.keys[slot]!);
  }

  has(pointer: string): boolean {
    return this.slots.has(pointer);
  }

  private nearest(pointer: string): number | undefined {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const hit = this.slots.get(p);
      if (hit !== undefined || p === '') return hit;
    }
  }
}

function yamlDiag(
  file: string,
  e: { message: string; pos: [number, number]; code?: string },
  lc: LineCounter,
  kind: 'error' | 'warning',
): Diagnostic {
  const pos = lc.linePos(e.pos[0]);
  if (e.code === 'MULTIPLE_DOCS') {
    return {
      file,
      ...pos,
      message: 'YAML: the file holds more than one document (a --- or ... line) — keep a single YAML document',
    };
  }
  let first = e.message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
  if (first.length > 160) first = `${first.slice(0, 160)}…`;
  const fix =
    kind === 'warning'
      ? 'acns ignores YAML tags; remove it'
      : 'fix the YAML syntax (check indentation, colons and quotes)';
  return { file, line: pos.line, col: pos.col, message: `YAML: ${first} — ${fix}` };
}

/** Offset where [ / { nesting first exceeds MAX_DEPTH (comments skipped), or undefined. */
function flowDepthExceeded(text: string): number | undefined {
  let depth = 0;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (comment) {
      if (c === 10) comment = false;
      continue;
    }
    if (c === 35 /* # */ && (i === 0 || text.charCodeAt(i - 1) <= 32)) comment = true;
    else if (c === 91 || c === 123) {
      if (++depth > MAX_DEPTH) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}
