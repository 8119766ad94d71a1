//! Syntax tree of the JavaScript subset; every node carries its source span.

use std::sync::Arc;

use super::span::Span;

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
    /// String literal (shared, so evaluating it allocates nothing).
    Str(Arc<str>),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A name: variable, `r`, `undefined`, `NaN`... (interned per source text)
    Ident(Arc<str>),
    /// `this`.
    This,
    /// `[a, b]`.
    Array(Vec<Expr>),
    /// `{a: 1, 'b': 2}`.
    Object(Vec<Prop>),
    /// `x.name`.
    Member {
        /// Receiver.
        obj: Box<Expr>,
        /// Property name (interned per source text).
        name: Arc<str>,
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
        /// Method name (interned per source text).
        name: Arc<str>,
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
        /// Operator text.
        op: &'static str,
        /// Operand.
        expr: Box<Expr>,
    },
    /// `a + b`, `a && b`...
    Binary {
        /// Operator text.
        op: &'static str,
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
        /// `=`, `+=`...
        op: &'static str,
        /// Target (name, member or index).
        target: Box<Expr>,
        /// Value.
        value: Box<Expr>,
    },
    /// `x++`, `--x`.
    Update {
        /// `++` or `--`.
        op: &'static str,
        /// Prefix form.
        prefix: bool,
        /// Target.
        target: Box<Expr>,
    },
    /// Stands where a syntax error was reported.
    Error,
}

/// One property of an object literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// Key text (identifier, string or number as JavaScript prints it).
    pub key: Arc<str>,
    /// Span of the key.
    pub key_span: Span,
    /// Value.
    pub value: Expr,
}

/// A function literal.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncDef {
    /// Name of a named function expression (visible inside its own body).
    pub name: Option<Arc<str>>,
    /// Parameter names and spans.
    pub params: Vec<(Arc<str>, Span)>,
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
    Var(Vec<(Arc<str>, Span, Option<Expr>)>),
    /// `function name(...) {...}`.
    Function(Arc<str>, Arc<FuncDef>),
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
