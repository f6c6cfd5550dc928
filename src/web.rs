//! The browser facade: the only module that knows about JavaScript.
//!
//! A thin layer over the core for the page's Web Worker:
//!
//! - [`Model`]: a TwinNet made from safetensors bytes (`new Model(bytes)` in JS; a bad
//!   file throws an `Error` carrying the loader's message).
//! - [`Model::predict`]: two drawings' pixels (RGBA as from `getImageData`, or one alpha
//!   byte per pixel; any square size) → the core's [`Prediction`] as a plain JS object
//!   (`null` where the Rust value is `None`).
//! - [`TrainingData`]: the digits to train on, from a TwinNet digits file (`TWDIGIT1`),
//!   split into train and test halves as the CLI splits them.
//! - [`Training`]: one run of the page's training form, an epoch per [`Training::run_epoch`]
//!   call, so the worker can report after every epoch and stop between epochs; then the
//!   weights and the final metrics.
//! - [`Ablation`]: R rounds × the four configurations, an epoch per [`Ablation::step`] call,
//!   then Table I.
//! - [`memory_bytes`]: the size of the module's linear memory (it never shrinks, so it is
//!   the peak).
//! - [`take_panic_message`]: what the last panic said. Nothing here is meant to panic
//!   (every failure is an `Error`), but if something does, the panic hook reports it on
//!   the console and keeps the message, so the worker can answer with it rather than
//!   with wasm's bare "unreachable".
//!
//! Compiled only for `wasm32` (see `lib.rs`); everything else in the crate stays free of
//! wasm-bindgen. What training does — checking the settings, stepping runs, the reports —
//! is the core's (`crate::session`); this module converts values and supplies the clock
//! (`performance.now()`, which the core does not read).

use std::sync::{Arc, Mutex};

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::ablation::median;
use crate::data::pairs::{Sources, DEFAULT_SPLIT_SEED};
use crate::data::{digits_file, DataError, PIXELS14};
use crate::model::{Normalization, TwinNet};
use crate::predict::{self, Prediction};
use crate::preprocess::{self, GrayImage, PreprocessError};
use crate::session::{
    self, AblationOptions, OptionError, TrainOptions, TrainingReport, TrainingRun,
};
use crate::train::TrainError;
use crate::weights::{self, WeightsError};

/// How a drawing's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 4 bytes per pixel, as `CanvasRenderingContext2D.getImageData` gives them.
    /// Interpreted by [`GrayImage::from_rgba`]: alpha when anything is transparent,
    /// else luminance.
    Rgba,
    /// 1 byte per pixel, the ink (0 = none, 255 = full).
    Alpha,
}

impl PixelFormat {
    /// `"rgba"` or `"alpha"`.
    pub fn parse(name: &str) -> Result<Self, WebError> {
        match name {
            "rgba" => Ok(Self::Rgba),
            "alpha" => Ok(Self::Alpha),
            other => Err(WebError::UnknownFormat(other.to_owned())),
        }
    }

