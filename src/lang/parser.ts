// Recursive-descent parser for the bpftrace language: probes, predicates, statements and C-precedence
// expressions, each node carrying its source offset.

import type * as A from './ast.js';
import { Source } from './diagnostics.js';
import { Lexer, type Token } from './lexer.js';

const INT_TYPES = new Set([
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'int',
  'uint',
  'char',
  'bool',
  'void',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
]);

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

// Binary operator precedence, loosest first (C's).
const BINARY_LEVELS: A.BinaryOp[][] = [
  ['||'],
  ['&&'],
  ['|'],
  ['^'],
  ['&'],
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['<<', '>>'],
  ['+', '-'],
  ['*', '/', '%'],
];

/** MAX_DEPTH bounds nesting so hostile input fails with an error instead of a stack overflow. */
const MAX_DEPTH = 200;
/** MAX_CHAIN bounds the operators of one expression (a left-deep tree) for the same reason. */
const MAX_CHAIN = 1000;

/** parse turns a script into its syntax tree, or throws a ParseError pointing at the mistake. */
export function parse(text: string, file = 'stdin'): A.Program {
  return new Parser(new Source(text, file)).program();
}

/** parseSource is parse for an existing Source (so later diagnostics share it). */
export function parseSource(source: Source): A.Program {
  return new Parser(source).program();
}

class Parser {
  private readonly lx: Lexer;
  private tok: Token;
  // In a predicate `/.../`, a bare `/` ends it; parentheses make division available again.
  private predicateDepth = -1;
  private parenDepth = 0;
  private depth = 0;
  private chain = 0;

  constructor(private readonly src: Source) {
    this.lx = new Lexer(src);
    this.tok = this.lx.next();
  }

