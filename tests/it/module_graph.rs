//! The module graph has no cycles: each `crate::` or `super::` path in `src/` is an edge from
//! the module that writes it to the module it names, and following the edges never leads back,
//! between top-level modules or between the modules inside one, at any depth. A cycle makes two
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

/// The paths a file of module `module` names, as paths from the crate's root: `crate::` paths
/// as written, `super::` paths (repeated or not) from the module's parent. Braces are expanded
/// to their top-level items: `crate::{a::b, c}` gives `a::b` and `c`.
fn named_paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (start, _) in code.match_indices("crate::").chain(code.match_indices("super::")) {
        // `crate::` inside a longer word (`my_crate::`) is not a path of this crate.
        if code[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut rest = &code[start..];
        let mut base = Vec::new();
        if let Some(after) = rest.strip_prefix("crate::") {
            rest = after;
        } else {
            base = module.to_vec();
            while let Some(after) = rest.strip_prefix("super::") {
                if base.pop().is_none() {
                    break;
                }
                rest = after;
            }
        }
        for item in braced_items(rest) {
            let mut path = base.clone();
            path.extend(segments(&item));
            if path.len() > base.len() {
                paths.push(path);
            }
        }
    }
    paths
}

/// The top-level items of `rest`: those of a `{…}` group, or the path itself.
fn braced_items(rest: &str) -> Vec<String> {
    let Some(group) = rest.strip_prefix('{') else { return vec![rest.to_owned()] };
    let (mut items, mut depth, mut item) = (Vec::new(), 0, String::new());
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => items.push(std::mem::take(&mut item)),
            _ if depth == 0 => item.push(c),
            _ => {}
        }
    }
    items.push(item);
    items
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

/// The edges between modules of the files in `src/`.
fn edges() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let read = files.iter().map(|file| {
        let text = std::fs::read_to_string(file).expect("a readable source");
        (file.strip_prefix(&src).expect("under src").to_path_buf(), text)
    });
    edges_of(read.collect())
}

/// The edges between modules of `files` (path under `src/`, text): between top-level modules,
/// and between the modules inside one of them (an edge between a module and its own parent or
/// child is how Rust nests modules, not a dependency).
fn edges_of(files: Vec<(std::path::PathBuf, String)>) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let modules: BTreeSet<Vec<String>> = files.iter().filter_map(|(path, _)| module_of(path)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (path, text) in &files {
        let Some(from) = module_of(path) else { continue };
        for named in named_paths(&code_of(text), &from) {
            let Some(to) = (1..=named.len()).rev().map(|n| named[..n].to_vec()).find(|m| modules.contains(m))
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
    let firsts: Vec<String> = named_paths(code, &[]).into_iter().map(|p| p[0].clone()).collect();
    assert_eq!(firsts, ["approvals", "store", "metrics"]);
}

#[test]
fn super_paths_are_read_from_the_parent_of_the_module_that_writes_them() {
    let module = ["discord".to_owned(), "cards".to_owned(), "selection".to_owned()];
    let code = "use super::{Budget, limits};\nuse super::super::review::Click;";
    let paths: Vec<String> = named_paths(code, &module).iter().map(|p| p.join("::")).collect();
    assert_eq!(paths, ["discord::cards::Budget", "discord::cards::limits", "discord::review::Click"]);
}

#[test]
fn a_cycle_through_super_paths_deep_inside_a_module_is_found() {
    let file = |path: &str, text: &str| (std::path::PathBuf::from(path), text.to_owned());
    let files = vec![
        file("lib.rs", "pub mod discord;"),
        file("discord/mod.rs", "mod cards;"),
        file("discord/cards/mod.rs", "mod a;\nmod b;"),
        file("discord/cards/a.rs", "use super::b::Thing;"),
        file("discord/cards/b.rs", "use super::{a::Other, limits};\n"),
    ];
    let module = |m: &str| m.split("::").map(str::to_owned).collect::<Vec<_>>();
    let cycle = a_cycle(&edges_of(files.clone())).expect("a ↔ b");
    assert_eq!(cycle, [module("discord::cards::a"), module("discord::cards::b")]);
    // The same tree without b's use of a has no cycle: a child using its parent is nesting.
    let mut without = files;
    without[4] = file("discord/cards/b.rs", "use super::limits;\nuse crate::discord::cards::Budget;");
    assert_eq!(a_cycle(&edges_of(without)), None);
}
