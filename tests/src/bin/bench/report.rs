//! Collected figures, printed as one table at the end.

#[derive(Default)]
pub struct Report {
    rows: Vec<(String, String, String)>,
}

impl Report {
    /// One figure: what, value, and the target it is held against.
    pub fn add(
        &mut self,
        what: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
    ) {
        let (what, value, target) = (what.into(), value.into(), target.into());
        println!(
            "  {what}: {value}{}",
            if target.is_empty() {
                String::new()
            } else {
                format!("  (target {target})")
            }
        );
        self.rows.push((what, value, target));
    }

    pub fn print(&self) {
        println!("\n| figure | value | target |\n| --- | --- | --- |");
        for (w, v, t) in &self.rows {
            println!("| {w} | {v} | {t} |");
        }
    }
}
