//! The Amplify corpus of `conformance/import/amplify/`: Amplify's documentation site, 2,086 rules.

use libtest_mimic::{Failed, Trial};

use super::{compile, fail, manifest};

/// read, translated, approximated, reordered, reported.
const COUNTS: [usize; 5] = [2086, 2077, 0, 1, 9];

fn import() -> Result<(), Failed> {
    let path = manifest().join("import/amplify/aws-amplify-docs/redirects.json");
    let text = std::fs::read_to_string(&path).map_err(|e| fail(e.to_string()))?;
    let input = importers::Input::new("redirects.json", text);
    let result = importers::import(importers::Format::Amplify, &[input], &importers::ImportOptions::default())
        .map_err(|e| fail(e.to_string()))?;
    let s = result.summary;
    println!("    amplify-aws-docs: {s}");
    let found = [s.rules, s.translated, s.approximated, s.reordered, s.reported];
    if found != COUNTS {
        return Err(fail(format!(
            "counts (read, translated, approximated, reordered, reported): {found:?}, pinned {COUNTS:?}"
        )));
    }
    // The catch-all 404-200 rule of line 142 is written after every other rule.
    let lines: Vec<&str> = result.hedge.lines().collect();
    let catch_all = lines.iter().position(|l| l.starts_with("rewrite /* /404/index.html"));
    let last_rule = lines.iter().rposition(|l| l.starts_with("redirect ") || l.starts_with("rewrite "));
    if catch_all.is_none() || catch_all != last_rule {
        return Err(fail("the 404-200 catch-all is not the last rule"));
    }
    // Its 131 pattern rules with a `<platform>` first segment stay in code and make a request
    // function of about 19 KB, over CloudFront's 10 KB: the only error is that one (E028).
    let analysis = rules_dsl::analyze(&rules_dsl::SourceFile::new("amplify-aws-docs", result.hedge.as_str()));
    if analysis.has_errors() {
        return Err(fail("the imported rules do not analyse without errors"));
    }
    match compile(&result.hedge, "amplify-aws-docs") {
        Ok(_) => Ok(()),
        Err(e) if e.message().is_some_and(|m| m.contains("error[E028]") && m.matches("error[").count() == 1) => Ok(()),
        Err(e) => Err(e),
    }
}

pub fn trials(trials: &mut Vec<Trial>) {
    trials.push(Trial::test("corpus::amplify-aws-docs::import", import));
}
