//! The commands as TypeScript: `ui/src/lib/backend/commands.ts` is generated from the
//! `#[tauri::command]` functions of this module (their names, arguments, results and docs), and
//! the handler list in `lib.rs` is held to the same set. A command is declared once, in Rust;
//! `make bindings` writes the file and `make test` fails when it is stale.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One command as its source declares it.
#[derive(Debug)]
struct Command {
    module: String,
    name: String,
    docs: Vec<String>,
    /// `(name, Rust type)`, without what Tauri injects (state, request).
    args: Vec<(String, String)>,
    ret: String,
    /// Takes the raw request body: wrapped by hand in `backend.ts`.
    raw_body: bool,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Splits at the commas outside `<…>` and `(…)`.
fn split_top(s: &str) -> Vec<String> {
    let (mut depth, mut part, mut out) = (0i32, String::new(), Vec::new());
    for c in s.chars() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut part));
                continue;
            }
            _ => {}
        }
        part.push(c);
    }
    out.push(part);
    out.into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

fn commands() -> Vec<Command> {
    let dir = src().join("commands");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = source.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.trim().starts_with("#[tauri::command") {
                continue;
            }
            let docs = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim().starts_with("///"))
                .map(|l| l.trim().trim_start_matches("///").trim().to_owned())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let mut signature = String::new();
            for l in &lines[i + 1..] {
                signature.push_str(l.trim());
                signature.push(' ');
                if l.trim_end().ends_with('{') {
                    break;
                }
            }
            let rest = signature
                .trim()
                .strip_prefix("pub async fn ")
                .unwrap_or_else(|| panic!("{module}: not `pub async fn`: {signature}"));
            let open = rest.find('(').unwrap();
            let name = rest[..open].trim().to_owned();
            let mut depth = 0;
            let close = rest
                .char_indices()
                .skip(open)
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .unwrap()
                .0;
            let ret = rest[close + 1..]
                .trim()
                .trim_end_matches('{')
                .trim()
                .strip_prefix("->")
                .map(|r| r.trim().to_owned())
                .unwrap_or_else(|| "()".into());
            let mut args = Vec::new();
            let mut raw_body = false;
            for arg in split_top(&rest[open + 1..close]) {
                let (arg_name, ty) = arg.split_once(':').unwrap();
                let ty = ty.trim().to_owned();
                if ty.starts_with("Request<") {
                    raw_body = true;
                } else if !ty.starts_with("State<") {
                    args.push((arg_name.trim().to_owned(), ty));
                }
            }
            out.push(Command {
                module: module.clone(),
                name,
                docs,
                args,
                ret,
                raw_body,
            });
        }
    }
    out
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The TypeScript of a Rust type, noting the generated bindings it uses.
fn ts(ty: &str, uses: &mut BTreeSet<String>) -> String {
    let ty = ty.trim();
    if let Some(inner) = generic(ty, "CommandResult") {
        return ts(inner, uses);
    }
    if let Some(inner) = generic(ty, "Option") {
        return format!("{} | null", ts(inner, uses));
    }
    if let Some(inner) = generic(ty, "Vec") {
        return format!("Array<{}>", ts(inner, uses));
    }
    let name = ty.rsplit("::").next().unwrap_or(ty);
    match name {
        "()" => "void".into(),
        "String" | "&str" => "string".into(),
        "bool" => "boolean".into(),
        "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "f32" | "f64" | "usize" => "number".into(),
        other => {
            assert!(
                src()
                    .join("../../ui/src/lib/bindings")
                    .join(format!("{other}.ts"))
                    .exists(),
                "no TypeScript binding for {other}"
            );
            uses.insert(other.to_owned());
            other.to_owned()
        }
    }
}

fn generic<'a>(ty: &'a str, outer: &str) -> Option<&'a str> {
    ty.strip_prefix(outer)?
        .trim()
        .strip_prefix('<')?
        .strip_suffix('>')
}

fn generate(commands: &[Command]) -> String {
    let mut uses = BTreeSet::new();
    let mut methods = String::new();
    let mut wrappers = String::new();
    for c in commands.iter().filter(|c| !c.raw_body) {
        let params: Vec<String> = c
            .args
            .iter()
            .map(|(n, t)| format!("{}: {}", camel(n), ts(t, &mut uses)))
            .collect();
        let ret = ts(&c.ret, &mut uses);
        if !c.docs.is_empty() {
            methods.push_str(&format!("  /** {} */\n", c.docs.join(" ")));
        }
        methods.push_str(&format!(
            "  {}({}): Promise<{ret}>;\n",
            camel(&c.name),
            params.join(", ")
        ));
        let names: Vec<String> = c.args.iter().map(|(n, _)| camel(n)).collect();
        let body = if names.is_empty() {
            format!("call(\"{}\")", c.name)
        } else {
            format!("call(\"{}\", {{ {} }})", c.name, names.join(", "))
        };
        wrappers.push_str(&format!(
            "    {}: ({}) => {body},\n",
            camel(&c.name),
            names.join(", ")
        ));
    }
    let imports: String = uses
        .iter()
        .map(|u| format!("import type {{ {u} }} from \"../bindings/{u}\";\n"))
        .collect();
    let raw: Vec<&str> = commands
        .iter()
        .filter(|c| c.raw_body)
        .map(|c| c.name.as_str())
        .collect();
    format!(
        "// Generated from the #[tauri::command]s of src-tauri/src/commands by `make bindings`: do not edit.\n\
         {imports}\n\
         /** Every command of the desktop shell, as the agent core answers it ({} aside: raw bytes, wrapped in backend.ts). */\n\
         export interface Commands {{\n{methods}}}\n\n\
         /** Sends one command with its arguments under Tauri's (camelCase) names. */\n\
         export type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;\n\n\
         /** The commands over a transport. */\n\
         export function commandsOver(call: Invoke): Commands {{\n  return {{\n{wrappers}  }};\n}}\n",
        raw.join(", ")
    )
}

#[test]
fn typescript_commands_are_generated_from_the_rust_ones() {
    let commands = commands();
    assert!(
        commands.len() > 40,
        "found only {} commands",
        commands.len()
    );
    let generated = generate(&commands);
    let path = src().join("../../ui/src/lib/backend/commands.ts");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: run `make bindings`",
        path.display()
    );
}

#[test]
fn the_handler_lists_every_command_once() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let listed: Vec<String> = lib
        .split("generate_handler![")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap()
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let declared: Vec<String> = commands()
        .iter()
        .map(|c| format!("commands::{}::{}", c.module, c.name))
        .collect();
    let (listed_set, declared_set): (BTreeSet<_>, BTreeSet<_>) =
        (listed.iter().collect(), declared.iter().collect());
    assert_eq!(listed.len(), listed_set.len(), "a command is listed twice");
    assert_eq!(listed_set, declared_set);
}
