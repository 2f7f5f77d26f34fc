// The syntax tree of a bpftrace-language script. Every node records `pos`, the character offset where
// it starts, so checker and codegen errors (and verifier rejections) point back at the source.

/** Expr is any expression. */
export type Expr =
  | IntLit
  | StrLit
  | Var
  | MapRef
  | Builtin
  | PositionalParam
  | Call
  | Binary
  | Unary
  | IncDec
  | Ternary
  | FieldAccess
  | IndexAccess
  | Cast
  | Tuple
  | SizeofExpr;

export interface IntLit {
  kind: 'int';
  pos: number;
  value: bigint;
}
export interface StrLit {
  kind: 'str';
  pos: number;
  value: string;
}
/** Var is a scratch variable `$x`, local to one probe. */
export interface Var {
  kind: 'var';
  pos: number;
  name: string;
}
/** MapRef is `@name` or `@name[k1, k2]`; the anonymous map is named `@`. */
export interface MapRef {
  kind: 'map';
  pos: number;
  name: string;
  keys: Expr[];
}
/** Builtin is a bare identifier such as pid, comm, args or arg0. */
export interface Builtin {
  kind: 'builtin';
  pos: number;
  name: string;
}
/** PositionalParam is `$1` (a command-line argument) or `$#` (their count, as number 0... -1). */
export interface PositionalParam {
  kind: 'param';
  pos: number;
  index: number;
}
export interface Call {
  kind: 'call';
  pos: number;
  name: string;
  args: Expr[];
}
export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '&'
  | '|'
  | '^'
  | '<<'
  | '>>'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '&&'
  | '||';
export interface Binary {
  kind: 'binary';
  pos: number;
  op: BinaryOp;
  left: Expr;
  right: Expr;
}
export interface Unary {
  kind: 'unary';
  pos: number;
  op: '!' | '~' | '-' | '*' | '&';
  operand: Expr;
}
/** IncDec is `x++`, `++x`, `x--`, `--x` on a variable or map. */
export interface IncDec {
  kind: 'incdec';
  pos: number;
  op: '++' | '--';
  prefix: boolean;
  target: Var | MapRef;
}
export interface Ternary {
  kind: 'ternary';
  pos: number;
  cond: Expr;
  then: Expr;
  else: Expr;
}
/** FieldAccess is `e.field` or `e->field`. */
export interface FieldAccess {
  kind: 'field';
  pos: number;
  object: Expr;
  field: string;
  arrow: boolean;
  /** fieldPos is where the member name starts, for "unknown member" errors. */
  fieldPos: number;
}
export interface IndexAccess {
  kind: 'index';
  pos: number;
  object: Expr;
  index: Expr;
}
/** TypeName is a type written in a cast or sizeof: `uint32`, `struct sock *`. */
export interface TypeName {
  pos: number;
  /** name is `int8`..`uint64`, `char`, or `struct X` / `union X` / `enum X`. */
  name: string;
  pointer: number;
}
export interface Cast {
  kind: 'cast';
  pos: number;
  type: TypeName;
  operand: Expr;
}
export interface Tuple {
  kind: 'tuple';
  pos: number;
  elems: Expr[];
}
export interface SizeofExpr {
  kind: 'sizeof';
  pos: number;
  type?: TypeName;
  expr?: Expr;
}

/** Stmt is any statement in a probe body. */
export type Stmt = ExprStmt | AssignStmt | IfStmt | UnrollStmt | WhileStmt | JumpStmt | BlockStmt;

export interface ExprStmt {
  kind: 'expr';
  pos: number;
  expr: Expr;
}
export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';
export interface AssignStmt {
  kind: 'assign';
  pos: number;
  target: Var | MapRef;
  op: AssignOp;
  value: Expr;
}
export interface IfStmt {
  kind: 'if';
  pos: number;
  cond: Expr;
  then: Stmt[];
  else: Stmt[] | undefined;
}
export interface UnrollStmt {
  kind: 'unroll';
  pos: number;
  count: Expr;
  body: Stmt[];
}
export interface WhileStmt {
  kind: 'while';
  pos: number;
  cond: Expr;
  body: Stmt[];
}
export interface JumpStmt {
  kind: 'jump';
  pos: number;
  what: 'return' | 'break' | 'continue';
}
export interface BlockStmt {
  kind: 'block';
  pos: number;
  body: Stmt[];
}

/** AttachPoint is one probe spec as written (`tracepoint:syscalls:sys_enter_*`). */
export interface AttachPoint {
  pos: number;
  text: string;
}

export interface Probe {
  pos: number;
  attachPoints: AttachPoint[];
  predicate: Expr | undefined;
  body: Stmt[];
}

/** Program is a whole script: probes in source order plus ignored preamble (includes, struct defs). */
export interface Program {
  probes: Probe[];
  /** config holds `config = { key = value }` settings. */
  config: Map<string, string | bigint>;
  /** structDefs are the C struct definitions in the script, kept as text (BTF is authoritative). */
  structDefs: string[];
}
