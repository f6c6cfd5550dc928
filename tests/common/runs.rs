//! What the tests of stepped runs share: a small set of sources, a clock that ticks, and a
//! run's figures without its time.

use std::cell::Cell;

use twinnet::data::pairs::Sources;
use twinnet::train::RunResult;

/// 400 seven-segment digits, split into halves as the CLI splits a digits file.
pub fn small_sources() -> Sources {
    Sources::split_halves(&super::synthetic_digits(400, 3), 0)
}

/// A clock that advances by `tick` ms every time it is read.
pub fn ticking(tick: f64) -> impl Fn() -> f64 {
    let t = Cell::new(0.0);
    move || {
        t.set(t.get() + tick);
        t.get()
    }
}

/// Everything but the time.
pub fn without_time(mut r: RunResult) -> RunResult {
    r.elapsed_ms = 0.0;
    r
}
