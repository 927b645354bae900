//! Minification with swc: parse, compress, mangle (keeping `handler` and the `cf` import),
//! and print as ASCII. Also the pretty printer used by `--pretty`.

use swc_common::{FileName, GLOBALS, Globals, Mark, SourceMap, comments::SingleThreadedComments, sync::Lrc};
use swc_ecma_ast::{EsVersion, Program};
use swc_ecma_codegen::{
    Config, Emitter,
    text_writer::{JsWriter, omit_trailing_semi},
};
use swc_ecma_minifier::optimize;
use swc_ecma_minifier::option::{CompressOptions, ExtraOptions, MangleOptions, MinifyOptions};
use swc_ecma_parser::{EsSyntax, Syntax, parse_file_as_module};
use swc_ecma_transforms_base::{fixer::fixer, hygiene::hygiene, resolver};

/// Names the minifier must keep: CloudFront calls `handler`, and `cf` is the import binding
/// AWS documents (a renamed binding has not been confirmed to work on CloudFront).
const KEEP: &[&str] = &["handler", "cf"];

/// Minifies generated source; `pretty` prints it readably instead (same checks, no renaming).
///
/// Minifying is two passes: the compressor, then string pooling ([`crate::pool`]) on what it
/// left, then the mangler, which renames top-level and local names, the pooled ones included.
///
/// Fails only on a bug in the generator: the source it is given must parse.
pub fn minify(source: &str, pretty: bool) -> Result<String, String> {
    if pretty {
        return pass(source, Pass::Pretty);
    }
    pass(&pass(source, Pass::Compress)?, Pass::Mangle)
}

/// One parse, transformation and print of a function's source.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Printed as parsed, readably.
    Pretty,
    /// Compressed, strings pooled, printed readably enough to parse again.
    Compress,
    /// Names mangled, printed minified.
    Mangle,
}

fn pass(source: &str, pass: Pass) -> Result<String, String> {
    let cm: Lrc<SourceMap> = Default::default();
    GLOBALS.set(&Globals::new(), || {
        let fm = cm.new_source_file(FileName::Custom("function.js".into()).into(), source.to_string());
        let comments = SingleThreadedComments::default();
        let mut errors = Vec::new();
        let module =
            parse_file_as_module(&fm, Syntax::Es(EsSyntax::default()), EsVersion::Es2022, Some(&comments), &mut errors)
                .map_err(|e| format!("generated code does not parse: {}", e.kind().msg()))?;
        if let Some(error) = errors.first() {
            return Err(format!("generated code does not parse: {}", error.kind().msg()));
        }
        let program = if pass == Pass::Pretty {
            Program::Module(module)
        } else {
            let unresolved_mark = Mark::new();
            let top_level_mark = Mark::new();
            let program = Program::Module(module).apply(resolver(unresolved_mark, top_level_mark, false));
            let options = match pass {
                Pass::Compress => MinifyOptions {
                    compress: Some(CompressOptions {
                        module: true,
                        top_retain: KEEP.iter().map(|&n| n.into()).collect(),
                        passes: 3,
                        // ES2015 lets the compressor write arrow functions, which
                        // cloudfront-js-2.0 has; it stays below ES2019, so it never writes
                        // `catch {}`, which it lacks.
                        ecma: EsVersion::Es2015,
                        unsafe_arrows: true,
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                _ => MinifyOptions {
                    mangle: Some(MangleOptions {
                        top_level: Some(true),
                        reserved: KEEP.iter().map(|&n| n.into()).collect(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            };
            // The comments carry `/*#__PURE__*/` marks: a marked call whose result goes unused
            // (the canonical path of a function that matches no path) is dropped with its helper.
            let extra = ExtraOptions { unresolved_mark, top_level_mark, mangle_name_cache: None };
            let mut program = optimize(program, cm.clone(), Some(&comments), None, &options, &extra);
            if pass == Pass::Compress {
                if let Program::Module(module) = &mut program {
                    crate::pool::pool_strings(module);
                }
                // The compressor may leave two bindings of one name in a scope (an inlined
                // helper's parameter beside a variable of the handler), told apart only by
                // their syntax context; the text for the next pass must tell them apart by name.
                program = program.apply(hygiene());
            }
            program.apply(fixer(None))
        };
        let mut buf = Vec::new();
        {
            let config = Config::default()
                .with_minify(pass == Pass::Mangle)
                .with_target(EsVersion::Es2022)
                .with_omit_last_semi(pass == Pass::Mangle)
                .with_ascii_only(true)
                .with_inline_script(true);
            let writer = JsWriter::new(cm.clone(), "\n", &mut buf, None);
            let mut emitter = Emitter { cfg: config, cm: cm.clone(), comments: None, wr: omit_trailing_semi(writer) };
            emitter.emit_program(&program).map_err(|e| format!("printing failed: {e}"))?;
        }
        String::from_utf8(buf).map_err(|e| format!("printing produced invalid UTF-8: {e}"))
    })
}
