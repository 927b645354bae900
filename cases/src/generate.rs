//! A seeded generator of CloudFront functions in the supported subset, for the differential
//! fuzzer: expressions and statements over strings, numbers, arrays, objects, regular
//! expressions, `JSON`, `Math`, `Date`, `querystring`, `crypto`, `Buffer`, the event's fields
//! and awaited KVS reads.
//!
//! Every choice is drawn from a [`Choices`]: a seeded generator for tests, or the bytes of a
//! fuzzer's input. Programs always terminate (loops have small constant bounds), never change
//! built-ins, and stay clear of what the runtime documents as different from njs where the
//! difference is in the program's text rather than in its result (integer-like object keys,
//! characters outside the Basic Multilingual Plane, `console.log` of an `Error`, `\s` against
//! U+2028, `atob` of a partial group).

use std::fmt::Write;

/// Where a generator's choices come from.
pub trait Choices {
    /// A number below `bound` (which is at least 1).
    fn below(&mut self, bound: usize) -> usize;
}

/// SplitMix64: a small, well-known seeded generator.
#[derive(Clone, Debug)]
pub struct Seeded(u64);

impl Seeded {
    /// The generator for `seed`.
    pub fn new(seed: u64) -> Seeded {
        Seeded(seed)
    }
}

impl Choices for Seeded {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z % bound.max(1) as u64) as usize
    }
}

/// A fuzzer's input as choices: one byte a choice, then zeros.
#[derive(Clone, Debug)]
pub struct Bytes<'a>(pub &'a [u8]);

impl Choices for Bytes<'_> {
    fn below(&mut self, bound: usize) -> usize {
        let Some((&first, rest)) = self.0.split_first() else { return 0 };
        self.0 = rest;
        first as usize % bound.max(1)
    }
}

/// The KVS every generated program reads.
pub const KVS: &[(&str, &str)] = &[
    ("greeting", "héllo wörld"),
    ("config", r#"{"path":"/new","list":[1,2,3],"on":true,"nested":{"k":"v"}}"#),
    ("plain", "a=1&b=two&c"),
];

/// A generated function body, to be wrapped as a `handler`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// The statements of `async function handler(event) { … }`, one a line.
    pub lines: Vec<String>,
}

impl Program {
    /// Generates a program.
    pub fn generate(choices: &mut dyn Choices) -> Program {
        let mut generator = Generator { choices, vars: Vec::new(), depth: 0 };
        let mut lines = Vec::new();
        let count = 3 + generator.below(10);
        for _ in 0..count {
            generator.statement(&mut lines, 0);
        }
        lines.push(generator.returned());
        Program { lines }
    }

    /// The program as a standalone function: the module imports and one `handler`.
    pub fn code(&self) -> String {
        format!("{}{}", HEADER, self.handler("handler"))
    }

    /// The handler alone, under `name`, for a batch that shares [`HEADER`].
    pub fn handler(&self, name: &str) -> String {
        let mut code = format!("async function {name}(event) {{\n");
        for line in &self.lines {
            let _ = writeln!(code, "  {line}");
        }
        code.push_str("}\n");
        code
    }
}

/// What every program starts with.
pub const HEADER: &str = "import cf from 'cloudfront';\nvar kvs = cf.kvs();\nvar qs = require('querystring');\nvar crypto = require('crypto');\n";

/// The types of generated values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Str,
    Num,
    Bool,
    Arr,
    Obj,
}

const TYPES: [Type; 5] = [Type::Str, Type::Num, Type::Bool, Type::Arr, Type::Obj];

struct Generator<'a> {
    choices: &'a mut dyn Choices,
    vars: Vec<(String, Type)>,
    depth: usize,
}

const STRINGS: &[&str] = &[
    "''",
    "'a'",
    "'hello'",
    "'Hello World'",
    "'a,b,,c'",
    "'x=1&y=2&x=3'",
    "'/path/to/page.html'",
    "'  padded  '",
    "'héllo wörld'",
    "'☺ smile'",
    "'quote \\' and \\\\ backslash'",
    "'tab\\tnew\\nline'",
    "'%7E%20%zz'",
    "'aGVsbG8='",
    "'12.50'",
    "'-7'",
    "'abc123def'",
    "'UPPER lower'",
    "'a-b_c.d~e'",
    "'<script>'",
    "'\\u2028sep'",
];