  program(): A.Program {
    const prog: A.Program = { probes: [], config: new Map(), structDefs: [] };
    for (;;) {
      this.lx.pos = this.tok.pos;
      this.lx.skipTrivia();
      const rest = this.src.text.slice(this.lx.pos, this.lx.pos + 200);
      if (this.lx.pos >= this.src.text.length) break;
      if (/^config\s*=/.test(rest)) {
        this.tok = this.lx.next();
        this.config(prog.config);
        continue;
      }
      if (/^(struct|union|enum)\s+\w+\s*\{/.test(rest)) {
        prog.structDefs.push(this.skipStructDef());
        continue;
      }
      prog.probes.push(this.probe());
    }
    if (prog.probes.length === 0) {
      throw this.src.error(
        this.src.text.length,
        'the program has no probes',
        'e.g. BEGIN { printf("hello\\n"); }',
      );
    }
    return prog;
  }

  private config(out: Map<string, string | bigint>): void {
    this.advance(); // config
    this.expect('=');
    this.expect('{');
    while (!this.is('}')) {
      const key = this.expectKind('ident', 'a config key');
      this.expect('=');
      const v = this.tok;
      if (v.kind === 'int') out.set(key.text, v.value!);
      else if (v.kind === 'str' || v.kind === 'ident') out.set(key.text, v.text);
      else throw this.src.error(v.pos, 'expected a config value');
      this.advance();
      if (!this.accept(';')) break;
    }
    this.expect('}');
  }

  private skipStructDef(): string {
    const start = this.lx.pos;
    const open = this.src.text.indexOf('{', start);
    let depth = 0;
    let i = open;
    for (; i < this.src.text.length; i++) {
      const c = this.src.text[i];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    if (depth !== 0) throw this.src.error(open, "unclosed '{' in struct definition");
    this.lx.pos = i + 1;
    this.tok = this.lx.next();
    this.accept(';');
    return this.src.text.slice(start, i + 1);
  }

  private probe(): A.Probe {
    const attachPoints: A.AttachPoint[] = [];
    this.lx.pos = this.tok.pos;
    const pos = this.tok.pos;
    for (;;) {
      const spec = this.lx.probeSpec();
      if (spec.text === '') {
        this.tok = this.lx.next();
        throw this.src.error(
          spec.pos,
          this.tok.kind === 'eof' ? 'expected a probe' : `expected a probe, found '${this.tok.text}'`,
        );
      }
      attachPoints.push({ pos: spec.pos, text: spec.text });
      this.tok = this.lx.next();
      if (!this.is(',')) break;
      this.lx.pos = this.tok.end;
    }
    let predicate: A.Expr | undefined;
    if (this.is('/')) {
      this.advance();
      const savedPred = this.predicateDepth;
      const savedParen = this.parenDepth;
      this.predicateDepth = this.parenDepth = 0;
      predicate = this.expr();
      this.predicateDepth = savedPred;
      this.parenDepth = savedParen;
      this.expect('/');
    }
    if (!this.is('{')) {
      throw this.src.error(
        this.tok.pos,
        `expected '{' to start the probe body, found ${this.describe(this.tok)}`,
      );
    }
    const body = this.block();
    return { pos, attachPoints, predicate, body };
  }

  private block(): A.Stmt[] {
    this.expect('{');
    this.enter();
    const stmts: A.Stmt[] = [];
    while (!this.is('}')) {
      if (this.tok.kind === 'eof') throw this.src.error(this.tok.pos, "missing '}' at end of input");
      if (this.accept(';')) continue;
      const s = this.stmt();
      stmts.push(s);
      if (this.is('}')) break;
      const blocky = s.kind === 'if' || s.kind === 'unroll' || s.kind === 'while' || s.kind === 'block';
      if (this.atEof()) throw this.src.error(this.tok.pos, "missing '}' at end of input");
      if (!blocky && !this.accept(';')) {
        throw this.src.error(
          this.tok.pos,
          `expected ';' or '}' after the statement, found ${this.describe(this.tok)}`,
        );
      }
    }
    this.depth--;
    this.advance();
    return stmts;
  }

  private stmt(): A.Stmt {
    const t = this.tok;
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'if':
          return this.ifStmt();
        case 'unroll': {
          this.advance();
          this.expect('(');
          const count = this.expr();
          this.expect(')');
          return { kind: 'unroll', pos: t.pos, count, body: this.block() };
        }
        case 'while': {
          this.advance();
          this.expect('(');
          const cond = this.expr();
          this.expect(')');
          return { kind: 'while', pos: t.pos, cond, body: this.block() };
        }
        case 'return':
        case 'break':
        case 'continue':
          this.advance();
          return { kind: 'jump', pos: t.pos, what: t.text };
      }
    }
    if (this.is('{')) return { kind: 'block', pos: t.pos, body: this.block() };
    const e = this.expr();
    if (this.tok.kind === 'punct' && ASSIGN_OPS.has(this.tok.text)) {
      const opTok = this.tok;
      if (e.kind !== 'var' && e.kind !== 'map') {
        throw this.src.error(
          opTok.pos,
          `cannot assign to this expression; only $variables and @maps can be assigned`,
        );
      }
      this.advance();
      const value = this.expr();
      return { kind: 'assign', pos: e.pos, target: e, op: opTok.text as A.AssignOp, value };
    }
    return { kind: 'expr', pos: e.pos, expr: e };
  }

  private ifStmt(): A.IfStmt {
    const pos = this.tok.pos;
    this.advance();
    this.expect('(');
    const cond = this.expr();
    this.expect(')');
    const then = this.block();
    let els: A.Stmt[] | undefined;
    if (this.isWord('else')) {
      this.advance();
      if (this.isWord('if')) els = [this.ifStmt()];
      else els = this.block();
    }
    return { kind: 'if', pos, cond, then, else: els };
  }

  expr(): A.Expr {
    this.enter();
    const e = this.ternary();
    this.depth--;
    return e;
  }

  private ternary(): A.Expr {
    const cond = this.binary(0);
    if (!this.is('?')) return cond;
    this.advance();
    const then = this.ternary();
    this.expect(':');
    const els = this.ternary();
    return { kind: 'ternary', pos: cond.pos, cond, then, else: els };
  }

  private binary(level: number): A.Expr {
    const ops = BINARY_LEVELS[level];
    if (ops === undefined) return this.unary();
    let left = this.binary(level + 1);
    // Each operator of a chain (1 + 1 + …) nests the tree one level deeper, which the recursive
    // passes after the parser must survive: bound it too.
    const chain = this.chain;
    try {
      for (;;) {
        const t = this.tok;
        if (t.kind !== 'punct' || !ops.includes(t.text as A.BinaryOp)) return left;
        if (t.text === '/' && this.predicateDepth === this.parenDepth) return left;
        if (++this.chain > MAX_CHAIN)
          throw this.src.error(t.pos, `the expression is too long (more than ${MAX_CHAIN} operators)`);
        this.advance();
        const right = this.binary(level + 1);
        left = { kind: 'binary', pos: left.pos, op: t.text as A.BinaryOp, left, right };
      }
    } finally {
      this.chain = chain;
    }
  }

