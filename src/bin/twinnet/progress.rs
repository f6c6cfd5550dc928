//! Progress bars on a terminal, nothing otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps on stderr when it is a terminal (hidden otherwise).
pub fn bar(len: usize, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    let template = format!("{{bar:30.cyan/blue}} {{pos}}/{{len}} {unit} {{elapsed}} (eta {{eta}}) {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        pb.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
    }
    pb
}
