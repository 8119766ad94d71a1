//! Syntax tree of the JavaScript subset; every node carries its source span.

use std::hash::Hasher;
use std::sync::Arc;

use super::parser::NameHasher;
use super::prec::{BinOp, UnaryOp};
use super::span::Span;

/// An identifier, property or method name, object key or string literal: an index into the
/// session's [`Names`], copied freely (no reference count to maintain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Name(u32);

impl Name {
    /// The first name of a table (also a placeholder where no name is read).
    pub const ZERO: Name = Name(0);

    /// The index of the name in its table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The texts of the names of a session, each stored once: the same text always gets the same
/// [`Name`], so equal names compare as numbers. It grows with the distinct names and string
/// literals the session compiles, never with repeated ones.
#[derive(Default)]
pub struct Names {
    texts: Vec<Box<str>>,
    /// Open addressing by hash: `(hash, index + 1)`, `(_, 0)` empty; at most half full.
    table: Vec<(u32, u32)>,
}

impl Names {
    /// An empty table.
    pub fn new() -> Self {
        Names::default()
    }

    /// The text of `name` (empty for a name of another table that is out of range).
    #[inline]
    pub fn get(&self, name: Name) -> &str {
        self.texts.get(name.index()).map_or("", |t| t)
    }

    /// Distinct names stored.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// True when no name is stored.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    fn hash(text: &str) -> u32 {
        let mut h = NameHasher::default();
        h.write(text.as_bytes());
        (h.finish() >> 32) as u32
    }

    /// The name of `text`, stored if it is new.
    pub fn intern(&mut self, text: &str) -> Name {
        let hash = Self::hash(text);
        if self.table.is_empty() {
            self.table = vec![(0, 0); 256];
        }
        let mask = self.table.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            match self.table.get(i) {
                Some(&(h, id1)) if id1 != 0 => {
                    if h == hash
                        && self
                            .texts
                            .get(id1 as usize - 1)
                            .is_some_and(|t| **t == *text)
                    {
                        return Name(id1 - 1);
                    }
                }
                _ => break,
            }
            i = (i + 1) & mask;
        }
        let Ok(id1) = u32::try_from(self.texts.len() + 1) else {
            // Not reached: four billion distinct names do not fit in memory anyway.
            return Name(u32::MAX);
        };
        self.texts.push(text.into());
        if let Some(slot) = self.table.get_mut(i) {
            *slot = (hash, id1);
        }
        if self.texts.len() * 2 > self.table.len() {
            self.grow();
        }
        Name(id1 - 1)
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.table);
        self.table = vec![(0, 0); old.len() * 2];
        let mask = self.table.len() - 1;
        for (h, id1) in old {
            if id1 == 0 {
                continue;
            }
            let mut i = h as usize & mask;
            while self.table.get(i).is_some_and(|s| s.1 != 0) {
                i = (i + 1) & mask;
            }
            if let Some(slot) = self.table.get_mut(i) {
                *slot = (h, id1);
            }
        }
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

