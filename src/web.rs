//! The browser facade: the only module that knows about JavaScript. It translates and
//! nothing else: each JS method is one core operation, named as the core names it, its
//! values converted with `serde-wasm-bindgen` and its typed error turned into an `Error`
//! carrying the core's message.
//!
//! The page loads two modules built from this one crate. The *predictor* (built without
//! feature `training`: candle's forward pass only) is what the drawing page needs:
//!
//! - [`Drawings`]: the two drawings as the network sees them (`set` pixels or `setInput`).
//! - [`Model`]: a TwinNet from safetensors bytes; `info`, `predict` (the core's
//!   `Prediction` as a plain object, `null` where the Rust value is `None`), `evidence`.
//! - [`limits`]: the settings' limits and defaults (`crate::options::Limits`), which the
//!   page's forms show and check without restating them.
//! - [`memory_bytes`], [`take_panic_message`]: the module's memory (its peak: wasm memory
//!   never shrinks) and what the last panic said. Nothing here is meant to panic, but if
//!   something does, the hook keeps the message so the page can answer with it rather
//!   than with wasm's bare "unreachable".
//!
//! The *trainer* (feature `training`, fetched when a run is asked for) has all of that and
//! `training.rs`'s classes: [`TrainingData`], [`Training`] (one run of the page's form, a
//! `step` per epoch), [`AblationRun`] and [`AblationResults`] (an ablation's runs and
//! Table I).
//!
//! Compiled only for `wasm32` (see `lib.rs`). The facade supplies the clock the core does
//! not read: `performance.now()`, in milliseconds.

use std::sync::Mutex;

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::data::PIXELS14;
use crate::evidence;
use crate::model::{Normalization, TwinNet};
use crate::options::Limits;
use crate::predict;
use crate::preprocess::{self, PixelFormat, PreprocessError};
use crate::stats::median;
use crate::weights;

#[cfg(feature = "training")]
mod training;
#[cfg(feature = "training")]
pub use training::{AblationFiles, AblationResults, AblationRun, Training, TrainingData};

/// Which of the two drawings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    First,
    Second,
}

impl Which {
    /// `"a"` (the first drawing) or `"b"` (the second), as the page names its pads.
    pub fn parse(side: &str) -> Result<Self, WebError> {
        match side {
            "a" => Ok(Which::First),
            "b" => Ok(Which::Second),
            other => Err(WebError::UnknownSide(other.to_string())),
        }
    }
}

impl std::fmt::Display for Which {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Which::First => "first",
            Which::Second => "second",
        })
    }
}

/// Why the facade could not do what JavaScript asked; becomes the `Error`'s message.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{which} drawing: {source}")]
    Drawing {
        which: Which,
        source: PreprocessError,
    },
    #[error("{which} digit: {len} values is not a 14×14 network input (196 values in [0, 1])")]
    NotAnInput { which: Which, len: usize },
    #[error("unknown drawing {0:?}: use \"a\" (the first) or \"b\" (the second)")]
    UnknownSide(String),
    #[error("the model failed on this pair: {0}")]
    Model(#[from] candle_core::Error),
    #[error("could not hand the result to JavaScript: {0}")]
    Serialize(String),
    #[error("not a finished run of an ablation ({0}): record what `AblationRun.finish` returned")]
    NotARun(String),
}

/// Plain JS objects, `null` for `None` (so `JSON.stringify` keeps every key).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| WebError::Serialize(e.to_string()).into())
}

/// What the page shows about a model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// `none`, `share`, `aux` or `share+aux`.
    pub name: &'static str,
    pub share: bool,
    pub aux: bool,
    pub parameters: usize,
    pub normalization: Normalization,
}

impl ModelInfo {
    pub fn of(net: &TwinNet) -> Self {
        let config = net.config();
        Self {
            name: config.name(),
            share: config.share,
            aux: config.aux,
            parameters: net.parameter_count(),
            normalization: net.normalization(),
        }
    }
}

/// The two drawings as the network sees them, kept between predictions: the page sends a
/// drawing again only when it changed, so a stroke on one pad does not preprocess the
/// other. A side never set is blank. Independent of the model: it survives model loads.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct Drawings {
    first: Option<[f32; PIXELS14]>,
    second: Option<[f32; PIXELS14]>,
}

impl Drawings {
    fn side(&mut self, which: Which) -> &mut Option<[f32; PIXELS14]> {
        match which {
            Which::First => &mut self.first,
            Which::Second => &mut self.second,
        }
    }
}

#[wasm_bindgen]
impl Drawings {
    /// Two blank drawings.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Drawings {
        Self::default()
    }

    /// Replaces drawing `side` (`"a"` or `"b"`) by the bytes of a square image in `format`
    /// (`"rgba"`, 4 bytes per pixel as `getImageData` gives them, or `"alpha"`, 1 byte of
    /// ink per pixel; any side); on an `Error` the drawing is left as it was.
    pub fn set(&mut self, side: &str, pixels: &[u8], format: &str) -> Result<(), JsError> {
        let which = Which::parse(side)?;
        let input = PixelFormat::parse(format)
            .and_then(|format| preprocess::network_input(pixels, format))
            .map_err(|source| WebError::Drawing { which, source })?;
        *self.side(which) = input;
        Ok(())
    }

    /// Replaces drawing `side` by a digit already in the network's input form (14×14 =
    /// 196 values in [0, 1], as the MNIST recipe leaves them, un-normalised).
    #[wasm_bindgen(js_name = setInput)]
    pub fn set_input(&mut self, side: &str, values: &[f32]) -> Result<(), JsError> {
        let which = Which::parse(side)?;
        let input = values.try_into().map_err(|_| WebError::NotAnInput {
            which,
            len: values.len(),
        })?;
        *self.side(which) = Some(input);
        Ok(())
    }
}

