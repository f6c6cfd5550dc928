//! TwinNet: given two handwritten digits, is the first less than or equal to the second?
//!
//! The pure-Rust core (no browser, no filesystem, no threads, no clocks) that the
//! native CLI and the WebAssembly page share:
//!
//! Dependencies run down this list (a module uses only those below it). `report`, `plot`,
//! `ablation`, `train` and `evaluate` exist with feature `training` (default; the page's predictor
//! module is built without it, so the model cannot be put in train mode there):
//!
//! - `web` (wasm32 only): the browser facade, the one module that imports wasm-bindgen.
//! - [`report`]: Table I to take away: the JSON report (`twinnet ablate --json`'s) and CSV.
//! - [`plot`]: Fig. 2 as an SVG, from Table I's rows.
//! - [`ablation`]: the run list (four configurations × R rounds), one planned run stepped
//!   at a time, finished runs recorded in any order, Table I and its curves.
//! - [`train`]: one training run: the epoch-at-a-time [`train::Trainer`], the stepped and
//!   timed [`train::TrainingRun`], [`train::run`], its reports.
//! - [`options`]: the settings of a run and of an ablation: defaults, limits, validation.
//! - [`drawn`]: the drawn-digit benchmark: held-out digits painted with the page's pen.
//! - [`evaluate`]: pairs as tensors, evaluation, digit accuracy.
//! - [`examples`]: the page's example digits: held-out digits as pen strokes.
//! - [`evidence`]: evidence maps: how much each pixel moved the verdict (occlusion).
//! - [`predict`]: one pair → verdict and both digits' probabilities.
//! - [`weights`]: safetensors in PyTorch's `state_dict` names, in memory.
//! - [`data`]: MNIST idx files, the compact digits file, pair generation.
//! - [`strokes`]: redraw a digit as round pen strokes (augmentation for drawn input).
//! - [`model`]: the published TwinNet on candle and the probabilistic readout.
//! - [`kernels`]: fused conv kernels (candle ops with their own backward pass).
//! - [`preprocess`]: a drawing's pixels (any size) → MNIST's 28×28 → 14×14.
//! - [`thickness`]: the stroke width of a fitted drawing, estimated and brought to MNIST's.
//! - [`stats`]: mean ± sample std, median.
//! - [`rng`]: the one seeded random number generator.

#[cfg(feature = "training")]
pub mod ablation;
pub mod data;
pub mod drawn;
#[cfg(feature = "training")]
pub mod evaluate;
pub mod evidence;
pub mod examples;
pub mod kernels;
pub mod model;
pub mod options;
#[cfg(feature = "training")]
pub mod plot;
pub mod predict;
pub mod preprocess;
#[cfg(feature = "training")]
pub mod report;
pub mod rng;
pub mod stats;
pub mod strokes;
pub mod thickness;
#[cfg(feature = "training")]
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod weights;
