//! The module graph has no cycles: each `crate::` path in `src/` is an edge from the module that
//! writes it to the module it names, and following the edges never leads back. A cycle makes two
//! modules one (neither can be read, tested or changed alone), so a new one fails here with the
//! modules that form it.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

/// The module a file is (`src/discord/cards.rs` → `["discord", "cards"]`); test-only files have
/// none.
fn module_of(relative: &Path) -> Option<Vec<String>> {
    let mut parts: Vec<String> =
        relative.with_extension("").iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.last()?.clone();
    if last == "tests" || last.ends_with("_tests") {
        return None;
    }
    if last == "mod" || last == "lib" || last == "main" {
        parts.pop();
    }
    Some(parts)
}

/// The code of a file without its comments and its inline test module.
fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap_or_default();
    code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The paths a file names through `crate::`, braces expanded to their top-level items:
/// `crate::{a::b, c}` gives `a::b` and `c`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (start, _) in code.match_indices("crate::") {
        let rest = &code[start + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut item) = (0, String::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => paths.push(segments(&std::mem::take(&mut item))),
                    _ if depth == 0 => item.push(c),
                    _ => {}
                }
            }
            paths.push(segments(&item));
        } else {
            paths.push(segments(rest));
        }
    }
    paths.retain(|p| !p.is_empty());
    paths
}

fn segments(path: &str) -> Vec<String> {
    let path: String = path
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || c.is_whitespace())
        .collect();
    path.split("::").map(str::trim).take_while(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The edges between modules: top-level modules, and the modules inside one of them (an edge
/// between a module and its own parent or child is how Rust nests modules, not a dependency).
fn edges() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<Vec<String>> =
        files.iter().filter_map(|f| module_of(f.strip_prefix(&src).expect("under src"))).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let Some(from) = module_of(file.strip_prefix(&src).expect("under src")) else { continue };
        let code = code_of(&std::fs::read_to_string(file).expect("a readable source"));
        for path in crate_paths(&code) {
            let Some(to) = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m))
            else {
                continue;
            };
            let nested = from.starts_with(&to) || to.starts_with(&from);
            if from.is_empty() || nested {
                continue;
            }
            // Top level: the first segments; inside one module: the full paths.
            if from[0] != to[0] {
                edges.entry(vec![from[0].clone()]).or_default().insert(vec![to[0].clone()]);
            } else {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    edges
}

/// A cycle through the graph, if there is one.
fn a_cycle(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<Vec<String>>> {
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        path: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            return Some(path[at..].to_vec());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let edges = edges();
    assert!(edges.len() > 10, "the graph was read: {edges:?}");
    if let Some(cycle) = a_cycle(&edges) {
        let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
        panic!("these modules form a cycle: {}", names.join(" -> "));
    }
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let module = |m: &str| vec![m.to_owned()];
    let mut edges = BTreeMap::new();
    edges.insert(module("bridge"), BTreeSet::from([module("watcher")]));
    edges.insert(module("watcher"), BTreeSet::from([module("bridge")]));
    assert_eq!(a_cycle(&edges), Some(vec![module("bridge"), module("watcher")]));
    edges.remove(&module("watcher"));
    assert_eq!(a_cycle(&edges), None);
}

#[test]
fn paths_in_braces_are_each_an_edge() {
    let code = "use crate::{\n    approvals::{ids::JobId, state::Decision},\n    store::Store,\n};\nlet x = crate::metrics::Metrics::new();";
    let firsts: Vec<String> = crate_paths(code).into_iter().map(|p| p[0].clone()).collect();
    assert_eq!(firsts, ["approvals", "store", "metrics"]);
}
