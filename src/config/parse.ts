/**
 * Reading and parsing a desired-state file: bytes → text → YAML AST → plain data, with the
 * position of every key and value. Guards against hostile input: size limit, binary content,
 * deep nesting and alias bombs. Never throws; problems come back as diagnostics.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Document, LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Diagnostic } from './types.js';

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
}

export type ReadResult = { ok: true; bytes: Buffer } | { ok: false; error: Diagnostic };

/** Files larger than this are refused before being read. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Deepest nesting of mappings/lists accepted (the format needs 4). */
export const MAX_DEPTH = 64;
/** YAML syntax errors reported before the rest are summarised (they cascade). */
export const MAX_SYNTAX_ERRORS = 20;
/** Nodes that aliases may expand to, in total (alias bombs). */
export const MAX_ALIAS_NODES = 10_000;

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
        `the file is ${(st.size / 1048576).toFixed(1)} MB; acns reads desired-state files up to ${MAX_FILE_BYTES / 1048576} MB — check that -c points at the right file`,
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
  const index = new Map<string, { key: LinePos; value: LinePos }>();
  const positions = makeIndex(index);
  const deep = flowDepthExceeded(text);
  if (deep !== undefined) {
    errors.push({
      file,
      ...offsetPos(text, deep),
      message: `brackets are nested more than ${MAX_DEPTH} levels deep — this is not an acns file; check the file`,
    });
    return { data: undefined, positions, errors, warnings, fatal: true };
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false, strict: true });
  for (const e of doc.errors.slice(0, MAX_SYNTAX_ERRORS)) errors.push(yamlDiag(file, e, lc, 'error'));
  if (doc.errors.length > MAX_SYNTAX_ERRORS) {
    const last = lc.linePos(doc.errors[MAX_SYNTAX_ERRORS].pos[0]);
    errors.push({
      file,
      ...last,
      message: `${doc.errors.length - MAX_SYNTAX_ERRORS} more YAML syntax error${doc.errors.length - MAX_SYNTAX_ERRORS === 1 ? '' : 's'} not shown — fix the ones above first`,
    });
  }
  for (const w of doc.warnings) warnings.push(yamlDiag(file, w, lc, 'warning'));
  if (errors.length) return { data: undefined, positions, errors, warnings, fatal: true };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    errors.push({
      file,
      line: 1,
      col: 1,
      message: 'the file is empty — start from examples/minimal.yaml (version: 1, nameserver_sets, zones)',
    });
    return { data: undefined, positions, errors, warnings, fatal: true };
  }
  const conv = new Converter(doc, lc, file, index, errors);
  const data = conv.convert(doc.contents as YamlNode, '', 0, { line: 1, col: 1 });
  return { data, positions, errors, warnings, fatal: conv.fatal };
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

class Converter {
  private aliasNodes = 0;
  private aliasReported = false;
  /** Collections on the current path, to catch aliases that point inside themselves. */
  private readonly active = new Set<YamlNode>();
  /** Set when a value had to be dropped (alias bomb, nesting, complex key). */
  fatal = false;
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly file: string,
    private readonly index: Map<string, { key: LinePos; value: LinePos }>,
    private readonly errors: Diagnostic[],
  ) {}

  convert(
    node: YamlNode | null | undefined,
    pointer: string,
    depth: number,
    keyPos: LinePos,
    viaAlias = false,
  ): unknown {
    const pos = node?.range ? this.lc.linePos(node.range[0]) : keyPos;
    if (!viaAlias && !this.index.has(pointer)) this.index.set(pointer, { key: keyPos, value: pos });
    if (node === null || node === undefined) return null;
    if (viaAlias && ++this.aliasNodes > MAX_ALIAS_NODES) {
      this.fatal = true;
      if (!this.aliasReported) {
        this.aliasReported = true;
        this.errors.push({
          file: this.file,
          ...pos,
          message: `anchors and aliases expand to more than ${MAX_ALIAS_NODES} values — write the values out instead of nesting aliases`,
        });
      }
      return null;
    }
    if (depth > MAX_DEPTH) {
      this.fatal = true;
      this.errors.push({
        file: this.file,
        ...pos,
        message: `values are nested more than ${MAX_DEPTH} levels deep — this is not an acns file; check the file`,
      });
      return null;
    }
    if (isAlias(node)) {
      let target: YamlNode | undefined;
      try {
        target = node.resolve(this.doc) as YamlNode | undefined;
      } catch {
        target = undefined;
      }
      if (target && this.active.has(target)) {
        this.fatal = true;
        this.errors.push({
          file: this.file,
          ...pos,
          message: `alias *${node.source} refers to a value that contains it — an alias cannot point inside itself; write the value out`,
        });
        return null;
      }
      if (!target) {
        this.fatal = true;
        this.errors.push({
          file: this.file,
          ...pos,
          message: `alias *${node.source} has no matching anchor — define &${node.source} before using it`,
        });
        return null;
      }
      this.active.add(target);
      try {
        return this.convert(target, pointer, depth + 1, keyPos, true);
      } finally {
        this.active.delete(target);
      }
    }
    if (isScalar(node)) {
      const v = node.value;
      return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
    }
    if (isSeq(node) || isMap(node)) this.active.add(node);
    try {
      return this.collection(node, pointer, depth, pos, viaAlias);
    } finally {
      this.active.delete(node);
    }
  }

  private collection(node: YamlNode, pointer: string, depth: number, pos: LinePos, viaAlias: boolean): unknown {
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const p = `${pointer}/${i}`;
        const ip = isNodeWithRange(item) ? this.lc.linePos(item.range![0]) : pos;
        return this.convert(item as YamlNode, p, depth + 1, ip, viaAlias);
      });
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Map<string, LinePos>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const kNode = pair.key as YamlNode | null;
        const kPos = kNode?.range ? this.lc.linePos(kNode.range[0]) : pos;
        const key = this.keyText(kNode, kPos);
        if (key === undefined) continue;
        const prev = seen.get(key);
        if (prev) {
          if (!viaAlias) {
            this.errors.push({
              file: this.file,
              ...kPos,
              message: `duplicate key "${key}" (first at line ${prev.line}) — each key may appear once; merge the two entries`,
            });
          }
          continue;
        }
        seen.set(key, kPos);
        const value = this.convert(
          pair.value as YamlNode | null,
          `${pointer}/${pointerSegment(key)}`,
          depth + 1,
          kPos,
          viaAlias,
        );
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return null;
  }

  private keyText(kNode: YamlNode | null, kPos: LinePos): string | undefined {
    let k: unknown = kNode;
    if (isAlias(k)) {
      try {
        k = k.resolve(this.doc);
      } catch {
        k = undefined;
      }
    }
    if (k === null || k === undefined) return '';
    if (isScalar(k)) return k.value === null ? '' : String(k.value);
    this.fatal = true;
    this.errors.push({
      file: this.file,
      ...kPos,
      message: 'a mapping or list is used as a key — keys must be plain names',
    });
    return undefined;
  }
}

function isNodeWithRange(n: unknown): n is YamlNode {
  return typeof n === 'object' && n !== null && Array.isArray((n as YamlNode).range);
}

function makeIndex(index: Map<string, { key: LinePos; value: LinePos }>): PositionIndex {
  const nearest = (pointer: string) => {
    for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const hit = index.get(p);
      if (hit) return hit;
      if (p === '') return { key: { line: 1, col: 1 }, value: { line: 1, col: 1 } };
    }
  };
  return {
    value: (p) => nearest(p).value,
    key: (p) => nearest(p).key,
    has: (p) => index.has(p),
  };
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
