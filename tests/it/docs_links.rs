//! Every relative link in the documentation leads somewhere: README.md, CONTRIBUTING.md and
//! docs/*.md link to each other and into the tree, and a file moved or a heading renamed must not
//! leave a reader at a dead end. A link with an anchor (`file.md#heading`, `#heading`) must name a
//! heading of that file, spelt as GitHub makes its anchors.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

/// The documents whose links are checked, relative to the repository.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut docs = vec![root.join("README.md"), root.join("CONTRIBUTING.md")];
    let mut in_docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    in_docs.sort();
    docs.extend(in_docs);
    docs
}

/// The lines of `markdown` outside fenced code blocks, with inline code taken out.
fn prose_lines(markdown: &str) -> Vec<String> {
    let mut in_fence = false;
    let mut lines = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if !in_fence {
            // Every other stretch between backticks is code.
            lines.push(line.split('`').step_by(2).collect::<Vec<_>>().join(""));
        }
    }
    lines
}

/// The targets of the inline links (`[text](target)`) of `markdown`.
fn link_targets(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose_lines(markdown) {
        for (at, _) in line.match_indices("](") {
            let rest = &line[at + 2..];
            if let Some(end) = rest.find(')') {
                targets.push(rest[..end].trim().to_owned());
            }
        }
    }
    targets
}

/// The anchors GitHub gives the headings of `markdown`: lower case, punctuation dropped, spaces
/// as hyphens, and `-1`, `-2`, … after a repeated one.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for line in prose_lines(markdown) {
        let Some(title) = line.strip_prefix('#') else { continue };
        let title = title.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut anchor = slug.clone();
        let mut n = 0;
        while !seen.insert(anchor.clone()) {
            n += 1;
            anchor = format!("{slug}-{n}");
        }
    }
    seen
}

/// What is wrong with each relative link of the document at `path`, one sentence each.
fn broken_links(path: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    let dir = path.parent().expect("a document lives in a folder");
    let mut broken = Vec::new();
    for target in link_targets(&text) {
        if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
            continue;
        }
        let (file, anchor) = match target.split_once('#') {
            Some((file, anchor)) => (file, Some(anchor)),
            None => (target.as_str(), None),
        };
        let linked = if file.is_empty() { path.to_path_buf() } else { dir.join(file) };
        if !linked.exists() {
            broken.push(format!("{}: {target} leads to no file", path.display()));
            continue;
        }
        let Some(anchor) = anchor else { continue };
        let headings = std::fs::read_to_string(&linked).map(|text| anchors(&text)).unwrap_or_default();
        if !headings.contains(anchor) {
            broken.push(format!("{}: {target} names no heading of {}", path.display(), linked.display()));
        }
    }
    broken
}

#[test]
fn every_relative_link_in_the_documentation_leads_to_a_file_and_heading_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = documents(root);
    assert!(docs.len() >= 5, "README, CONTRIBUTING and the docs/ pages: {docs:?}");
    let broken: Vec<String> = docs.iter().flat_map(|doc| broken_links(doc)).collect();
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn a_missing_file_or_heading_is_reported_and_links_in_code_or_to_the_web_are_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("other.md"), "# Other page\n\n## Run it: with Docker\n").unwrap();
    let page = dir.path().join("page.md");
    std::fs::write(
        &page,
        "# Page\n\n## Same name\n\n## Same name\n\n\
         [ok](other.md) [ok](other.md#run-it-with-docker) [ok](#same-name-1) [web](https://example.com/x)\n\
         [gone](missing.md) [no heading](other.md#run-it) [no heading here](#same-name-2)\n\
         `[in code](nowhere.md)`\n\n```text\n[in a fence](nowhere.md)\n```\n",
    )
    .unwrap();
    let broken = broken_links(&page);
    assert_eq!(broken.len(), 3, "{broken:#?}");
    assert!(broken[0].ends_with("missing.md leads to no file"), "{broken:#?}");
    assert!(broken[1].contains("other.md#run-it names no heading"), "{broken:#?}");
    assert!(broken[2].contains("#same-name-2 names no heading"), "{broken:#?}");
}
