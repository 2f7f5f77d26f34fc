// tracefs-format: parse a tracepoint's `events/<category>/<name>/format` into a typed field layout.

import { ParseError } from '../errors/index.js';
import { closest } from './closest.js';
import { BtfError } from './errors.js';

/** TraceField is one field of a tracepoint record, as the kernel lays it out. */
export interface TraceField {
  name: string;
  /** type is the C type of the field, or of one element for arrays and __data_loc strings. */
  type: string;
  /** offset and size are in bytes from the start of the record. */
  offset: number;
  size: number;
  signed: boolean;
  /** arrayLength is set for arrays: `char comm[16]` → 16, a flexible `args[]` → 0. */
  arrayLength?: number;
  /**
   * dataLoc is set for variable-length fields: the u32 at `offset` holds length << 16 | position,
   * the position counting from the record start (`data_loc`) or from the field's end (`rel_loc`).
   */
  dataLoc?: 'data_loc' | 'rel_loc';
  /** common is true for the common_* header fields every event shares. */
  common: boolean;
}

/** EventFormat is a parsed tracepoint format file. */
export interface EventFormat {
  name: string;
  /** id is the event id perf_event_open takes as `config` for PERF_TYPE_TRACEPOINT. */
  id: number;
  /** commonFields are the common_* fields; fields are the event's own, in record order. */
  commonFields: TraceField[];
  fields: TraceField[];
  printFmt: string;
}

const FIELD_ATTR = /^\s*(offset|size|signed)\s*:\s*(-?\d+)\s*$/;
const DECL = /^(.*?)\s*\b([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([^\]]*?)\s*\])?$/;

/** parseEventFormat parses format text; `file` names it in errors. */
export function parseEventFormat(text: string, file?: string): EventFormat {
  const lines = text.split('\n');
  const fail = (msg: string, line: number, column = 1): never => {
    const pos: { file?: string; line: number; column: number; sourceLine: string } = {
      line: line + 1,
      column,
      // Tabs become single spaces so the caret under `column` lines up.
      sourceLine: (lines[line] ?? '').replace(/\t/g, ' '),
    };
    if (file !== undefined) pos.file = file;
    throw new ParseError(msg, pos);
  };
  let name: string | undefined;
  let id: number | undefined;
  let printFmt = '';
  const commonFields: TraceField[] = [];
  const fields: TraceField[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed === 'format:') continue;
    if (line.startsWith('name:')) {
      name = line.slice(5).trim();
      if (name === '') fail('empty event name', i, 6);
    } else if (line.startsWith('ID:')) {
      const v = line.slice(3).trim();
      if (!/^\d+$/.test(v)) fail(`event ID '${v}' is not a number`, i, 4);
      id = Number(v);
    } else if (line.startsWith('print fmt:')) {
      printFmt = line.slice(10).trim();
    } else if (trimmed.startsWith('field:')) {
      const f = parseField(line, i, fail);
      if (seen.has(f.name)) fail(`field '${f.name}' appears twice`, i, line.indexOf(f.name) + 1);
      seen.add(f.name);
      (f.common ? commonFields : fields).push(f);
    } else {
      fail(
        `unexpected line in tracepoint format: '${trimmed.slice(0, 40)}'`,
        i,
        line.length - line.trimStart().length + 1,
      );
    }
  }
  if (name === undefined) fail("tracepoint format has no 'name:' line", 0);
  if (id === undefined) fail("tracepoint format has no 'ID:' line", 0);
  return { name: name!, id: id!, commonFields, fields, printFmt };
}

function parseField(
  line: string,
  i: number,
  fail: (msg: string, line: number, column?: number) => never,
): TraceField {
  const start = line.indexOf('field:') + 6;
  const parts = line.slice(start).split(';');
  const decl = parts[0]!.trim();
  const attrs: Record<string, number> = {};
  let col = start + parts[0]!.length + 2;
  for (const part of parts.slice(1)) {
    if (part.trim() !== '') {
      const m = FIELD_ATTR.exec(part);
      if (!m) fail(`bad field attribute '${part.trim()}', expected offset:N, size:N or signed:0|1`, i, col);
      attrs[m![1]!] = Number(m![2]);
    }
    col += part.length + 1;
  }
  if (attrs.offset === undefined || attrs.size === undefined)
    fail('field needs offset: and size:', i, start + 1);
  if (attrs.offset! < 0 || attrs.size! < 0) fail('field offset and size must not be negative', i, start + 1);
  let rest = decl;
  let dataLoc: TraceField['dataLoc'];
  const loc = /^__(data|rel)_loc\s+/.exec(rest);
  if (loc) {
    dataLoc = loc[1] === 'data' ? 'data_loc' : 'rel_loc';
    rest = rest.slice(loc[0].length);
  }
  let type: string;
  let fieldName: string;
  let arrayLength: number | undefined;
  // `__data_loc char[] filename` puts the brackets on the type.
  const locDecl = /^(.*?)\s*\[\s*\]\s*([A-Za-z_][A-Za-z0-9_]*)$/.exec(rest);
  if (dataLoc && locDecl) {
    type = locDecl[1]!;
    fieldName = locDecl[2]!;
  } else {
    const m = DECL.exec(rest);
    if (!m || m[1]!.trim() === '') fail(`cannot read a type and name from '${decl}'`, i, start + 1);
    type = m![1]!.trim();
    fieldName = m![2]!;
    const len = m![3];
    if (len !== undefined) {
      if (len === '') arrayLength = 0;
      else if (/^\d+$/.test(len)) arrayLength = Number(len);
      // A symbolic length (an unexpanded macro) stays in the type text.
      else type = `${type}[${len}]`;
    }
  }
  if (type === '') fail(`field '${fieldName}' has no type`, i, start + 1);
  const f: TraceField = {
    name: fieldName,
    type,
    offset: attrs.offset!,
    size: attrs.size!,
    signed: attrs.signed === 1,
    common: fieldName.startsWith('common_'),
  };
  if (arrayLength !== undefined) f.arrayLength = arrayLength;
  if (dataLoc !== undefined) f.dataLoc = dataLoc;
  return f;
}

/** eventField returns a field of `format` by name, with "did you mean" suggestions when missing. */
export function eventField(format: EventFormat, name: string): TraceField {
  const f = format.fields.find((x) => x.name === name) ?? format.commonFields.find((x) => x.name === name);
  if (f) return f;
  throw new BtfError(
    `tracepoint ${format.name} has no field '${name}'`,
    closest(
      name,
      [...format.fields, ...format.commonFields].map((x) => x.name),
    ),
  );
}
