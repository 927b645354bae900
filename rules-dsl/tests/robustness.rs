//! The front end never panics: random text made of the language's own pieces (keywords,
//! patterns, quotes, escapes, braces, options, control and non-ASCII characters) goes through
//! analysis and rendering. The cargo-fuzz target `fuzz/fuzz_targets/rules.rs` does the same
//! for hours; this test keeps a quick version in every test run.

use proptest::prelude::*;

const PIECES: &[&str] = &[
    "redirect",
    "rewrite",
    "respond",
    "prefix-strip",
    "header",
    "request-header",
    "set",
    "status",
    "slash",
    "case",
    "query",
    "index",
    "kvs-id",
    "chains",
    "exact-rules",
    "smallest",
    "fold",
    "exact",
    "flatten",
    "/",
    "/*",
    "/:a",
    "/:splat",
    "*",
    ":",
    "//",
    "/\\",
    "https://",
    "http://x.com",
    "?",
    "?k=v",
    "country=DE,AT",
    "language=de",
    "cookie=a=b",
    "query=keep",
    "origin=o",
    "301",
    "410",
    "999",
    "-x",
    "x-a",
    "\"",
    "\\",
    "\\u{",
    "\\u{1F600}",
    "\\t",
    "\\q",
    "{",
    "}",
    "#",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\0",
    "\u{7f}",
    "é",
    "😀",
    "\u{2028}",
    "%",
    "%C3%A9",
    "%zz",
    "=",
    ",",
];

fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![proptest::sample::select(PIECES).prop_map(str::to_string), any::<char>().prop_map(String::from)],
        0..60,
    )
    .prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn analysis_never_panics(text in text()) {
        let source = rules_dsl::SourceFile::new("random.hedge", text);
        let analysis = rules_dsl::analyze(&source);
        let rendered = rules_dsl::diagnostics::render(&analysis.diagnostics, &source, false);
        for diagnostic in &analysis.diagnostics {
            prop_assert!(diagnostic.span.end as usize <= source.text().len());
            prop_assert!(source.text().is_char_boundary(diagnostic.span.start as usize));
        }
        prop_assert_eq!(analysis.diagnostics.is_empty(), rendered.is_empty());
    }

    #[test]
    fn any_bytes_are_read(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let (source, _) = rules_dsl::source_from_bytes("bytes.hedge", &bytes);
        let _ = rules_dsl::analyze(&source);
    }
}
