//! Literal pooling for the minifier: a string or regular-expression literal written several
//! times (a header name the request function sets and deletes, a cache-control value several
//! header rules share, one prefix test on two paths) is declared once as a top-level variable
//! and read by name, when that is shorter. The mangler later gives the variable a one-letter
//! name.
//!
//! - Strings are pooled in expression position and as object-literal keys (`{"cache-control":
//!   v}` becomes `{[k]: v}`, two bytes more than the name). `__proto__` stays a plain key, since
//!   a computed one would not set the prototype; the import's source is never touched.
//! - Regular expressions are pooled only without the `g` and `y` flags: only those keep no
//!   state (`lastIndex`) between uses, so one object can serve every use.

use std::collections::HashMap;

use swc_atoms::{Atom, Wtf8Atom};
use swc_common::DUMMY_SP;
use swc_ecma_ast::{
    BindingIdent, ComputedPropName, Decl, Expr, Ident, Lit, Module, ModuleItem, Pat, PropName, Regex, Stmt, Str,
    VarDecl, VarDeclKind, VarDeclarator,
};
use swc_ecma_visit::{Visit, VisitMut, VisitMutWith, VisitWith};

/// The bytes a pooled string's variable costs in the declaration besides the literal:
/// `,x=` joined to a `var` list.
const DECLARATION: usize = 3;
/// The bytes `var ;` adds when the module has no top-level `var` list to join.
const NEW_STATEMENT: usize = 5;
/// The prefix of pooled variables' names before mangling; no generated name starts with it.
const PREFIX: &str = "__hedgec_literal_";

/// A literal that can be pooled.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Literal {
    Str(Wtf8Atom),
    /// Pattern and flags.
    Regex(Atom, Atom),
}

impl Literal {
    /// The literal of an expression, if it can be pooled.
    fn of(expr: &Expr) -> Option<Literal> {
        match expr {
            Expr::Lit(Lit::Str(text)) => Some(Literal::Str(text.value.clone())),
            Expr::Lit(Lit::Regex(re)) if !re.flags.contains(['g', 'y']) => {
                Some(Literal::Regex(re.exp.clone(), re.flags.clone()))
            }
            _ => None,
        }
    }

    /// Its length as the printer writes it (ASCII only, strings in double quotes).
    fn printed_len(&self) -> usize {
        match self {
            Literal::Str(value) => {
                2 + value
                    .as_wtf8()
                    .to_ill_formed_utf16()
                    .map(|unit| match unit {
                        0x22 | 0x5c => 2,
                        0x20..=0x7e => 1,
                        _ => 6,
                    })
                    .sum::<usize>()
            }
            Literal::Regex(exp, flags) => 2 + exp.len() + flags.len(),
        }
    }

    fn expr(&self) -> Expr {
        Expr::Lit(match self {
            Literal::Str(value) => Lit::Str(Str { span: DUMMY_SP, value: value.clone(), raw: None }),
            Literal::Regex(exp, flags) => Lit::Regex(Regex { span: DUMMY_SP, exp: exp.clone(), flags: flags.clone() }),
        })
    }
}

/// Pools the module's repeated literals where that makes it shorter; the names it adds must
/// then be mangled.
pub fn pool_strings(module: &mut Module) {
    let mut counter = Counter::default();
    module.visit_with(&mut counter);
    // Literals in order of first use, so the output is the same for the same input.
    let mut pooled: Vec<Literal> = Vec::new();
    let mut saved = 0;
    for value in &counter.order {
        let Uses { expressions, keys } = counter.uses[value];
        let literal = value.printed_len();
        // Each use shrinks from the literal to a one-letter name, in brackets for a key.
        let gain = expressions * (literal - 1) + keys * literal.saturating_sub(3);
        let cost = literal + DECLARATION;
        if expressions + keys > 1 && gain > cost {
            saved += gain - cost;
            pooled.push(value.clone());
        }
    }
    let var_list = top_level_var(module);
    if pooled.is_empty() || (var_list.is_none() && saved <= NEW_STATEMENT) {
        return;
    }
    let names: HashMap<Literal, Ident> = pooled
        .iter()
        .enumerate()
        .map(|(i, value)| (value.clone(), Ident::new_no_ctxt(format!("{PREFIX}{i}").into(), DUMMY_SP)))
        .collect();
    module.visit_mut_with(&mut Replacer { names: &names });
    let declarators = pooled.iter().map(|value| VarDeclarator {
        span: DUMMY_SP,
        name: Pat::Ident(BindingIdent { id: names[value].clone(), type_ann: None }),
        init: Some(Box::new(value.expr())),
        definite: false,
    });
    // Replacing literals leaves the module's items where they were.
    match var_list {
        Some(index) => {
            let ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) = &mut module.body[index] else { unreachable!() };
            var.decls.splice(0..0, declarators);
        }
        None => {
            let var = VarDecl { kind: VarDeclKind::Var, decls: declarators.collect(), ..Default::default() };
            let at = module.body.iter().take_while(|item| matches!(item, ModuleItem::ModuleDecl(_))).count();
            module.body.insert(at, ModuleItem::Stmt(Stmt::Decl(Decl::Var(Box::new(var)))));
        }
    }
}

/// The index of the first top-level `var` statement, which pooled variables join.
fn top_level_var(module: &Module) -> Option<usize> {
    module
        .body
        .iter()
        .position(|item| matches!(item, ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) if var.kind == VarDeclKind::Var))
}

