//! A site's files, and what they change: on Netlify a rule without `!` does not apply to a
//! path where a file exists ("shadowing"), so the importer writes, ahead of the rules, a guard
//! for each such path that lets only the forced rules act on it.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use rules_dsl::ir::{PathPattern, Settings};
use rules_dsl::pattern::{self, PathMatch};

use crate::matching::{escape_colons, exact_pattern, instance, parse_from};
use crate::model::{Action, Role, Route};

/// The request paths a site answers with a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Site {
    paths: BTreeSet<String>,
}

impl Site {
    /// A site from file paths relative to its root, with `/` between directories.
    ///
    /// A file answers its own path (canonical percent-encoding); `dir/index.html` also answers
    /// `/dir/` (and, as paths match with `slash fold`, `/dir`); `page.html` also answers
    /// `/page`, as Netlify's pretty URLs serve it there.
    pub fn from_files<S: AsRef<str>>(files: impl IntoIterator<Item = S>) -> Site {
        let mut paths = BTreeSet::new();
        for file in files {
            let file = file.as_ref().trim_start_matches('/');
            if file.is_empty() {
                continue;
            }
            let path = pattern::canonical_path(&format!("/{file}"));
            if let Some(dir) = path.strip_suffix("index.html").filter(|d| d.ends_with('/')) {
                paths.insert(dir.to_string());
            } else if let Some(stem) = path.strip_suffix(".html").filter(|s| !s.ends_with('/')) {
                paths.insert(stem.to_string());
            }
            paths.insert(path);
        }
        Site { paths }
    }

    /// The files under `dir` (the build output), without following symbolic links. Netlify's
    /// own `_redirects` and `_headers` at the root are not served, so they are left out.
    pub fn scan(dir: &Path) -> std::io::Result<Site> {
        if !dir.is_dir() {
            return Err(std::io::Error::other(format!("{} is not a directory", dir.display())));
        }
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
            let entry = entry.map_err(std::io::Error::other)?;
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry.path().strip_prefix(dir).map_err(std::io::Error::other)?;
            let parts: Vec<String> =
                relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let joined = parts.join("/");
            if joined == "_redirects" || joined == "_headers" {
                continue;
            }
            files.push(joined);
        }
        Ok(Site::from_files(files))
    }

    /// The request paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }

    /// How many paths.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether there are no paths.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// Unconditional: no host and no options.
fn unconditional(route: &Route) -> bool {
    !route.from.starts_with("http") && route.options.is_empty()
}

/// Routes indexed for "which of them match this path": exact ones by lookup key, the rest in order.
struct Index {
    exact: HashMap<String, Vec<usize>>,
    patterns: Vec<(usize, PathPattern)>,
}

impl Index {
    fn new(routes: &[Route], keep: impl Fn(&Route) -> bool, settings: &Settings) -> Index {
        let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
        let mut patterns = Vec::new();
        for (i, route) in routes.iter().enumerate() {
            if !keep(route) {
                continue;
            }
            let Some((_, parsed)) = parse_from(&route.from, settings.case) else { continue };
            match parsed.literal_path() {
                Some(literal) => exact.entry(pattern::lookup_key(&literal, settings)).or_default().push(i),
                None => patterns.push((i, parsed)),
            }
        }
        Index { exact, patterns }
    }

    /// Indices of the routes whose path pattern matches `path`, in order.
    fn matching(&self, path: &str, settings: &Settings) -> Vec<usize> {
        let mut found: Vec<usize> = self.exact.get(&pattern::lookup_key(path, settings)).cloned().unwrap_or_default();
        let m = PathMatch { settings };
        found.extend(self.patterns.iter().filter(|(_, p)| m.path(p, path).is_some()).map(|(i, _)| *i));
        found.sort_unstable();
        found
    }
}

/// The guards a site needs, to be written before `routes`: for every path with a file that
/// some unforced route matches, the forced routes that match it (made specific to it), then
/// a rewrite of the path to itself that stops every later rule. Also returns the number of
/// paths guarded and the paths that could not be written as patterns.
pub fn guards(site: &Site, routes: &[Route], settings: &Settings) -> (Vec<Route>, usize, Vec<String>) {
    let unforced = Index::new(routes, |r| !r.force, settings);
    let forced = Index::new(routes, |r| r.force, settings);
    let mut out = Vec::new();
    let mut guarded = 0;
    let mut unwritable = Vec::new();
    for path in site.paths() {
        let shadowed = unforced.matching(path, settings);
        let Some(&first) = shadowed.first() else { continue };
        if !exact_pattern(path) {
            unwritable.push(path.to_string());
            continue;
        }
        guarded += 1;
        let shadowed_rule = &routes[first];
        let why = format!("a file answers {path}, so this rule (not forced) does not apply there");
        let mut stopped = false;
        for i in forced.matching(path, settings) {
            if let Some(mut specific) = instance(&routes[i], path, settings) {
                specific.role = Role::Guard(format!("{path} has a file; only forced rules apply to it"));
                stopped = unconditional(&specific);
                out.push(specific);
                if stopped {
                    break;
                }
            }
        }
        if !stopped {
            out.push(Route {
                loc: shadowed_rule.loc,
                source: shadowed_rule.source.clone(),
                from: path.to_string(),
                action: Action::Rewrite { to: escape_colons(path) },
                options: Vec::new(),
                force: true,
                role: Role::Guard(why),
            });
        }
    }
    (out, guarded, unwritable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_their_paths() {
        let site = Site::from_files(["index.html", "about.html", "docs/index.html", "a b.txt", "café/x.css"]);
        let paths: Vec<&str> = site.paths().collect();
        assert_eq!(
            paths,
            [
                "/",
                "/a%20b.txt",
                "/about",
                "/about.html",
                "/caf%C3%A9/x.css",
                "/docs/",
                "/docs/index.html",
                "/index.html"
            ]
        );
    }
}