impl Expr {
    /// The receiver and the arguments of a method call's operands (the parser always puts the
    /// receiver first; an empty list, which it never builds, reads as `None`).
    pub fn receiver_args(operands: &[Expr]) -> Option<(&Expr, &[Expr])> {
        operands.split_first()
    }
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// Number literal (after folding a leading `-` this stays a number).
    Num(f64),
    /// String literal (interned, so evaluating it allocates nothing).
    Str(Name),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A name: variable, `r`, `undefined`, `NaN`... (interned in the session's [`Names`])
    Ident(Name),
    /// `this`.
    This,
    /// `...x` in call arguments or an array literal: the elements of `x` in its place.
    Spread(Box<Expr>),
    /// `[key]: value` in an object literal (the value of its [`Prop`]).
    Computed {
        /// The key expression.
        key: Box<Expr>,
        /// The value.
        value: Box<Expr>,
    },
    /// `[a, b]`.
    Array(Vec<Expr>),
    /// `{a: 1, 'b': 2}`.
    Object(Vec<Prop>),
    /// `x.name`.
    Member {
        /// Receiver.
        obj: Box<Expr>,
        /// Property name (interned in the session's [`Names`]).
        name: Name,
        /// Span of the name.
        name_span: Span,
    },
    /// `x[index]`.
    Index {
        /// Receiver.
        obj: Box<Expr>,
        /// Index expression.
        index: Box<Expr>,
    },
    /// `f(args)`.
    Call {
        /// Called expression.
        callee: Box<Expr>,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `obj.name(args)`: a method call, the most common form in ReQL, as one node (the same
    /// as a `Call` of a `Member` whose span is `obj.span.to(name_span)`).
    MethodCall {
        /// The receiver, then the arguments: one allocation per call (see [`Expr::receiver_args`]).
        operands: Vec<Expr>,
        /// Method name (interned in the session's [`Names`]).
        name: Name,
        /// Span of the name.
        name_span: Span,
    },
    /// `new F(args)`.
    New {
        /// Constructor.
        callee: Box<Expr>,
        /// Arguments.
        args: Vec<Expr>,
    },
    /// `function (a) {...}` or `a => ...`.
    Func(Arc<FuncDef>),
    /// `-x`, `!x`, `typeof x`...
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Operand.
        expr: Box<Expr>,
    },
    /// `a + b`, `a && b`...
    Binary {
        /// The operator.
        op: BinOp,
        /// Span of the operator.
        op_span: Span,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `c ? a : b`.
    Cond {
        /// Test.
        test: Box<Expr>,
        /// Value when true.
        then: Box<Expr>,
        /// Value when false.
        other: Box<Expr>,
    },
    /// `x = v`, `x += v`.
    Assign {
        /// `None` for `=`, the operator of `+=`, `**=`...
        op: Option<BinOp>,
        /// Target (name, member or index).
        target: Box<Expr>,
        /// Value.
        value: Box<Expr>,
    },
    /// `x++`, `--x`.
    Update {
        /// `++` (else `--`).
        increment: bool,
        /// Prefix form.
        prefix: bool,
        /// Target.
        target: Box<Expr>,
    },
    /// The receiver of `?.`: when it is null or undefined, the member access, index or call
    /// it is the receiver of gives undefined.
    Optional(Box<Expr>),
    /// Stands where a syntax error was reported.
    Error,
    /// An argument of `.run(...)` or a promise method after it that rdbsh does not read
    /// (program code such as a TypeScript callback); never evaluated.
    Skipped,
}

/// One property of an object literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// Key text (identifier, string or number as JavaScript prints it).
    pub key: Name,
    /// Span of the key.
    pub key_span: Span,
    /// Value.
    pub value: Expr,
}

/// A function literal.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncDef {
    /// Name of a named function expression (visible inside its own body).
    pub name: Option<Name>,
    /// Parameter names and spans.
    pub params: Vec<(Name, Span)>,
    /// `fn.length`: parameters before the first default or rest parameter.
    pub arity: usize,
    /// Default values by parameter index (`function (a, b = 1)`).
    pub defaults: Vec<(usize, Expr)>,
    /// Index of a rest parameter (`...args`), always the last.
    pub rest: Option<usize>,
    /// Body.
    pub body: FuncBody,
    /// The whole literal.
    pub span: Span,
}

/// Function body: arrow expression or block.
#[derive(Debug, Clone, PartialEq)]
pub enum FuncBody {
    /// `x => expr`.
    Expr(Expr),
    /// `{ statements }`.
    Block(Vec<Stmt>),
}

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// Where it is (without the trailing `;`).
    pub span: Span,
}

/// Statement forms.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// An expression.
    Expr(Expr),
    /// `var/let/const a = 1, b`.
    Var(Vec<(Name, Span, Option<Expr>)>),
    /// `function name(...) {...}`.
    Function(Name, Arc<FuncDef>),
    /// `return e`.
    Return(Option<Expr>),
    /// `if (c) a else b`.
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    /// `for (init; test; update) body`.
    For {
        /// Initializer.
        init: Option<Box<Stmt>>,
        /// Test.
        test: Option<Expr>,
        /// Update.
        update: Option<Expr>,
        /// Body.
        body: Box<Stmt>,
    },
    /// `for (const x of xs) body` (values) or `for (k in o) body` (keys).
    ForEach {
        /// The loop variable.
        name: Name,
        /// Its span.
        name_span: Span,
        /// `in`: the keys of an object (or indexes); else the values of an array or string.
        keys: bool,
        /// What is iterated.
        iter: Expr,
        /// Body.
        body: Box<Stmt>,
    },
    /// `while (c) body`.
    While(Expr, Box<Stmt>),
    /// `{ ... }`.
    Block(Vec<Stmt>),
    /// `throw e`.
    Throw(Expr),
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `;` alone.
    Empty,
}