    /// Bytes per pixel.
    pub fn channels(self) -> usize {
        match self {
            Self::Rgba => 4,
            Self::Alpha => 1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Rgba => "rgba",
            Self::Alpha => "alpha",
        }
    }
}

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
    #[error("unknown pixel format {0:?}: use \"rgba\" (4 bytes per pixel, as getImageData gives) or \"alpha\" (1 byte per pixel)")]
    UnknownFormat(String),
    #[error("{which} drawing: {bytes} bytes is not a square {format} image (side × side × {channels} bytes); send the whole square canvas")]
    NotSquare {
        which: Which,
        bytes: usize,
        format: &'static str,
        channels: usize,
    },
    #[error("{which} drawing: {source}")]
    Preprocess {
        which: Which,
        source: PreprocessError,
    },
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error("the model failed on this pair: {0}")]
    Model(#[from] candle_core::Error),
    #[error("{which} digit: {len} values is not a 14×14 network input (196 values in [0, 1])")]
    NotAnInput { which: Which, len: usize },
    #[error("unknown drawing {0:?}: use \"a\" (the first) or \"b\" (the second)")]
    UnknownSide(String),
    #[error("could not hand the result to JavaScript: {0}")]
    Serialize(String),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Options(#[from] OptionError),
    #[error("{0}")]
    Train(#[from] TrainError),
}

/// The side of a square image of `bytes` bytes at `channels` bytes per pixel.
fn square_side(bytes: usize, channels: usize) -> Option<usize> {
    if bytes == 0 || !bytes.is_multiple_of(channels) {
        return None;
    }
    let pixels = bytes / channels;
    // The float root is exact for every size a canvas can have; check it anyway.
    let side = (pixels as f64).sqrt().round() as usize;
    (side.checked_mul(side) == Some(pixels)).then_some(side)
}

/// One drawing's pixels → what the network sees (`None` when it is blank).
fn network_input(
    which: Which,
    pixels: &[u8],
    format: PixelFormat,
) -> Result<Option<[f32; PIXELS14]>, WebError> {
    let channels = format.channels();
    let side = square_side(pixels.len(), channels).ok_or(WebError::NotSquare {
        which,
        bytes: pixels.len(),
        format: format.name(),
        channels,
    })?;
    let image = match format {
        PixelFormat::Rgba => GrayImage::from_rgba(side, side, pixels),
        PixelFormat::Alpha => {
            let ink = pixels.iter().map(|&b| f32::from(b) / 255.0).collect();
            GrayImage::new(side, side, ink)
        }
    }
    .map_err(|source| WebError::Preprocess { which, source })?;
    Ok(preprocess::preprocess(&image))
}

/// What the page shows about a loaded model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// `none`, `share`, `aux` or `share+aux`.
    pub name: &'static str,
    pub share: bool,
    pub aux: bool,
    pub parameters: usize,
    pub normalization: Normalization,
}

/// Plain JS objects, `null` for `None` (so `JSON.stringify` keeps every key).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, WebError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| WebError::Serialize(e.to_string()))
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
    /// [`Drawings::set`] with the typed error, for Rust callers.
    pub fn set_pixels(
        &mut self,
        which: Which,
        pixels: &[u8],
        format: PixelFormat,
    ) -> Result<(), WebError> {
        let input = network_input(which, pixels, format)?;
        match which {
            Which::First => self.first = input,
            Which::Second => self.second = input,
        }
        Ok(())
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
    /// (as [`Model::predict`] takes them); on an `Error` the drawing is left as it was.
    pub fn set(&mut self, side: &str, pixels: &[u8], format: &str) -> Result<(), JsError> {
        Ok(self.set_pixels(Which::parse(side)?, pixels, PixelFormat::parse(format)?)?)
    }
}

/// A loaded TwinNet. The worker that creates it is its only owner.
#[wasm_bindgen]
pub struct Model {
    net: TwinNet,
}

impl Model {
    /// [`Model::new`] with the typed error, for Rust callers.
    pub fn from_bytes(weights: &[u8]) -> Result<Self, WebError> {
        Ok(Self {
            net: weights::from_safetensors(weights)?,
        })
    }

    /// [`Model::predict`] with the typed error and the Rust value, for Rust callers.
    pub fn prediction(
        &self,
        a: &[u8],
        b: &[u8],
        format: PixelFormat,
    ) -> Result<Prediction, WebError> {
        let mut drawings = Drawings::new();
        drawings.set_pixels(Which::First, a, format)?;
        drawings.set_pixels(Which::Second, b, format)?;
        self.drawings_prediction(&drawings)
    }

    /// [`Model::predict_drawings`] with the typed error and the Rust value.
    pub fn drawings_prediction(&self, drawings: &Drawings) -> Result<Prediction, WebError> {
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
        Ok(Self::from_bytes(weights)?)
    }

    /// `{name, share, aux, parameters, normalization: {mean, std}}`.
    pub fn info(&self) -> Result<JsValue, JsError> {
        Ok(to_js(&ModelInfo::of(&self.net))?)
    }

    /// Predicts on two drawings, each the bytes of a square image in `format`
    /// (`"rgba"` or `"alpha"`); the two may differ in size. Returns
    /// `{verdict: {p_le_readout, p_le_head, p_le, le} | null, a: {input, probs, argmax} | null,
    /// b: … | null, blank_a, blank_b, aux}` (see `predict::Prediction`); a blank side has
    /// no view and then there is no verdict.
    pub fn predict(&self, a: &[u8], b: &[u8], format: &str) -> Result<JsValue, JsError> {
        let prediction = self.prediction(a, b, PixelFormat::parse(format)?)?;
        Ok(to_js(&prediction)?)
    }

    /// Predicts on the drawings kept in `drawings`; returns what [`Model::predict`] returns.
    #[wasm_bindgen(js_name = predictDrawings)]
    pub fn predict_drawings(&self, drawings: &Drawings) -> Result<JsValue, JsError> {
        Ok(to_js(&self.drawings_prediction(drawings)?)?)
    }

    /// Predicts on two digits already in the network's input form (14×14 = 196 values
    /// in [0, 1], as the MNIST recipe leaves them, un-normalised); returns what
    /// [`Model::predict`] returns.
    #[wasm_bindgen(js_name = predictInputs)]
    pub fn predict_inputs(&self, a: &[f32], b: &[f32]) -> Result<JsValue, JsError> {
        let (a, b) = (
            network_digit(Which::First, a)?,
            network_digit(Which::Second, b)?,
        );
        Ok(to_js(&predict::predict(&self.net, Some(&a), Some(&b))?)?)
    }

    /// The benchmark of one-pair inference inside the module (no JavaScript in the loop):
    /// `batches` × `calls` predictions on `a`, `b` (as [`Model::predict_inputs`] takes
    /// them), timed per batch by `performance.now()` (coarse in a browser, hence batches);
    /// returns the median batch's µs per prediction.
    #[wasm_bindgen(js_name = benchmarkPredictions)]
    pub fn benchmark_predictions(
        &self,
        a: &[f32],
        b: &[f32],
        batches: usize,
        calls: usize,
    ) -> Result<f64, JsError> {
        let (a, b) = (
            network_digit(Which::First, a)?,
            network_digit(Which::Second, b)?,
        );
        let calls = calls.max(1);
        let mut per_call = Vec::with_capacity(batches.max(1));
        for _ in 0..batches.max(1) {
            let start = now_ms();
            for _ in 0..calls {
                predict::predict(&self.net, Some(&a), Some(&b)).map_err(WebError::from)?;
            }
            per_call.push((now_ms() - start) * 1e3 / calls as f64);
        }
        Ok(median(&mut per_call))
    }
}

/// One 14×14 network input from JavaScript.
fn network_digit(which: Which, values: &[f32]) -> Result<[f32; PIXELS14], WebError> {
    values.try_into().map_err(|_| WebError::NotAnInput {
        which,
        len: values.len(),
    })
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

/// A settings object from JavaScript as JSON for the core to check. A number that JSON
/// cannot hold (`NaN` from `Number("abc")`, `Infinity`) becomes its name as a string, so
/// the core refuses it by field name instead of it turning into `null` (the default).
fn settings_json(options: &JsValue) -> serde_json::Value {
    let json = |v: &JsValue| -> serde_json::Value {
        match v.as_f64() {
            Some(x) if !x.is_finite() => serde_json::Value::String(format!("{x}")),
            // Anything serde cannot read (a function, a symbol) is described as a string.
            _ => serde_wasm_bindgen::from_value(v.clone())
                .unwrap_or_else(|_| serde_json::Value::String(format!("{v:?}"))),
        }
    };
    if !options.is_object() || js_sys::Array::is_array(options) {
        return json(options);
    }
    let object: &js_sys::Object = options.unchecked_ref();
    let fields = js_sys::Object::entries(object)
        .iter()
        .filter_map(|entry| {
            let entry: js_sys::Array = entry.dyn_into().ok()?;
            Some((entry.get(0).as_string()?, json(&entry.get(1))))
        })
        .collect();
    serde_json::Value::Object(fields)
}

/// The digits to train on: a TwinNet digits file, split into two disjoint halves (train
/// and test images) by the CLI's seeded split, so a run here draws the CLI's pairs.
#[wasm_bindgen]
pub struct TrainingData {
    sources: Arc<Sources>,
}

impl TrainingData {
    /// [`TrainingData::new`] with the typed error, for Rust callers.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Self, WebError> {
        let all = digits_file::decode(name, bytes)?;
        Ok(Self {
            sources: Arc::new(Sources::split_halves(&all, DEFAULT_SPLIT_SEED)),
        })
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }
}

#[wasm_bindgen]
impl TrainingData {
    /// The digits of a TwinNet digits file (gzip or not); `name` (e.g. its URL) is what
    /// an error message calls it. Throws an `Error` saying what is wrong with the file.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8], name: Option<String>) -> Result<TrainingData, JsError> {
        Ok(Self::from_bytes(
            name.as_deref().unwrap_or("the digits file"),
            bytes,
        )?)
    }

    /// Images in the file.
    pub fn images(&self) -> usize {
        self.sources.train.len() + self.sources.test.len()
    }

    /// The most pairs a run can draw: each half gives 2 distinct images per pair.
    #[wasm_bindgen(js_name = maxPairs)]
    pub fn max_pairs(&self) -> usize {
        self.sources.max_pairs()
    }
}

