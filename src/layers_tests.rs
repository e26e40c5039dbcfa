//! The layers of the root crate only look down. The crate graph already keeps
//! metrics, table, disclosure and present (crates/) below everything; inside this
//! crate the rule is checked here: model, monitor, pipeline, report, config, the
//! ops, the marts and the store never import the cockpit (dashboard, web).
/// Layers only look down: model, monitor, pipeline and report take formats,
/// charts and messages from here, never from the cockpit.
#[test]
fn no_layer_below_the_cockpit_imports_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = [
        "model",
        "monitor",
        "report",
        "documentation",
        "pipeline",
        "config",
        "ops",
        "marts.rs",
        "store.rs",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    let mut read = 0;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&path).unwrap();
        read += 1;
        if text.contains("crate::dashboard") || text.contains("crate::web") {
            offenders.push(rel);
        }
    }
    assert!(read > 30, "the walk found the layers' files ({read})");
    assert!(offenders.is_empty(), "import the cockpit: {offenders:?}");
}
