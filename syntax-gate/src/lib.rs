//! The syntax gate: rejects, with line and column, every construct that `cloudfront-js-2.0`
//! lacks, before a function is run locally or written out by the compiler.
//!
//! CloudFront's engine (njs lineage) is an ES5.1 engine with a documented list of later
//! additions. Boa, and swc's parser, accept far more. The gate parses with swc and walks the
//! tree, reporting each construct from the list below wherever it occurs:
//!
//! - destructuring (`var [a] = x`, `({a} = x)`), default parameters, spread (`...x` in
//!   arrays, calls and object literals); rest parameters are allowed;
//! - classes, generators and `yield`, `for…of` and `for await`, `?.`, `catch` without a binding,
//!   `super`, `new.target`, `import.meta`, dynamic `import()`, tagged templates, BigInt;
//! - `export` in any form; `import` other than a default import of `cloudfront`, `crypto`
//!   or `querystring`;
//! - `async` on anything but a top-level function declaration, top-level `await`, and `await`
//!   inside the arguments of a call or `new` (njs: "await in arguments not supported");
//! - `console.log` with more or fewer than one argument;
//! - `eval(...)`, `Function(...)` and `new Function(...)`;
//! - regular expression flags other than `g`, `i`, `m` and `y`.
//!
//! It also requires a top-level `function handler` (plain or `async`).

use std::fmt;

use swc_common::{BytePos, FileName, SourceMap, Span, Spanned, sync::Lrc};
use swc_ecma_ast::{
    ArrowExpr, AssignTargetPat, BigInt, CallExpr, Callee, CatchClause, Class, Decl, EsVersion, Expr, ExprOrSpread,
    ForOfStmt, Function, ImportDecl, ImportSpecifier, Lit, MetaPropExpr, Module, ModuleDecl, ModuleItem, NewExpr,
    OptChainExpr, Param, Pat, PropOrSpread, Regex, Stmt, Super, TaggedTpl, YieldExpr,
};
use swc_ecma_parser::{EsSyntax, Syntax, parse_file_as_module};
use swc_ecma_visit::{Visit, VisitWith};

/// A construct the runtime lacks, and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// What was found, e.g. "destructuring".
    pub construct: &'static str,
    /// The full message.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Modules that a function may import with a default import.
pub const IMPORTABLE: &[&str] = &["cloudfront", "crypto", "querystring"];

/// Checks a function's source text. An empty result means the gate lets it through.
pub fn check(source: &str) -> Vec<Violation> {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(FileName::Anon.into(), source.to_string());
    let mut errors = Vec::new();
    let syntax = Syntax::Es(EsSyntax { allow_return_outside_function: false, ..Default::default() });
    let at = |pos: BytePos| {
        let loc = cm.lookup_char_pos(pos);
        (loc.line as u32, loc.col.0 as u32 + 1)
    };
    let module = match parse_file_as_module(&fm, syntax, EsVersion::Es2022, None, &mut errors) {
        Ok(module) => module,
        Err(error) => {
            errors.insert(0, error);
            Module::dummy_for_errors()
        }
    };
    let mut violations: Vec<Violation> = errors
        .iter()
        .map(|error| {
            let (line, column) = at(error.span().lo);
            Violation {
                line,
                column,
                construct: "syntax error",
                message: format!("SyntaxError: {}", error.kind().msg()),
            }
        })
        .collect();
    if !violations.is_empty() {
        return violations;
    }
    let mut gate = Gate { found: Vec::new(), top_level_function: false, function_depth: 0 };
    module.visit_with(&mut gate);
    // An exported `handler` is reported as an export, not as missing as well.
    let has_handler = module.body.iter().any(|item| match item {
        ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) => &*f.ident.sym == "handler",
        ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => {
            matches!(&export.decl, Decl::Fn(f) if &*f.ident.sym == "handler")
        }
        _ => false,
    });
    if !has_handler {
        gate.found.push((
            Span::new(module.span.lo, module.span.lo),
            "no handler",
            "the function must declare a top-level `function handler(event)`".into(),
        ));
    }
    gate.found.sort_by_key(|(span, _, _)| span.lo);
    for (span, construct, message) in gate.found {
        let (line, column) = at(span.lo);
        violations.push(Violation { line, column, construct, message });
    }
    violations
}

/// A regular expression literal in a function's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexLiteral {
    /// Byte offset of its opening `/`.
    pub start: usize,
    /// Byte offset just past its last flag.
    pub end: usize,
    /// Its flags.
    pub flags: String,
}