/// One run of the page's training form, trained an epoch per [`Training::run_epoch`] call.
#[wasm_bindgen]
pub struct Training {
    options: TrainOptions,
    run: TrainingRun,
}

impl Training {
    /// [`Training::new`] with the typed error, for Rust callers.
    pub fn start(data: &TrainingData, options: &serde_json::Value) -> Result<Self, WebError> {
        let options = TrainOptions::from_json(options, data.max_pairs())?;
        let run = TrainingRun::start(options.train_config(), data.sources(), options.pairs)?;
        Ok(Self { options, run })
    }

    /// [`Training::run_epoch`] with the typed error and the Rust value.
    pub fn step(&mut self) -> Result<session::EpochReport, WebError> {
        Ok(self.run.step(&now_ms)?)
    }

    /// The model as trained so far.
    pub fn model(&self) -> &TwinNet {
        self.run.model()
    }

    /// [`Training::report`] with the typed error and the Rust value.
    pub fn training_report(&self) -> Result<TrainingReport, WebError> {
        Ok(TrainingReport::of(self.options, &self.run)?)
    }
}

#[wasm_bindgen]
impl Training {
    /// Checks `options` = `{share, aux, epochs, pairs, lr, batch, seed}` (a missing field
    /// takes the published run's value; the ranges are `session::TrainOptions`'s), draws
    /// the run's pairs from `data` and makes the seeded model. A bad setting throws an
    /// `Error` whose message starts with the field's name: `"epochs: must be …, got 0"`.
    #[wasm_bindgen(constructor)]
    pub fn new(data: &TrainingData, options: JsValue) -> Result<Training, JsError> {
        Ok(Self::start(data, &settings_json(&options))?)
    }

