// ElfFile: a reader for 64-bit little-endian ELF executables and shared libraries — just enough to turn
// a symbol into a file offset (uprobes) and an address back into a symbol (stack symbolisation).

import { DecodeError } from '../errors/index.js';

/** ElfSymbol is one defined symbol from .symtab or .dynsym. */
export interface ElfSymbol {
  name: string;
  /** value is st_value: the symbol's virtual address in the file's own address space. */
  value: bigint;
  size: bigint;
  /** type is STT_*: 0 none, 1 object, 2 func, 10 ifunc. */
  type: number;
  /** bind is STB_*: 0 local, 1 global, 2 weak. */
  bind: number;
  section: number;
}

/** ElfSection is one section header. */
export interface ElfSection {
  name: string;
  type: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** ElfSegment is one program header. */
export interface ElfSegment {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
}

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const PT_LOAD = 1;
export const PF_X = 1;
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
export const STT_FUNC = 2;
export const STT_GNU_IFUNC = 10;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const NT_STAPSDT = 3;

/** UsdtNote is one SystemTap SDT probe from `.note.stapsdt`. */
export interface UsdtNote {
  provider: string;
  name: string;
  /** pc is the probe's virtual address, already moved by any prelink shift of `.stapsdt.base`. */
  pc: bigint;
  /** semaphore is the virtual address of the probe's u16 enable counter, 0n when it has none. */
  semaphore: bigint;
  /** args is the raw argument spec, e.g. `-4@%edi 8@-8(%rbp)`. */
  args: string;
}

/** ElfFile parses headers eagerly and symbol tables on first use. */
export class ElfFile {
  readonly type: number;
  readonly machine: number;
  readonly sections: ElfSection[];
  readonly segments: ElfSegment[];
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #symbols: ElfSymbol[] | undefined;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 64) throw new DecodeError(`not an ELF file: only ${bytes.length} bytes`, 0);
    if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
      throw new DecodeError('not an ELF file: bad magic', 0);
    }
    if (bytes[4] !== 2) throw new DecodeError('only 64-bit ELF files are supported', 4);
    if (bytes[5] !== 1) throw new DecodeError('only little-endian ELF files are supported', 5);
    const v = this.#view;
    this.type = v.getUint16(16, true);
    this.machine = v.getUint16(18, true);
    const phoff = this.#offset(v.getBigUint64(32, true), 32);
    const shoff = this.#offset(v.getBigUint64(40, true), 40);
    const phentsize = v.getUint16(54, true);
    const phnum = v.getUint16(56, true);
    const shentsize = v.getUint16(58, true);
    const shnum = v.getUint16(60, true);
    const shstrndx = v.getUint16(62, true);

    this.segments = [];
    if (phnum > 0) {
      if (phentsize < 56) throw new DecodeError(`program header size ${phentsize} is too small`, 54);
      this.#need(phoff, phentsize * phnum, 'program headers');
      for (let i = 0; i < phnum; i++) {
        const o = phoff + i * phentsize;
        this.segments.push({
          type: v.getUint32(o, true),
          flags: v.getUint32(o + 4, true),
          offset: v.getBigUint64(o + 8, true),
          vaddr: v.getBigUint64(o + 16, true),
          filesz: v.getBigUint64(o + 32, true),
          memsz: v.getBigUint64(o + 40, true),
        });
      }
    }