/// Every regular expression literal of `source`, in order; none when it does not parse.
pub fn regex_literals(source: &str) -> Vec<RegexLiteral> {
    struct Finder {
        origin: BytePos,
        found: Vec<RegexLiteral>,
    }
    impl Visit for Finder {
        fn visit_regex(&mut self, regex: &Regex) {
            self.found.push(RegexLiteral {
                start: (regex.span.lo - self.origin).0 as usize,
                end: (regex.span.hi - self.origin).0 as usize,
                flags: regex.flags.to_string(),
            });
        }
    }
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(FileName::Anon.into(), source.to_string());
    let mut errors = Vec::new();
    let Ok(module) = parse_file_as_module(&fm, Syntax::Es(EsSyntax::default()), EsVersion::Es2022, None, &mut errors)
    else {
        return Vec::new();
    };
    if !errors.is_empty() {
        return Vec::new();
    }
    let mut finder = Finder { origin: fm.start_pos, found: Vec::new() };
    module.visit_with(&mut finder);
    finder.found.sort_by_key(|r| r.start);
    finder.found
}

trait DummyModule {
    fn dummy_for_errors() -> Module;
}

impl DummyModule for Module {
    fn dummy_for_errors() -> Module {
        Module { span: Span::default(), body: Vec::new(), shebang: None }
    }
}

struct Gate {
    found: Vec<(Span, &'static str, String)>,
    /// Set while visiting the function of a top-level declaration, where `async` is allowed.
    top_level_function: bool,
    /// How many functions enclose the node being visited.
    function_depth: u32,
}

impl Gate {
    fn reject(&mut self, span: Span, construct: &'static str) {
        self.found.push((span, construct, format!("{construct} is not supported by cloudfront-js-2.0")));
    }

    fn reject_await_in_arguments(&mut self, args: &[ExprOrSpread]) {
        let mut finder = AwaitFinder::default();
        for arg in args {
            arg.expr.visit_with(&mut finder);
        }
        if let Some(span) = finder.found {
            self.found.push((span, "await in call arguments", "`await` inside the arguments of a call is not supported by cloudfront-js-2.0 (njs); assign the awaited value to a variable first".into()));
        }
    }
}

/// Finds an `await` that belongs to the enclosing function (not one inside a nested function).
#[derive(Default)]
struct AwaitFinder {
    found: Option<Span>,
}

impl Visit for AwaitFinder {
    fn visit_await_expr(&mut self, node: &swc_ecma_ast::AwaitExpr) {
        self.found.get_or_insert(node.span);
    }