    /// Trains and evaluates the next epoch; returns `{epoch, epochs, train_loss, test_loss,
    /// test_error, test_error_readout, test_digit_error, elapsed_ms}` (errors in %,
    /// `elapsed_ms` the run's training time so far by this worker's `performance.now()`).
    /// Divergence throws the core's message ("training diverged in epoch …: try a smaller
    /// learning rate …"), and so does a call after the last epoch.
    #[wasm_bindgen(js_name = runEpoch)]
    pub fn run_epoch(&mut self) -> Result<JsValue, JsError> {
        Ok(to_js(&self.step()?)?)
    }

    #[wasm_bindgen(js_name = isFinished)]
    pub fn is_finished(&self) -> bool {
        self.run.is_finished()
    }

    #[wasm_bindgen(js_name = epochsDone)]
    pub fn epochs_done(&self) -> usize {
        self.run.epochs_done()
    }

    /// The checked settings, every field filled in.
    pub fn options(&self) -> Result<JsValue, JsError> {
        Ok(to_js(&self.options)?)
    }

    /// The model as trained so far, as `Model.info()` describes a model.
    pub fn info(&self) -> Result<JsValue, JsError> {
        Ok(to_js(&ModelInfo::of(self.run.model()))?)
    }

    /// The benchmark of the per-epoch test evaluation on its own: `repeats` evaluations of
    /// the model as trained so far on the run's test pairs; the median in ms.
    #[wasm_bindgen(js_name = benchmarkTestEvaluation)]
    pub fn benchmark_test_evaluation(&self, repeats: usize) -> Result<f64, JsError> {
        let mut times = Vec::with_capacity(repeats.max(1));
        for _ in 0..repeats.max(1) {
            let start = now_ms();
            self.run.evaluate_test().map_err(WebError::from)?;
            times.push(now_ms() - start);
        }
        Ok(median(&mut times))
    }