const NUMBERS: &[&str] = &[
    "0", "1", "2", "3", "7", "10", "-1", "-5", "0.5", "1.5", "100", "255", "1024", "65535", "1e3", "-0", "0.25", "42",
];

const REGEXES: &[&str] = &[
    "/a/",
    "/a/g",
    "/[0-9]+/g",
    "/^\\//",
    "/(\\w+)-(\\w+)/",
    "/ +/g",
    "/[aeiou]/gi",
    "/(?<word>[a-z]+)/",
    "/,/",
    "/o/y",
    "/^$/",
    "/l+/",
];

const KEYS: &[&str] = &["a", "b", "name", "path", "value", "zeta", "alpha", "k"];

impl Generator<'_> {
    fn below(&mut self, bound: usize) -> usize {
        self.choices.below(bound)
    }

    fn pick<'s>(&mut self, items: &[&'s str]) -> &'s str {
        items[self.below(items.len())]
    }

    fn var_of(&mut self, ty: Type) -> Option<String> {
        let matching: Vec<&String> = self.vars.iter().filter(|(_, t)| *t == ty).map(|(n, _)| n).collect();
        if matching.is_empty() {
            return None;
        }
        let index = self.choices.below(matching.len());
        Some(matching[index].clone())
    }

    fn fresh(&mut self, ty: Type) -> String {
        let name = format!("v{}", self.vars.len());
        self.vars.push((name.clone(), ty));
        name
    }

    fn expr(&mut self, ty: Type) -> String {
        if self.depth > 3 || self.below(4) == 0 {
            return self.leaf(ty);
        }
        self.depth += 1;
        let expression = match ty {
            Type::Str => self.string(),
            Type::Num => self.number(),
            Type::Bool => self.boolean(),
            Type::Arr => self.array(),
            Type::Obj => self.object(),
        };
        self.depth -= 1;
        expression
    }

    fn leaf(&mut self, ty: Type) -> String {
        if self.below(3) == 0
            && let Some(var) = self.var_of(ty)
        {
            return var;
        }
        match ty {
            Type::Str => self.pick(STRINGS).to_string(),
            Type::Num => self.pick(NUMBERS).to_string(),
            Type::Bool => self.pick(&["true", "false"]).to_string(),
            Type::Arr => format!("[{}, {}]", self.pick(NUMBERS), self.pick(STRINGS)),
            Type::Obj => format!("{{ {}: {} }}", self.pick(KEYS), self.pick(STRINGS)),
        }
    }

    fn small(&mut self) -> String {
        self.pick(&["0", "1", "2", "3", "-1", "-2", "5", "10"]).to_string()
    }

    fn string(&mut self) -> String {
        let s = |g: &mut Self| g.expr(Type::Str);
        match self.below(34) {
            0 => format!("({} + {})", s(self), s(self)),
            1 => format!("{}.toUpperCase()", s(self)),
            2 => format!("{}.toLowerCase()", s(self)),
            3 => format!("{}.slice({}, {})", s(self), self.small(), self.small()),
            4 => format!("{}.substr({}, {})", s(self), self.small(), self.small()),
            5 => format!("{}.substring({})", s(self), self.small()),
            6 => format!("{}.replace({}, {})", s(self), self.pick(REGEXES), s(self)),
            7 => format!("{}.split({}).join({})", s(self), s(self), s(self)),
            8 => format!("String({})", self.expr(Type::Num)),
            9 => format!("JSON.stringify({})", self.any()),
            10 => format!("({}).toFixed({})", self.expr(Type::Num), self.pick(&["0", "1", "2", "5"])),
            11 => format!("{}.join({})", self.expr(Type::Arr), s(self)),
            12 => format!("qs.stringify({})", self.expr(Type::Obj)),
            13 => format!("qs.escape({})", s(self)),
            14 => format!("qs.unescape({})", s(self)),
            15 => format!("encodeURIComponent({})", s(self)),
            16 => format!("decodeURIComponent({})", s(self)),
            17 => format!(
                "crypto.createHash('{}').update({}).digest('{}')",
                self.pick(&["md5", "sha1", "sha256"]),
                s(self),
                self.pick(&["hex", "base64", "base64url"])
            ),
            18 => format!("crypto.createHmac('sha256', {}).update({}).digest('hex')", s(self), s(self)),
            19 => {
                format!("Buffer.from({}).toString('{}')", s(self), self.pick(&["hex", "base64", "base64url", "utf8"]))
            }
            20 => format!("Buffer.from({}, 'base64').toString()", s(self)),
            21 => format!("btoa({})", s(self)),
            // njs 0.7.9's atob drops a last group of two or three characters (runtime-js
            // "Known differences"): only whole groups are decoded.
            22 => format!("atob(btoa({}))", s(self)),
            23 => format!("event.{}.uri", self.pick(&["request", "request"])),
            24 => format!("(event.request.headers[{}] ? event.request.headers[{}].value : 'none')", "'host'", "'host'"),
            25 => format!("new Date({} * 86400000).toISOString()", self.expr(Type::Num)),
            26 => format!("{}.padStart({}, {})", s(self), self.small(), s(self)),
            27 => format!("{}.trim()", s(self)),
            28 => format!("{}.charAt({})", s(self), self.small()),
            29 => format!("typeof {}", self.any()),
            30 => format!("`${{{}}}-${{{}}}`", s(self), self.expr(Type::Num)),
            31 => format!("{}.repeat({})", s(self), self.pick(&["0", "1", "2", "3"])),
            32 => format!("({} ? {} : {})", self.expr(Type::Bool), s(self), s(self)),
            _ => "(event.request.rawQueryString() || '')".to_string(),
        }
    }

    fn number(&mut self) -> String {
        let n = |g: &mut Self| g.expr(Type::Num);
        match self.below(22) {
            0 => format!("({} + {})", n(self), n(self)),
            1 => format!("({} - {})", n(self), n(self)),
            2 => format!("({} * {})", n(self), n(self)),
            3 => format!("({} % {})", n(self), n(self)),
            4 => format!("Math.floor({})", n(self)),
            5 => format!("Math.max({}, {})", n(self), n(self)),
            6 => format!("Math.abs({})", n(self)),
            7 => format!("Math.round({})", n(self)),
            8 => format!("{}.length", self.expr(Type::Str)),
            9 => format!("{}.length", self.expr(Type::Arr)),
            10 => format!("{}.indexOf({})", self.expr(Type::Str), self.expr(Type::Str)),
            11 => format!("parseInt({}, 10)", self.expr(Type::Str)),
            12 => format!("Number({})", self.expr(Type::Str)),
            13 => format!("{}.charCodeAt({})", self.expr(Type::Str), self.small()),
            14 => format!("({} | 0)", n(self)),
            15 => format!("({} >>> {})", n(self), self.small()),
            16 => format!("Date.UTC(2024, {}, {})", self.small(), self.small()),
            17 => format!("Math.pow({}, 2)", n(self)),
            18 => format!("Math.min({}, {})", n(self), n(self)),
            19 => format!("Math.sign({})", n(self)),
            20 => format!("Buffer.byteLength({})", self.expr(Type::Str)),
            _ => format!("Math.trunc({} / {})", n(self), n(self)),
        }
    }

    fn boolean(&mut self) -> String {
        match self.below(10) {
            0 => format!("({} < {})", self.expr(Type::Num), self.expr(Type::Num)),
            1 => format!("({} === {})", self.expr(Type::Str), self.expr(Type::Str)),
            2 => format!("{}.includes({})", self.expr(Type::Str), self.expr(Type::Str)),
            3 => format!("{}.test({})", self.pick(REGEXES), self.expr(Type::Str)),
            4 => format!("Array.isArray({})", self.any()),
            5 => format!("!{}", self.expr(Type::Bool)),
            6 => format!("{}.startsWith({})", self.expr(Type::Str), self.expr(Type::Str)),
            7 => format!("isNaN({})", self.expr(Type::Num)),
            8 => format!("({} && {})", self.expr(Type::Bool), self.expr(Type::Bool)),
            _ => format!("Object.prototype.hasOwnProperty.call({}, '{}')", self.expr(Type::Obj), self.pick(KEYS)),
        }
    }

    fn array(&mut self) -> String {
        match self.below(12) {
            0 => format!("[{}, {}, {}]", self.any(), self.any(), self.any()),
            1 => format!("{}.split({})", self.expr(Type::Str), self.pick(&["','", "''", "'l'", "/ /"])),
            2 => format!("{}.concat({})", self.expr(Type::Arr), self.expr(Type::Arr)),
            3 => format!("{}.slice({})", self.expr(Type::Arr), self.small()),
            4 => {
                format!("{}.map(function (x) {{ return String(x) + {}; }})", self.expr(Type::Arr), self.expr(Type::Str))
            }
            5 => format!("{}.filter(function (x) {{ return typeof x === 'string'; }})", self.expr(Type::Arr)),
            6 => format!("{}.slice().sort()", self.expr(Type::Arr)),
            7 => format!("{}.slice().reverse()", self.expr(Type::Arr)),
            8 => format!("Object.keys({})", self.expr(Type::Obj)),
            9 => format!("({}.match({}) || [])", self.expr(Type::Str), self.pick(REGEXES)),
            10 => format!("Object.values({})", self.expr(Type::Obj)),
            _ => format!("Array.prototype.slice.call(Buffer.from({}))", self.expr(Type::Str)),
        }
    }

    fn object(&mut self) -> String {
        match self.below(7) {
            0 => {
                let (a, b) = (self.pick(KEYS), self.pick(KEYS));
                format!("{{ {a}: {}, {b}: {} }}", self.any(), self.any())
            }
            1 => format!("JSON.parse(JSON.stringify({}))", self.expr(Type::Obj)),
            // Objects keep no integer-like keys: the runtime orders them first, njs does not
            // (runtime-js "Known differences").
            2 => format!("qs.parse({})", self.pick(&["'x=1&y=2&x=3'", "'a=%20b&c'", "'name=v;k=w'", "''"])),
            3 => format!("Object.assign({{}}, {}, {})", self.expr(Type::Obj), self.expr(Type::Obj)),
            4 => format!("{{ value: {} }}", self.expr(Type::Str)),
            5 => "JSON.parse(JSON.stringify(event.request.querystring))".to_string(),
            _ => format!("{{ found: ({}.exec({}) || [''])[0] }}", self.pick(REGEXES), self.expr(Type::Str)),
        }
    }

    fn any(&mut self) -> String {
        let ty = TYPES[self.below(TYPES.len())];
        self.expr(ty)
    }

    fn statement(&mut self, lines: &mut Vec<String>, nesting: usize) {
        let choice = self.below(if nesting > 1 { 8 } else { 12 });
        match choice {
            0..=2 => {
                let ty = TYPES[self.below(TYPES.len())];
                let value = self.expr(ty);
                let name = self.fresh(ty);
                lines.push(format!("var {name} = {value};"));
            }
            3 | 4 => {
                let value = self.any();
                lines.push(format!("console.log({value});"));
            }
            5 => {
                let (name, value) = (self.pick(&["x-gen-a", "x-gen-b", "x-custom"]), self.expr(Type::Str));
                let target = self.pick(&["request", "response"]);
                lines.push(format!(
                    "if (event.{target}) event.{target}.headers['{name}'] = {{ value: String({value}) }};"
                ));
            }
            6 => {
                let key = KVS[self.below(KVS.len())].0;
                let key = if self.below(5) == 0 { "missing" } else { key };
                let format = self.pick(&["string", "json", "bytes"]);
                let name = self.fresh(Type::Str);
                lines.push(format!(
                    "var {name}; try {{ {name} = await kvs.get('{key}', {{ format: '{format}' }}); {name} = {} }} catch (e) {{ {name} = 'kvs ' + e.name; }}",
                    if format == "json" { format!("JSON.stringify({name});") } else { format!("String({name});") }
                ));
            }
            7 => {
                let key = KVS[self.below(KVS.len())].0;
                let name = self.fresh(Type::Bool);
                lines.push(format!("var {name} = await kvs.exists('{key}');"));
            }
            8 => {
                let condition = self.expr(Type::Bool);
                lines.push(format!("if ({condition}) {{"));
                self.block(lines, nesting);
                lines.push("} else {".to_string());
                self.block(lines, nesting);
                lines.push("}".to_string());
            }
            9 => {
                let bound = self.pick(&["2", "3", "4"]);
                let index = format!("i{}", lines.len());
                lines.push(format!("for (var {index} = 0; {index} < {bound}; {index}++) {{"));
                let value = self.expr(Type::Str);
                lines.push(format!("  console.log('loop ' + {index} + ' ' + {value});"));
                lines.push("}".to_string());
            }
            10 => {
                lines.push("try {".to_string());
                self.block(lines, nesting);
                if self.below(3) == 0 {
                    let class = self.pick(&["Error", "TypeError", "RangeError"]);
                    let message = self.expr(Type::Str);
                    lines.push(format!("  throw new {class}({message});"));
                }
                lines.push("} catch (e) {".to_string());
                lines.push("  console.log('caught ' + e.name);".to_string());
                lines.push("}".to_string());
            }
            _ => {
                let key = self.pick(KEYS);
                let value = self.any();
                lines.push(format!("var q{} = {{ {key}: {value} }};", lines.len()));
                lines.push(format!("console.log(JSON.stringify(q{}));", lines.len() - 1));
            }
        }
    }

    fn block(&mut self, lines: &mut Vec<String>, nesting: usize) {
        // Variables declared in a block are function-scoped (`var`), but may be unassigned
        // when the block does not run: only those declared outside are reused afterwards.
        let known = self.vars.len();
        let mut inner = Vec::new();
        for _ in 0..1 + self.below(3) {
            self.statement(&mut inner, nesting + 1);
        }
        self.vars.truncate(known);
        lines.extend(inner.into_iter().map(|l| format!("  {l}")));
    }

    fn returned(&mut self) -> String {
        match self.below(8) {
            0 | 1 => "return event.request || event.response;".to_string(),
            2 => "return event.response || event.request;".to_string(),
            3 => {
                let location = self.expr(Type::Str);
                format!(
                    "return {{ statusCode: {}, statusDescription: 'Found', headers: {{ location: {{ value: '/' + encodeURIComponent({location}) }} }} }};",
                    self.pick(&["301", "302", "200", "404"])
                )
            }
            4 => {
                let body = self.expr(Type::Str);
                format!(
                    "return {{ statusCode: 200, headers: {{ 'x-body': {{ value: 'yes' }} }}, body: {{ encoding: 'text', data: String({body}) }} }};"
                )
            }
            5 => {
                let value = self.expr(Type::Str);
                format!(
                    "if (event.request) {{ event.request.uri = '/' + encodeURIComponent({value}); }} return event.request || event.response;"
                )
            }
            6 => {
                let message = self.expr(Type::Str);
                format!("throw new {}({message});", self.pick(&["Error", "TypeError", "RangeError", "SyntaxError"]))
            }
            _ => format!("return {};", self.any()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_program() {
        let a = Program::generate(&mut Seeded::new(7));
        let b = Program::generate(&mut Seeded::new(7));
        let c = Program::generate(&mut Seeded::new(8));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.code().contains("async function handler(event)"));
    }

    #[test]
    fn bytes_run_out_into_the_simplest_choices() {
        let program = Program::generate(&mut Bytes(&[]));
        assert!(program.lines.len() >= 4, "{:?}", program.lines);
    }
}
