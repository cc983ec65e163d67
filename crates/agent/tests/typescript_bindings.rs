//! The TypeScript types in `ui/src/lib/bindings/` are generated from the Rust types; this test
//! fails when the committed files differ from what the code generates now.
//! `make bindings` (UPDATE_BINDINGS=1) rewrites them.

use std::path::PathBuf;

use messenger_protocol::bindings;

#[test]
fn typescript_bindings_match_the_rust_types() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings");
    let generated = tempfile::tempdir().expect("temp dir");
    bindings::export_protocol(generated.path()).expect("export protocol types");
    messenger_agent::view::export_view(generated.path()).expect("export view types");

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        bindings::replace_dir_files(generated.path(), &committed).expect("write bindings");
        return;
    }
    let drift = bindings::drift(
        &bindings::read_dir_files(&committed).expect("read committed bindings"),
        &bindings::read_dir_files(generated.path()).expect("read generated bindings"),
    );
    assert!(
        drift.is_empty(),
        "ui/src/lib/bindings is out of date with the Rust types; run `make bindings` and commit.\n{drift}"
    );
}