    const raw: Omit<ElfSection, 'name'>[] = [];
    const nameOffsets: number[] = [];
    if (shnum > 0) {
      if (shentsize < 64) throw new DecodeError(`section header size ${shentsize} is too small`, 58);
      this.#need(shoff, shentsize * shnum, 'section headers');
      for (let i = 0; i < shnum; i++) {
        const o = shoff + i * shentsize;
        nameOffsets.push(v.getUint32(o, true));
        raw.push({
          type: v.getUint32(o + 4, true),
          addr: v.getBigUint64(o + 16, true),
          offset: this.#offset(v.getBigUint64(o + 24, true), o + 24),
          size: this.#offset(v.getBigUint64(o + 32, true), o + 32),
          link: v.getUint32(o + 40, true),
          entsize: this.#offset(v.getBigUint64(o + 56, true), o + 56),
        });
      }
    }
    const strtab = raw[shstrndx];
    this.sections = raw.map((s, i) => ({
      ...s,
      name: strtab && strtab.type !== SHT_NOBITS ? this.#string(strtab, nameOffsets[i] ?? 0) : '',
    }));
  }

  /** symbols lists the defined symbols of .symtab and .dynsym (both: stripped files keep only .dynsym). */
  get symbols(): ElfSymbol[] {
    if (this.#symbols) return this.#symbols;
    const out: ElfSymbol[] = [];
    const seen = new Set<string>();
    for (const sec of this.sections) {
      if (sec.type !== SHT_SYMTAB && sec.type !== SHT_DYNSYM) continue;
      const strtab = this.sections[sec.link];
      if (!strtab) throw new DecodeError(`symbol table ${sec.name} links to missing section ${sec.link}`, 0);
      const entsize = sec.entsize || 24;
      if (entsize < 24) throw new DecodeError(`symbol entry size ${entsize} is too small`, sec.offset);
      this.#need(sec.offset, sec.size, `section ${sec.name}`);
      const v = this.#view;
      for (let o = sec.offset + entsize; o + 24 <= sec.offset + sec.size; o += entsize) {
        const shndx = v.getUint16(o + 6, true);
        if (shndx === 0) continue; // undefined: an import, not a definition
        const info = v.getUint8(o + 4);
        const name = this.#string(strtab, v.getUint32(o, true));
        if (name === '') continue;
        const value = v.getBigUint64(o + 8, true);
        const key = `${name}@${value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          name,
          value,
          size: v.getBigUint64(o + 16, true),
          type: info & 0xf,
          bind: info >> 4,
          section: shndx,
        });
      }
    }
    return (this.#symbols = out);
  }

  /** symbol finds a defined symbol by name ("malloc", or with a version: "malloc@@GLIBC_2.2.5"). */
  symbol(name: string): ElfSymbol | undefined {
    const bare = name.split('@')[0] ?? name;
    let best: ElfSymbol | undefined;
    for (const s of this.symbols) {
      if (s.name !== bare) continue;
      // Prefer functions with an address over aliases and zero-valued entries.
      if (!best || (best.value === 0n && s.value !== 0n)) best = s;
    }
    return best;
  }

  /** usdtNotes lists the SDT probes of `.note.stapsdt`, in file order. */
  usdtNotes(): UsdtNote[] {
    const notes = this.sections.find((x) => x.type === SHT_NOTE && x.name === '.note.stapsdt');
    if (!notes) return [];
    // Notes record the address .stapsdt.base had at link time; prelink may have moved it since.
    const base = this.sections.find((x) => x.name === '.stapsdt.base');
    this.#need(notes.offset, notes.size, 'section .note.stapsdt');
    const v = this.#view;
    const out: UsdtNote[] = [];
    const end = notes.offset + notes.size;
    const pad4 = (n: number) => (n + 3) & ~3;
    for (let o = notes.offset; o + 12 <= end; ) {
      const namesz = v.getUint32(o, true);
      const descsz = v.getUint32(o + 4, true);
      const type = v.getUint32(o + 8, true);
      const desc = o + 12 + pad4(namesz);
      const next = desc + pad4(descsz);
      if (namesz > notes.size || descsz > notes.size || next > end)
        throw new DecodeError(`.note.stapsdt note at ${o} runs past its section`, o);
      o = next;
      if (type !== NT_STAPSDT || descsz < 24) continue;
      let pc = v.getBigUint64(desc, true);
      const linkBase = v.getBigUint64(desc + 8, true);
      const semaphore = v.getBigUint64(desc + 16, true);
      if (base && linkBase !== 0n) pc = (pc + base.addr - linkBase) & 0xffffffffffffffffn;
      const strs: string[] = [];
      let i = desc + 24;
      const descEnd = desc + descsz;
      while (strs.length < 3 && i < descEnd) {
        let j = i;
        while (j < descEnd && this.#bytes[j] !== 0) j++;
        strs.push(decoder.decode(this.#bytes.subarray(i, j)));
        i = j + 1;
      }
      if (strs.length < 2) throw new DecodeError(`.note.stapsdt note at ${desc} has no probe name`, desc);
      out.push({ provider: strs[0]!, name: strs[1]!, pc, semaphore, args: strs[2] ?? '' });
    }
    return out;
  }

  /** fileOffset converts a virtual address to its offset in the file, through the PT_LOAD segments. */
  fileOffset(vaddr: bigint): bigint | undefined {
    for (const seg of this.segments) {
      if (seg.type !== PT_LOAD) continue;
      if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.memsz) return vaddr - seg.vaddr + seg.offset;
    }
    return undefined;
  }

  /**
   * semaphoreOffset converts a usdt semaphore's virtual address to its file offset through the section
   * that holds it (`.probes`, as libbpf does), falling back to the PT_LOAD segments. The uprobe PMU
   * wants this offset as ref_ctr_offset.
   */
  semaphoreOffset(vaddr: bigint): bigint | undefined {
    for (const sec of this.sections) {
      if (sec.type === SHT_NOBITS || sec.addr === 0n) continue;
      if (vaddr >= sec.addr && vaddr < sec.addr + BigInt(sec.size))
        return vaddr - sec.addr + BigInt(sec.offset);
    }
    return this.fileOffset(vaddr);
  }

  /** vaddrOf converts a file offset back to a virtual address (inverse of fileOffset). */
  vaddrOf(offset: bigint): bigint | undefined {
    for (const seg of this.segments) {
      if (seg.type !== PT_LOAD) continue;
      if (offset >= seg.offset && offset < seg.offset + seg.filesz) return offset - seg.offset + seg.vaddr;
    }
    return undefined;
  }

  #offset(value: bigint, at: number): number {
    if (value > BigInt(this.#bytes.length)) {
      throw new DecodeError(`offset ${value} at byte ${at} is past the end of the file`, at);
    }
    return Number(value);
  }

  #need(offset: number, length: number, what: string): void {
    if (offset + length > this.#bytes.length) {
      throw new DecodeError(`${what} (${length} bytes at ${offset}) run past the end of the file`, offset);
    }
  }

  #string(strtab: Omit<ElfSection, 'name'>, index: number): string {
    const start = strtab.offset + index;
    const end = strtab.offset + strtab.size;
    if (index >= strtab.size || end > this.#bytes.length) {
      throw new DecodeError(`string index ${index} is outside its string table`, start);
    }
    let i = start;
    while (i < end && this.#bytes[i] !== 0) i++;
    return decoder.decode(this.#bytes.subarray(start, i));
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });
