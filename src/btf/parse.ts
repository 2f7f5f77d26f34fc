// parse: the BTF header, string section and a lazy type table (one word offset per type id), built in
// one pass over the type section without decoding any type.

import { DecodeError } from '../errors/index.js';
import { BTF_HEADER_SIZE, BTF_MAGIC, extraWords, kindNames } from './kinds.js';

/** BtfHeader is struct btf_header; section offsets are relative to the end of the header. */
export interface BtfHeader {
  version: number;
  flags: number;
  hdrLen: number;
  typeOff: number;
  typeLen: number;
  strOff: number;
  strLen: number;
  littleEndian: boolean;
}

/** RawBtf is one blob's sections: the type section as native-order words and the string bytes. */
export interface RawBtf {
  header: BtfHeader;
  /** words is the type section, byte-swapped to host order if needed. */
  words: Uint32Array;
  /** offsets[i] is the word index of this blob's i-th type (type id firstId + i). */
  offsets: Uint32Array;
  /** nameOffs[i] is the name's string offset of the i-th type, contiguous so name lookups scan fast. */
  nameOffs: Uint32Array;
  strings: Uint8Array;
}

/** parseHeader validates struct btf_header and the section bounds. */
export function parseHeader(bytes: Uint8Array): BtfHeader {
  if (bytes.length < BTF_HEADER_SIZE) {
    throw new DecodeError(`BTF is ${bytes.length} bytes, shorter than its ${BTF_HEADER_SIZE}-byte header`, 0);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  if (view.getUint16(0, true) === BTF_MAGIC) le = true;
  else if (view.getUint16(0, false) === BTF_MAGIC) le = false;
  else {
    const magic = view.getUint16(0, true).toString(16).padStart(4, '0');
    throw new DecodeError(`not BTF: magic is 0x${magic}, want 0xeb9f`, 0);
  }
  const h: BtfHeader = {
    version: view.getUint8(2),
    flags: view.getUint8(3),
    hdrLen: view.getUint32(4, le),
    typeOff: view.getUint32(8, le),
    typeLen: view.getUint32(12, le),
    strOff: view.getUint32(16, le),
    strLen: view.getUint32(20, le),
    littleEndian: le,
  };
  if (h.version !== 1) throw new DecodeError(`unsupported BTF version ${h.version}`, 2);
  if (h.hdrLen < BTF_HEADER_SIZE || h.hdrLen > bytes.length) {
    throw new DecodeError(`BTF header length ${h.hdrLen} is outside the ${bytes.length}-byte blob`, 4);
  }
  const data = bytes.length - h.hdrLen;
  if (h.typeOff % 4 !== 0 || h.typeLen % 4 !== 0) {
    throw new DecodeError(
      `BTF type section (offset ${h.typeOff}, length ${h.typeLen}) is not 4-byte aligned`,
      8,
    );
  }
  if (h.typeOff + h.typeLen > data) {
    throw new DecodeError(
      `BTF type section ends at ${h.typeOff + h.typeLen}, past the data (${data} bytes)`,
      8,
    );
  }
  if (h.strOff + h.strLen > data) {
    throw new DecodeError(
      `BTF string section ends at ${h.strOff + h.strLen}, past the data (${data} bytes)`,
      16,
    );
  }
  if (h.strOff < h.typeOff + h.typeLen && h.typeOff < h.strOff + h.strLen) {
    throw new DecodeError('BTF type and string sections overlap', 16);
  }
  return h;
}

/** parseRaw reads the header, copies the type section into aligned words and indexes every type. */
export function parseRaw(bytes: Uint8Array): RawBtf {
  const header = parseHeader(bytes);
  const typeStart = bytes.byteOffset + header.hdrLen + header.typeOff;
  // Copy so the words are 4-byte aligned whatever the caller's buffer; it costs ~1 ms for vmlinux.
  const words = new Uint32Array(header.typeLen / 4);
  new Uint8Array(words.buffer).set(new Uint8Array(bytes.buffer, typeStart, header.typeLen));
  if (!header.littleEndian) swapWords(words);
  const strStart = header.hdrLen + header.strOff;
  // A copy, so the caller's buffer (the whole file) is not kept alive by the strings.
  const strings = Uint8Array.prototype.slice.call(bytes, strStart, strStart + header.strLen);
  if (strings.length > 0 && strings[strings.length - 1] !== 0) {
    throw new DecodeError('BTF string section does not end with a NUL byte', strStart + strings.length - 1);
  }
  const offsets = indexTypes(words, header.hdrLen + header.typeOff);
  const nameOffs = new Uint32Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) nameOffs[i] = words[offsets[i]!]!;
  return { header, words, offsets, nameOffs, strings };
}

/** indexTypes walks the type section once, recording where each type starts. */
export function indexTypes(words: Uint32Array, byteBase = 0): Uint32Array {
  // A type takes at least 3 words, so this bounds the count without a second pass.
  const offsets = new Uint32Array(Math.floor(words.length / 3) + 1);
  let n = 0;
  let w = 0;
  const len = words.length;
  while (w < len) {
    if (w + 3 > len) throw new DecodeError('BTF type section ends inside a type', byteBase + w * 4);
    const info = words[w + 1]!;
    const kind = (info >>> 24) & 0x1f;
    const extra = extraWords(kind, info & 0xffff);
    if (extra < 0) throw new DecodeError(`unknown BTF kind ${kind} (type #${n + 1})`, byteBase + w * 4 + 4);
    offsets[n++] = w;
    w += 3 + extra;
    if (w > len) {
      throw new DecodeError(`BTF ${kindNames[kind]} type #${n} runs past the type section`, byteBase + w * 4);
    }
  }
  return offsets.slice(0, n);
}

function swapWords(words: Uint32Array): void {
  for (let i = 0; i < words.length; i++) {
    const v = words[i]!;
    words[i] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  }
}