    fn visit_function(&mut self, _: &Function) {}

    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
}

impl Visit for Gate {
    fn visit_module_item(&mut self, item: &ModuleItem) {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::Import(import)) => self.visit_import_decl(import),
            ModuleItem::ModuleDecl(decl) => {
                self.found.push((decl.span(), "export", "`export` is not supported: CloudFront rejects the function (declare `function handler` without exporting it)".into()));
            }
            ModuleItem::Stmt(Stmt::Decl(Decl::Fn(f))) => {
                self.top_level_function = true;
                f.function.visit_with(self);
            }
            ModuleItem::Stmt(stmt) => stmt.visit_with(self),
        }
    }

    fn visit_import_decl(&mut self, import: &ImportDecl) {
        let module = import.src.value.to_string_lossy();
        let default_only = matches!(import.specifiers.as_slice(), [ImportSpecifier::Default(_)]);
        if !default_only || !IMPORTABLE.contains(&module.as_ref()) {
            self.found.push((import.span, "import", format!(
                "only `import name from 'cloudfront'` (or 'crypto', 'querystring') is supported, not this import of '{module}'"
            )));
        }
    }

    fn visit_function(&mut self, function: &Function) {
        let top_level = std::mem::take(&mut self.top_level_function);
        if function.is_async && !top_level {
            self.reject(function.span, "an async function that is not a top-level declaration");
        }
        if function.is_generator {
            self.reject(function.span, "a generator function");
        }
        self.function_depth += 1;
        function.visit_children_with(self);
        self.function_depth -= 1;
    }

    fn visit_param(&mut self, param: &Param) {
        match &param.pat {
            Pat::Rest(rest) => rest.arg.visit_with(self),
            pat => pat.visit_with(self),
        }
    }

    fn visit_arrow_expr(&mut self, arrow: &ArrowExpr) {
        self.top_level_function = false;
        if arrow.is_async {
            self.reject(arrow.span, "an async arrow function");
        }
        for param in &arrow.params {
            match param {
                Pat::Rest(rest) => rest.arg.visit_with(self),
                pat => pat.visit_with(self),
            }
        }
        self.function_depth += 1;
        arrow.body.visit_with(self);
        self.function_depth -= 1;
    }

    fn visit_pat(&mut self, pat: &Pat) {
        match pat {
            Pat::Array(p) => self.reject(p.span, "destructuring"),
            Pat::Object(p) => self.reject(p.span, "destructuring"),
            Pat::Assign(p) => self.reject(p.span, "a default parameter value"),
            Pat::Rest(p) => self.reject(p.span, "a rest element outside a parameter list"),
            _ => pat.visit_children_with(self),
        }
    }

    fn visit_assign_target_pat(&mut self, pat: &AssignTargetPat) {
        self.reject(pat.span(), "destructuring");
    }

    fn visit_expr_or_spread(&mut self, arg: &ExprOrSpread) {
        if let Some(spread) = arg.spread {
            self.reject(spread, "spread syntax");
        }
        arg.expr.visit_with(self);
    }

    fn visit_prop_or_spread(&mut self, prop: &PropOrSpread) {
        match prop {
            PropOrSpread::Spread(spread) => self.reject(spread.dot3_token, "spread syntax"),
            PropOrSpread::Prop(p) => p.visit_with(self),
        }
    }

    fn visit_class(&mut self, class: &Class) {
        self.reject(class.span, "a class");
    }

    fn visit_yield_expr(&mut self, expr: &YieldExpr) {
        self.reject(expr.span, "yield");
    }

    fn visit_for_of_stmt(&mut self, stmt: &ForOfStmt) {
        self.reject(stmt.span, if stmt.is_await { "for await…of" } else { "for…of" });
        stmt.body.visit_with(self);
    }

    fn visit_opt_chain_expr(&mut self, expr: &OptChainExpr) {
        self.reject(expr.span, "optional chaining (?.)");
        expr.visit_children_with(self);
    }

    fn visit_catch_clause(&mut self, clause: &CatchClause) {
        if clause.param.is_none() {
            self.reject(clause.span, "`catch` without a binding");
        }
        clause.visit_children_with(self);
    }

    fn visit_super(&mut self, node: &Super) {
        self.reject(node.span, "super");
    }

    fn visit_meta_prop_expr(&mut self, node: &MetaPropExpr) {
        self.reject(node.span, "new.target or import.meta");
    }

    fn visit_tagged_tpl(&mut self, node: &TaggedTpl) {
        self.reject(node.span, "a tagged template");
        node.visit_children_with(self);
    }

    fn visit_big_int(&mut self, node: &BigInt) {
        self.reject(node.span, "a BigInt literal");
    }

    fn visit_regex(&mut self, regex: &Regex) {
        if let Some(flag) = regex.flags.chars().find(|f| !"gimy".contains(*f)) {
            self.found.push((
                regex.span,
                "a regular expression flag",
                format!("the regular expression flag `{flag}` is not supported by cloudfront-js-2.0 (only g, i, m, y)"),
            ));
        }
    }

    fn visit_expr(&mut self, expr: &Expr) {
        if let (Expr::Await(await_expr), 0) = (expr, self.function_depth) {
            // `await` at the top level of a module parses, but CloudFront only runs `handler`.
            self.reject(await_expr.span, "top-level await");
        }
        if let Expr::Lit(Lit::Regex(regex)) = expr {
            return self.visit_regex(regex);
        }
        expr.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        self.reject_await_in_arguments(&call.args);
        match &call.callee {
            Callee::Import(import) => self.reject(import.span, "dynamic import()"),
            Callee::Super(s) => self.reject(s.span, "super"),
            Callee::Expr(callee) => {
                if let Expr::Ident(ident) = &**callee
                    && (&*ident.sym == "eval" || &*ident.sym == "Function")
                {
                    self.found.push((
                        call.span,
                        "dynamic code",
                        format!("`{}(...)` is not supported: CloudFront throws on dynamic code evaluation", ident.sym),
                    ));
                }
                if is_console_log(callee) && (call.args.len() != 1 || call.args[0].spread.is_some()) {
                    self.found.push((call.span, "console.log with several arguments", "console.log takes exactly one argument in cloudfront-js-2.0; concatenate the values: console.log('a=' + a)".into()));
                }
            }
        }
        call.visit_children_with(self);
    }

    fn visit_new_expr(&mut self, new: &NewExpr) {
        if let Some(args) = &new.args {
            self.reject_await_in_arguments(args);
        }
        if let Expr::Ident(ident) = &*new.callee
            && &*ident.sym == "Function"
        {
            self.found.push((
                new.span,
                "dynamic code",
                "`new Function(...)` is not supported: CloudFront throws on dynamic code evaluation".into(),
            ));
        }
        new.visit_children_with(self);
    }
}

fn is_console_log(callee: &Expr) -> bool {
    let Expr::Member(member) = callee else { return false };
    let Expr::Ident(object) = &*member.obj else { return false };
    let Some(prop) = member.prop.as_ident() else { return false };
    &*object.sym == "console" && &*prop.sym == "log"
}

#[cfg(test)]
mod await_tests {
    use super::check;

    #[test]
    fn await_in_call_arguments_is_rejected_where_it_is() {
        let violations = check("function f(a) { return a; }\nasync function handler(e) {\n  return f(1, await e);\n}");
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            (violations[0].line, violations[0].column, violations[0].construct),
            (3, 15, "await in call arguments")
        );
        assert!(check("async function handler(e) { var v = await e; return String(v); }").is_empty());
        assert_eq!(check("async function handler(e) { return new String(await e); }").len(), 1);
    }
}