/// How often a literal is written, as an expression and (a string) as an object-literal key.
#[derive(Clone, Copy, Default)]
struct Uses {
    expressions: usize,
    keys: usize,
}

/// Counts literals that can be pooled.
#[derive(Default)]
struct Counter {
    uses: HashMap<Literal, Uses>,
    order: Vec<Literal>,
}

impl Counter {
    fn count(&mut self, value: &Literal) -> &mut Uses {
        if !self.uses.contains_key(value) {
            self.order.push(value.clone());
        }
        self.uses.entry(value.clone()).or_default()
    }
}

/// Whether a string key may become a computed one: `{__proto__: v}` sets the prototype, and
/// `{["__proto__"]: v}` does not.
fn poolable_key(text: &Str) -> bool {
    &*text.value != "__proto__"
}

impl Visit for Counter {
    fn visit_expr(&mut self, expr: &Expr) {
        if let Some(literal) = Literal::of(expr) {
            self.count(&literal).expressions += 1;
        }
        expr.visit_children_with(self);
    }

    fn visit_prop_name(&mut self, name: &PropName) {
        if let PropName::Str(text) = name
            && poolable_key(text)
        {
            self.count(&Literal::Str(text.value.clone())).keys += 1;
        }
        name.visit_children_with(self);
    }
}

/// Puts the pooled variables' names in place of their literals.
struct Replacer<'a> {
    names: &'a HashMap<Literal, Ident>,
}

impl VisitMut for Replacer<'_> {
    fn visit_mut_expr(&mut self, expr: &mut Expr) {
        if let Some(name) = Literal::of(expr).and_then(|literal| self.names.get(&literal)) {
            *expr = Expr::Ident(name.clone());
            return;
        }
        expr.visit_mut_children_with(self);
    }

    fn visit_mut_prop_name(&mut self, name: &mut PropName) {
        if let PropName::Str(text) = name
            && poolable_key(text)
            && let Some(pooled) = self.names.get(&Literal::Str(text.value.clone()))
        {
            let expr = Box::new(Expr::Ident(pooled.clone()));
            *name = PropName::Computed(ComputedPropName { span: DUMMY_SP, expr });
            return;
        }
        name.visit_mut_children_with(self);
    }
}

#[cfg(test)]
mod tests {
    use crate::minify::minify;

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    #[test]
    fn a_repeated_string_is_written_once() {
        let source = r#"function handler(event) {
  var h = event.request.headers;
  delete h["x-hedge-path"];
  if (h.a) h["x-hedge-path"] = { value: "1" };
  return { a: { "cache-control": "public, max-age=31536000" }, b: { "cache-control": "public, max-age=31536000" } };
}"#;
        let out = minify(source, false).unwrap();
        assert_eq!(count(&out, "\"x-hedge-path\""), 1, "{out}");
        assert_eq!(count(&out, "\"public, max-age=31536000\""), 1, "{out}");
        // Two uses as a key are not worth a name: a computed key costs brackets.
        assert!(count(&out, "\"cache-control\"") <= 2, "{out}");
        assert_eq!(minify(source, false).unwrap(), out, "the same input gives the same output");
    }

    #[test]
    fn short_or_single_strings_stay_literal() {
        let source = r#"function handler(event) { return ["/", "/", "/", "a-string-used-once"]; }"#;
        let out = minify(source, false).unwrap();
        assert_eq!(count(&out, "\"/\""), 3, "{out}");
        assert!(out.contains("\"a-string-used-once\""), "{out}");
    }

    #[test]
    fn proto_keys_are_never_computed() {
        let source = r#"function handler(event) {
  return [{ "__proto__": 1 }, { "__proto__": 2 }, { "__proto__": 3 }, { "__proto__": 4 }, "__proto__", "__proto__"];
}"#;
        let out = minify(source, false).unwrap();
        assert!(!out.contains("]:"), "no computed key: {out}");
        assert_eq!(count(&out, "__proto__:"), 4, "{out}");
    }

    #[test]
    fn regular_expressions_are_pooled_only_without_state() {
        let source = r#"function handler(event) {
  var u = event.request.uri;
  return [/^\/api(\/.*)?$/.test(u), /^\/api(\/.*)?$/.exec(u), /^\/api(\/.*)?$/g.test(u), /^\/api(\/.*)?$/g.test(u)];
}"#;
        let out = minify(source, false).unwrap();
        let re = r"/^\/api(\/.*)?$/";
        assert_eq!(count(&out, &format!("{re}g")), 2, "the global ones stay: {out}");
        assert_eq!(count(&out, re), 3, "the others share one: {out}");
    }

    #[test]
    fn pooled_strings_keep_their_escapes() {
        // Quotes, backslashes, U+2028, a lone surrogate and `</script>` survive pooling as ASCII.
        let source = "function handler(event) { var s = \"a\\\"b\\\\c\\u2028d\\ud800</script>\"; \
                      return [\"a\\\"b\\\\c\\u2028d\\ud800</script>\", \"a\\\"b\\\\c\\u2028d\\ud800</script>\", s]; }";
        let out = minify(source, false).unwrap();
        assert!(out.is_ascii(), "{out}");
        assert!(!out.contains("</script>"), "{out}");
        assert_eq!(count(&out, "\\u2028"), 1, "pooled once: {out}");
        assert!(out.contains("\\ud800") || out.contains("\\uD800"), "{out}");
    }
}