  private unary(): A.Expr {
    const t = this.tok;
    if (t.kind === 'punct') {
      if (t.text === '!' || t.text === '~' || t.text === '-' || t.text === '*' || t.text === '&') {
        this.advance();
        this.enter();
        const operand = this.unary();
        this.depth--;
        return { kind: 'unary', pos: t.pos, op: t.text, operand };
      }
      if (t.text === '+') {
        this.advance();
        this.enter();
        const operand = this.unary();
        this.depth--;
        return operand;
      }
      if (t.text === '++' || t.text === '--') {
        this.advance();
        this.enter();
        const target = this.unary();
        this.depth--;
        if (target.kind !== 'var' && target.kind !== 'map') {
          throw this.src.error(target.pos, `'${t.text}' needs a $variable or @map`);
        }
        return { kind: 'incdec', pos: t.pos, op: t.text, prefix: true, target };
      }
      if (t.text === '(') {
        const type = this.tryTypeInParens();
        if (type) {
          this.enter();
          const operand = this.unary();
          this.depth--;
          return { kind: 'cast', pos: t.pos, type, operand };
        }
      }
    }
    return this.postfix(this.primary());
  }

  /** tryTypeInParens parses `(type)` when the parenthesis holds a type name, else leaves the input. */
  private tryTypeInParens(): A.TypeName | undefined {
    const savedPos = this.lx.pos;
    const savedTok = this.tok;
    this.advance(); // (
    const type = this.typeName(true);
    if (type && this.is(')')) {
      this.advance();
      return type;
    }
    this.lx.pos = savedPos;
    this.tok = savedTok;
    return undefined;
  }

  private typeName(optional: boolean): A.TypeName | undefined {
    const t = this.tok;
    if (t.kind !== 'ident') {
      if (optional) return undefined;
      throw this.src.error(t.pos, `expected a type, found ${this.describe(t)}`);
    }
    let name: string;
    if (t.text === 'struct' || t.text === 'union' || t.text === 'enum') {
      this.advance();
      const n = this.tok;
      if (n.kind !== 'ident') {
        if (optional) return undefined;
        throw this.src.error(n.pos, `expected a ${t.text} name`);
      }
      name = `${t.text} ${n.text}`;
      this.advance();
    } else if (INT_TYPES.has(t.text) || t.text === 'unsigned' || t.text === 'signed') {
      name = t.text;
      this.advance();
      if (
        (name === 'unsigned' || name === 'signed') &&
        this.tok.kind === 'ident' &&
        INT_TYPES.has(this.tok.text)
      ) {
        name = `${name} ${this.tok.text}`;
        this.advance();
      }
    } else {
      if (optional) return undefined;
      throw this.src.error(t.pos, `unknown type '${t.text}'`);
    }
    let pointer = 0;
    while (this.is('*')) {
      pointer++;
      this.advance();
    }
    return { pos: t.pos, name, pointer };
  }

