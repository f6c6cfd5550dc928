//! Progress reporting: a bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar of `len` steps on stderr when it is a terminal; elsewhere
/// (a pipe, CI) only the lines printed through it appear.
pub struct Progress {
    bar: ProgressBar,
    terminal: bool,
}

impl Progress {
    pub fn println(&self, line: impl AsRef<str>) {
        if self.terminal {
            self.bar.println(line);
        } else {
            eprintln!("{}", line.as_ref());
        }
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    pub fn set_message(&self, msg: String) {
        self.bar.set_message(msg);
    }

    pub fn finish_and_clear(&self) {
        self.bar.finish_and_clear();
    }
}

/// A progress reporter of `len` steps.
pub fn bar(len: usize, unit: &str) -> Progress {
    let terminal = std::io::stderr().is_terminal();
    if !terminal {
        return Progress {
            bar: ProgressBar::hidden(),
            terminal,
        };
    }
    let bar = ProgressBar::new(len as u64);
    let template =
        format!("{{bar:30.cyan/blue}} {{pos}}/{{len}} {unit} {{elapsed}} (eta {{eta}}) {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
    }
    Progress { bar, terminal }
}
