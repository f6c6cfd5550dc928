//! TwinNet: given two handwritten digits, is the first less than or equal to the second?
//!
//! The pure-Rust core (no browser, no filesystem, no threads, no clocks) that the
//! native CLI and the WebAssembly page share:
//!
//! - [`ablation`]: the four configurations × R rounds, Table I and its curves.
//! - [`data`]: MNIST idx files, the compact digits file, pair generation.
//! - [`rng`]: the one seeded random number generator.
//! - [`model`]: the published TwinNet on candle and the probabilistic readout.
//! - [`train`]: epoch-at-a-time training and evaluation.
//! - [`weights`]: safetensors in PyTorch's `state_dict` names, in memory.
//! - [`predict`]: one pair → verdict and both digits' probabilities.
//! - [`preprocess`]: any grayscale drawing → MNIST's 28×28 → 14×14.
//! - [`session`]: training stepped an epoch at a time by a caller (the browser's worker),
//!   the page's settings checked field by field.
//! - [`strokes`]: redraw a digit as round pen strokes (augmentation for drawn input).
//! - `web` (wasm32 only): the browser facade, the one module that imports wasm-bindgen.

pub mod ablation;
pub mod data;
pub mod model;
pub mod predict;
pub mod preprocess;
pub mod rng;
pub mod session;
pub mod strokes;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod weights;