/// A loaded TwinNet. The worker that creates it is its only owner.
#[wasm_bindgen]
pub struct Model {
    net: TwinNet,
}

impl Model {
    fn prediction(&self, drawings: &Drawings) -> Result<predict::Prediction, WebError> {
        let (a, b) = (drawings.first.as_ref(), drawings.second.as_ref());
        Ok(predict::predict(&self.net, a, b)?)
    }
}

#[wasm_bindgen]
impl Model {
    /// A model from the bytes of a safetensors weights file; throws an `Error` with
    /// the loader's message (what is missing or wrong) if they are not a TwinNet.
    #[wasm_bindgen(constructor)]
    pub fn new(weights: &[u8]) -> Result<Model, JsError> {
        let net = weights::from_safetensors(weights)?;
        Ok(Self { net })
    }

    /// `{name, share, aux, parameters, normalization: {mean, std}}`.
    pub fn info(&self) -> Result<JsValue, JsError> {
        to_js(&ModelInfo::of(&self.net))
    }

    /// Predicts on the two drawings: `{verdict: {p_le_readout, p_le_head, p_le, le} | null,
    /// a: {input, probs, argmax} | null, b: … | null, blank_a, blank_b, aux}` (see
    /// `predict::Prediction`); a blank side has no view and then there is no verdict.
    pub fn predict(&self, drawings: &Drawings) -> Result<JsValue, JsError> {
        to_js(&self.prediction(drawings)?)
    }

    /// The evidence maps of the two drawings (see `evidence`): `{a: {input, verdict,
    /// class, digit} | null, b: … | null}`, each map 196 log-odds changes, row-major;
    /// `verdict` is null when the other side is blank.
    pub fn evidence(&self, drawings: &Drawings) -> Result<JsValue, JsError> {
        let (a, b) = (drawings.first.as_ref(), drawings.second.as_ref());
        to_js(&evidence::evidence(&self.net, a, b).map_err(WebError::from)?)
    }

    /// The benchmark of one-pair inference inside the module (no JavaScript in the loop):
    /// `batches` × `calls` predictions on `drawings`, timed per batch by
    /// `performance.now()` (coarse in a browser, hence batches); the median batch's µs
    /// per prediction.
    #[wasm_bindgen(js_name = benchmarkPredict)]
    pub fn benchmark_predict(
        &self,
        drawings: &Drawings,
        batches: usize,
        calls: usize,
    ) -> Result<f64, JsError> {
        let calls = calls.max(1);
        let mut per_call = Vec::new();
        for _ in 0..batches.max(1) {
            let start = now_ms();
            for _ in 0..calls {
                self.prediction(drawings)?;
            }
            per_call.push((now_ms() - start) * 1e3 / calls as f64);
        }
        Ok(median(&mut per_call))
    }
}

/// The page's clock in milliseconds: `performance.now()` of the worker (or window) running
/// the module, `Date.now()` where there is no `performance`. The core reads no clock;
/// runs are timed with this one.
pub fn now_ms() -> f64 {
    let global = js_sys::global();
    let performance = js_sys::Reflect::get(&global, &"performance".into()).ok();
    performance
        .and_then(|p| {
            let now = js_sys::Reflect::get(&p, &"now".into()).ok()?;
            now.dyn_into::<js_sys::Function>()
                .ok()?
                .call0(&p)
                .ok()?
                .as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

/// The limits and defaults of the training and ablation settings:
/// `{epochs: {min, max}, pairs, rounds, seed, min_batch, max_lr, defaults: {share, aux,
/// epochs, pairs, lr, batch, seed}}` (`crate::options::Limits`).
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    to_js(&Limits::PAGE)
}

/// Bytes of the module's linear memory. WebAssembly memory grows and never shrinks, so
/// this is also the peak since the module started.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    const PAGE: f64 = 65_536.0;
    std::arch::wasm32::memory_size::<0>() as f64 * PAGE
}

/// The message of the last panic, if any; see the module documentation.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Installed when the module is instantiated: panics go to the console with their
/// message and location, and [`take_panic_message`] can tell the worker about them.
#[wasm_bindgen(start)]
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Ok(mut last) = LAST_PANIC.try_lock() {
            *last = Some(info.to_string());
        }
    }));
}

/// The message of the last panic (and forgets it), or `undefined`. After a panic the
/// module is unusable (wasm aborts); the worker reports this message and is replaced.
#[wasm_bindgen(js_name = takePanicMessage)]
pub fn take_panic_message() -> Option<String> {
    LAST_PANIC.try_lock().ok().and_then(|mut last| last.take())
}