    /// The model as trained so far: a safetensors file (PyTorch's names) that
    /// `new Model(bytes)` and PyTorch load.
    pub fn weights(&self) -> Result<Vec<u8>, JsError> {
        Ok(weights::to_safetensors(self.run.model()).map_err(WebError::from)?)
    }

    /// `{options, final: {train_loss, test_loss, train_error, test_error,
    /// test_error_readout, test_digit_error}, elapsed_ms, epochs: [EpochReport]}`.
    /// Evaluates the model on the run's training and test pairs, so call it once, at the end.
    pub fn report(&self) -> Result<JsValue, JsError> {
        Ok(to_js(&self.training_report()?)?)
    }
}

/// The ablation: R rounds × the four configurations, an epoch per [`Ablation::step`] call.
#[wasm_bindgen]
pub struct Ablation {
    ablation: session::Ablation,
}

impl Ablation {
    /// [`Ablation::new`] with the typed error, for Rust callers.
    pub fn start(data: &TrainingData, options: &serde_json::Value) -> Result<Self, WebError> {
        let options = AblationOptions::from_json(options, data.max_pairs())?;
        Ok(Self {
            ablation: session::Ablation::new(options, data.sources.clone()),
        })
    }

    /// [`Ablation::step`] with the typed error and the Rust value.
    pub fn next_epoch(&mut self) -> Result<session::AblationStep, WebError> {
        Ok(self.ablation.step(&now_ms)?)
    }

    pub fn summaries(&self) -> Vec<crate::ablation::ConfigSummary> {
        self.ablation.summary()
    }
}

#[wasm_bindgen]
impl Ablation {
    /// Checks `options` = `{rounds (1–32), epochs? = 25, pairs? = 1000, seed? = 1000}`;
    /// round r's seed is `seed + r` for all four configurations, as in `twinnet ablate`.
    /// A bad setting throws an `Error` whose message starts with the field's name.
    #[wasm_bindgen(constructor)]
    pub fn new(data: &TrainingData, options: JsValue) -> Result<Ablation, JsError> {
        Ok(Self::start(data, &settings_json(&options))?)
    }

    /// Trains the next epoch of the current run; returns `{config, round, run, runs,
    /// epoch: EpochReport, finished: RunReport | null}` (round and run 1-based; `finished`
    /// when the epoch was the run's last: `{train_loss, test_loss, train_error,
    /// test_error, test_error_readout, test_digit_error, elapsed_ms}`).
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        Ok(to_js(&self.next_epoch()?)?)
    }

    #[wasm_bindgen(js_name = isFinished)]
    pub fn is_finished(&self) -> bool {
        self.ablation.is_finished()
    }

    #[wasm_bindgen(js_name = runsDone)]
    pub fn runs_done(&self) -> usize {
        self.ablation.runs_done()
    }

    pub fn runs(&self) -> usize {
        self.ablation.options().runs()
    }

    pub fn options(&self) -> Result<JsValue, JsError> {
        Ok(to_js(self.ablation.options())?)
    }

    /// Table I over the finished runs: `[{name, share, aux, rounds, train_loss: {mean, std},
    /// test_loss, train_error, test_error, test_error_readout, test_digit_error, seconds,
    /// curves: {train_loss: [{mean, std}, …], test_loss, test_error, test_error_readout}}]`
    /// for `none`, `share`, `aux`, `share+aux` (those with a finished run).
    pub fn summary(&self) -> Result<JsValue, JsError> {
        Ok(to_js(&self.summaries())?)
    }
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
