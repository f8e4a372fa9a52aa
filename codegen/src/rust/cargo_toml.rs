//! The generated `Cargo.toml`: no dependencies by default, and the optional
//! `runtime` feature when asked for.

use super::{Error, RuntimeDependency, GENERATED_MARKER};

/// The manifest of the crate named `package`, its version's build metadata
/// the rule set's fingerprint: two crates of one name built into one
/// target folder are then two packages to Cargo (with the same version it
/// took the second crate's build as fresh and ran the first one's rules).
pub(super) fn cargo_toml(package: &str, fingerprint: &str, runtime_dep: Option<&str>) -> String {
    let head = format!(
        "# {GENERATED_MARKER}\n\
         [package]\n\
         name = \"{package}\"\n\
         version = \"0.1.0+{fingerprint}\"\n\
         edition = \"2021\"\n\
         publish = false\n\
         \n"
    );
    let deps = match runtime_dep {
        None => "# No dependencies: the rules need only `core`.\n\
                 [dependencies]\n\
                 \n"
        .to_string(),
        Some(line) => format!(
            "# No dependencies by default: the rules need only `core`.\n\
             [dependencies]\n\
             {line}\n\
             \n\
             [features]\n\
             # `engine::CompiledRules` implements `rulec_runtime::Engine`, so\n\
             # `rulec_runtime::Cascade` runs these rules (see `src/engine.rs`).\n\
             runtime = [\"dep:rulec-runtime\"]\n\
             \n\
             [[example]]\n\
             name = \"cascade\"\n\
             required-features = [\"runtime\"]\n\
             \n"
        ),
    };
    format!(
        "{head}{deps}\
         # Builds on its own even when placed inside another workspace. A\n\
         # workspace that holds this folder and depends on this crate lists\n\
         # the folder in its `exclude` (`exclude = [\"rules_crate\"]`).\n\
         [workspace]\n"
    )
}

/// The `rulec-runtime = { .. }` line of the generated `Cargo.toml`.
pub(super) fn runtime_dependency_line(dep: &RuntimeDependency) -> Result<String, Error> {
    let source = match dep {
        RuntimeDependency::Path(path) => {
            let text = path
                .to_str()
                .ok_or_else(|| Error::RuntimePath(path.clone()))?;
            format!("path = {}", toml_string(text))
        }
        RuntimeDependency::Version(req) => format!("version = {}", toml_string(req)),
    };
    Ok(format!("rulec-runtime = {{ {source}, optional = true }}"))
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