  private primary(): A.Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'int':
        this.advance();
        return { kind: 'int', pos: t.pos, value: t.value! };
      case 'str': {
        this.advance();
        // Adjacent literals concatenate, as in C.
        let value = t.text;
        while (this.tok.kind === 'str') {
          value += this.tok.text;
          this.advance();
        }
        return { kind: 'str', pos: t.pos, value };
      }
      case 'var':
        this.advance();
        return { kind: 'var', pos: t.pos, name: t.text };
      case 'param':
        this.advance();
        return { kind: 'param', pos: t.pos, index: t.text === '#' ? -1 : Number(t.text) };
      case 'map': {
        this.advance();
        const keys: A.Expr[] = [];
        if (this.is('[')) {
          this.advance();
          this.nest(() => {
            keys.push(this.expr());
            while (this.accept(',')) keys.push(this.expr());
          });
          this.expect(']');
        }
        return { kind: 'map', pos: t.pos, name: `@${t.text}`, keys };
      }
      case 'ident': {
        this.advance();
        if (t.text === 'sizeof' && this.is('(')) {
          this.advance();
          const type = this.typeName(true);
          let node: A.SizeofExpr;
          if (type) node = { kind: 'sizeof', pos: t.pos, type };
          else node = { kind: 'sizeof', pos: t.pos, expr: this.nest(() => this.expr()) };
          this.expect(')');
          return node;
        }
        if (this.is('(')) {
          this.advance();
          const args: A.Expr[] = [];
          if (!this.is(')')) {
            this.nest(() => {
              args.push(this.expr());
              while (this.accept(',')) args.push(this.expr());
            });
          }
          this.expect(')');
          return { kind: 'call', pos: t.pos, name: t.text, args };
        }
        if (['if', 'else', 'while', 'unroll', 'return', 'struct'].includes(t.text)) {
          throw this.src.error(t.pos, `unexpected keyword '${t.text}' in an expression`);
        }
        return { kind: 'builtin', pos: t.pos, name: t.text };
      }
      case 'punct':
        if (t.text === '(') {
          this.advance();
          const first = this.nest(() => this.expr());
          if (this.is(',')) {
            const elems = [first];
            while (this.accept(',')) elems.push(this.nest(() => this.expr()));
            this.expect(')');
            return { kind: 'tuple', pos: t.pos, elems };
          }
          this.expect(')');
          return first;
        }
        break;
      case 'eof':
        throw this.src.error(t.pos, 'unexpected end of input, expected an expression');
    }
    throw this.src.error(t.pos, `expected an expression, found ${this.describe(t)}`);
  }

  private postfix(e: A.Expr): A.Expr {
    let cur = e;
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'punct') return cur;
      if (t.text === '.' || t.text === '->') {
        this.advance();
        const f = this.tok;
        if (f.kind !== 'ident' && f.kind !== 'int') {
          throw this.src.error(f.pos, `expected a member name after '${t.text}', found ${this.describe(f)}`);
        }
        this.advance();
        cur = {
          kind: 'field',
          pos: cur.pos,
          object: cur,
          field: f.text,
          arrow: t.text === '->',
          fieldPos: f.pos,
        };
      } else if (t.text === '[') {
        this.advance();
        const index = this.nest(() => this.expr());
        this.expect(']');
        cur = { kind: 'index', pos: cur.pos, object: cur, index };
      } else if ((t.text === '++' || t.text === '--') && (cur.kind === 'var' || cur.kind === 'map')) {
        this.advance();
        cur = { kind: 'incdec', pos: cur.pos, op: t.text, prefix: false, target: cur };
      } else {
        return cur;
      }
    }
  }

  /** nest parses inside brackets, where `/` is division even in a predicate. */
  private nest<T>(f: () => T): T {
    this.parenDepth++;
    try {
      return f();
    } finally {
      this.parenDepth--;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw this.src.error(this.tok.pos, 'the program nests too deeply');
  }

  private advance(): void {
    this.tok = this.lx.next();
  }

  private atEof(): boolean {
    return this.tok.kind === 'eof';
  }

  private isWord(w: string): boolean {
    return this.tok.kind === 'ident' && this.tok.text === w;
  }

  private is(p: string): boolean {
    return this.tok.kind === 'punct' && this.tok.text === p;
  }

  private accept(p: string): boolean {
    if (!this.is(p)) return false;
    this.advance();
    return true;
  }

  private expect(p: string): void {
    if (!this.is(p)) throw this.src.error(this.tok.pos, `expected '${p}', found ${this.describe(this.tok)}`);
    this.advance();
  }

  private expectKind(kind: Token['kind'], what: string): Token {
    const t = this.tok;
    if (t.kind !== kind) throw this.src.error(t.pos, `expected ${what}, found ${this.describe(t)}`);
    this.advance();
    return t;
  }

  private describe(t: Token): string {
    switch (t.kind) {
      case 'eof':
        return 'end of input';
      case 'str':
        return 'a string';
      case 'int':
        return `'${t.text}'`;
      case 'var':
        return `'$${t.text}'`;
      case 'map':
        return `'@${t.text}'`;
      default:
        return `'${t.text}'`;
    }
  }
}
